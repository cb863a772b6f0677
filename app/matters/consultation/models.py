"""Consultation log with feedback, and lexicon entries added by administrators."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class ConsultationQuery(Base):
    """One question asked, what it was answered with, and whether the asker found it helpful."""

    __tablename__ = "consultation_query"
    __table_args__ = (
        Index("ix_consultation_query_created_at", "created_at"),
        Index("ix_consultation_query_helpful", "helpful"),
        Index("ix_consultation_query_ref", "ref", unique=True),
        Index("ix_consultation_query_hotline_category", "hotline_category"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(32), nullable=True, default=None)  # told to the asker
    question: Mapped[str] = mapped_column(String(500))
    top_codes: Mapped[str] = mapped_column(String(400), default="")  # best first, comma-separated
    not_found: Mapped[bool] = mapped_column(Boolean, default=False)
    clarified: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(10), default="api")  # api | web
    # The 12345 hotline category the question was routed to (a city problem, not a matter).
    hotline_category: Mapped[str | None] = mapped_column(String(40), nullable=True, default=None)
    helpful: Mapped[bool | None] = mapped_column(Boolean, nullable=True, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    feedback_at: Mapped[datetime | None] = mapped_column(nullable=True, default=None)

    @property
    def codes(self) -> list[str]:
        return [c for c in self.top_codes.split(",") if c]


class LexiconEntry(Base):
    """A colloquial term an administrator taught the engine: expands to words, or names a matter."""

    __tablename__ = "consultation_lexicon_entry"
    __table_args__ = (Index("ix_consultation_lexicon_entry_term", "term"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(100))
    expansion: Mapped[str | None] = mapped_column(String(200), nullable=True, default=None)
    target_matter_code: Mapped[str | None] = mapped_column(String(64), nullable=True, default=None)
    added_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
