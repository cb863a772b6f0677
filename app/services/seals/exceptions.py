"""Errors of the e-seal platform (rendered as {"error": code, "detail": message})."""
from __future__ import annotations

from app.core.errors import Conflict, NotFound, PortalError, ValidationFailed


class SealNotFound(NotFound):
    code = "seal_not_found"


class SealNotActive(Conflict):
    code = "seal_not_active"


class SealStateError(Conflict):
    code = "seal_state_conflict"


class CredentialUnavailable(PortalError):
    status_code = 409
    code = "credential_unavailable"


class DocumentNotFound(NotFound):
    code = "document_not_found"


class LicenceNotFound(NotFound):
    code = "licence_not_found"


class NotAPdf(ValidationFailed):
    code = "not_a_pdf"


class InvalidTimestamp(ValidationFailed):
    code = "invalid_timestamp"


class CrlNotFound(NotFound):
    code = "crl_not_found"
