"""Applications (办件), their materials, events, numbers, idempotency keys, inbox, bundles."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, utcnow
from app.identity.models import enum_column


class Status(str, enum.Enum):
    draft = "draft"
    submitted = "submitted"
    accepted = "accepted"
    in_review = "in_review"
    approved = "approved"
    denied = "denied"
    issued = "issued"
    correction_requested = "correction_requested"
    resubmitted = "resubmitted"
    refused = "refused"
    withdrawn = "withdrawn"


class Channel(str, enum.Enum):
    online = "online"
    window = "window"


class MaterialStatus(str, enum.Enum):
    missing = "missing"
    uploaded = "uploaded"
    exempt_licence = "exempt_licence"  # 免于提交: from the licence wallet
    exempt_data = "exempt_data"  # 免于提交: from shared government data


class BundleApplication(Base):
    """One "one thing" (一件事) submission: one form, linked applications of every matter."""

    __tablename__ = "bundle_application"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    bundle_code: Mapped[str] = mapped_column(ForeignKey("bundle.code"), index=True)
    applicant_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    form: Mapped[dict] = mapped_column(JSON, default=dict)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    applications: Mapped[list["Application"]] = relationship(lazy="raise", order_by="Application.id")


class Application(Base):
    __tablename__ = "application"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    matter_code: Mapped[str] = mapped_column(ForeignKey("matter.code"), index=True)
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    bundle_application_id: Mapped[int | None] = mapped_column(ForeignKey("bundle_application.id"), nullable=True,
                                                               index=True)
    applicant_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    acting_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    subject_key: Mapped[str] = mapped_column(String(18), index=True)  # ID number or credit code
    applicant_name: Mapped[str] = mapped_column(String(120))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel), default=Channel.online)
    status: Mapped[Status] = mapped_column(enum_column(Status), default=Status.draft, index=True)
    form: Mapped[dict] = mapped_column(JSON, default=dict)
    prefilled: Mapped[dict] = mapped_column(JSON, default=dict)  # field -> source label
    prefilled_fields: Mapped[int] = mapped_column(Integer, default=0)
    total_fields: Mapped[int] = mapped_column(Integer, default=0)
    exempt_materials: Mapped[int] = mapped_column(Integer, default=0)
    total_materials: Mapped[int] = mapped_column(Integer, default=0)
    summary_blob: Mapped[str | None] = mapped_column(String(64), nullable=True)  # signed summary PDF
    signed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    issued_at: Mapped[datetime | None] = mapped_column(nullable=True)
    intake_due_date: Mapped[date | None] = mapped_column(Date, nullable=True)  # 受理 due (deadlines.intake_due)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    clock_paused_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    decision_outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decision_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decision_reasons: Mapped[list] = mapped_column(JSON, default=list)
    result_document_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    licence_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    window_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # 后台分类审批: the department reviewer who works on it (username; None: unassigned)
    assigned_to: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # 审核 of a two-level matter (Matter.two_level): the first person's opinion; 审批 by another decides
    review_opinion: Mapped[str | None] = mapped_column(String(20), nullable=True)  # approve | deny
    review_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    review_reasons: Mapped[list] = mapped_column(JSON, default=list)
    reviewed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    materials: Mapped[list["ApplicationMaterial"]] = relationship(
        lazy="raise", order_by="ApplicationMaterial.position", cascade="all, delete-orphan")
    events: Mapped[list["ApplicationEvent"]] = relationship(
        lazy="raise", order_by="ApplicationEvent.id", cascade="all, delete-orphan")


class ApplicationMaterial(Base):
    __tablename__ = "application_material"
    __table_args__ = (UniqueConstraint("application_id", "material_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), index=True)
    material_id: Mapped[int] = mapped_column(Integer)  # catalogue material id
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(80))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[MaterialStatus] = mapped_column(enum_column(MaterialStatus), default=MaterialStatus.missing)
    blob_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stored_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    original_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    media_type: Mapped[str | None] = mapped_column(String(60), nullable=True)
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    licence_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    exempt_note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApplicationEvent(Base):
    __tablename__ = "application_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(30), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(30), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")  # Chinese, or what a person typed (then note_en is None)
    note_en: Mapped[str | None] = mapped_column(Text, nullable=True)  # English of a system note


class NumberSequence(Base):
    """Daily counters behind application numbers (XH + date + 6 digits)."""

    __tablename__ = "number_sequence"

    scope: Mapped[str] = mapped_column(String(20), primary_key=True)  # e.g. XH20261127
    last: Mapped[int] = mapped_column(Integer, default=0)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    response_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response_body: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    application_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxMessage(Base):
    """In-app notice of a status change (站内消息)."""

    __tablename__ = "inbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    application_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    title: Mapped[str] = mapped_column(String(200))  # Chinese (or a person's own words)
    title_en: Mapped[str | None] = mapped_column(String(200), nullable=True)  # None: the same in English
    body: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class SignCode(Base):
    """A one-time code for one e-signature, sent to the in-app inbox (the simulated SMS); only its HMAC is kept."""

    __tablename__ = "sign_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)  # who proves with it
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)


class SignFailure(Base):
    """A refused second factor (wrong password or code): counted to limit guessing."""

    __tablename__ = "sign_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    application_number: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(20))  # password | code
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
