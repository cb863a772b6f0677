"""Errors of smart consultation."""
from __future__ import annotations

from app.core.errors import NotFound, ValidationFailed


class QuestionInvalid(ValidationFailed):
    """Empty or over-long question (422)."""


class ConsultationNotFound(NotFound):
    code = "consultation_not_found"


class LexiconEntryInvalid(ValidationFailed):
    """An administrator's lexicon entry that cannot be used."""
