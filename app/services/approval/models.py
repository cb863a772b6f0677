"""Decision models (versioned GoRules JDM), per-matter safety settings and automatic decisions."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class ModelStatus(str, enum.Enum):
    draft = "draft"
    active = "active"
    retired = "retired"


class Outcome(str, enum.Enum):
    approve = "approve"
    deny = "deny"
    refer = "refer"


class CheckStatus(str, enum.Enum):
    """事后抽查 of a sampled automatic approval."""
    pending = "pending"
    confirmed = "confirmed"
    flagged = "flagged"


class DecisionModel(Base):
    """One version of one matter's decision model; at most one version is active."""

    __tablename__ = "approval_model"
    __table_args__ = (UniqueConstraint("matter_code", "version", name="uq_approval_model_matter_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matter_code: Mapped[str] = mapped_column(ForeignKey("matter.code"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=ModelStatus.draft.value)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    activated_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ApprovalSetting(Base):
    """Safety switches of one matter: on/off, daily cap of automatic approvals, post-check share."""

    __tablename__ = "approval_setting"

    matter_code: Mapped[str] = mapped_column(ForeignKey("matter.code"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    daily_cap: Mapped[int] = mapped_column(Integer, default=500)
    sample_rate: Mapped[float] = mapped_column(Float, default=0.1)
    updated_by: Mapped[str] = mapped_column(String(64), default="seed")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AutoDecision(Base):
    """What the model said about one application, with the facts and the trace behind it."""

    __tablename__ = "approval_decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), unique=True)
    application_number: Mapped[str] = mapped_column(String(32), index=True)
    matter_code: Mapped[str] = mapped_column(String(80), index=True)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("approval_model.id"), nullable=True)
    model_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    model_outcome: Mapped[str] = mapped_column(String(20))  # what the model said
    outcome: Mapped[str] = mapped_column(String(20), index=True)  # what was done (safety may refer)
    definitive: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # [{code, zh, en}]
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fired: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    trace: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sampled: Mapped[bool] = mapped_column(Boolean, default=False)
    check_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    checked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    check_note: Mapped[str] = mapped_column(String(500), default="")
