"""Proactive services (免申即享): offers and grants found from shared data, the scan's cursor,
enterprise policy pushes and the district's service points."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow
from app.identity.models import enum_column


class OfferKind(str, enum.Enum):
    offer = "offer"  # 免申: a message and a pre-filled application the person confirms
    grant = "grant"  # 即享: decided and issued without an application


class OfferStatus(str, enum.Enum):
    offered = "offered"    # waiting for the person
    applied = "applied"    # the person took the offer: a draft application exists
    granted = "granted"    # decided and issued without an application
    declined = "declined"  # the person said no: never offered again
    objected = "objected"  # the person objects to a grant


class ProactiveOffer(Base):
    """One person's (or enterprise's) eligibility for one matter, found by the scan; one row per
    subject and matter, ever (a declined offer is never repeated)."""

    __tablename__ = "proactive_offer"
    __table_args__ = (UniqueConstraint("subject_key", "matter_code", name="uq_proactive_offer_subject_matter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_key: Mapped[str] = mapped_column(String(18), index=True)  # ID number or credit code
    matter_code: Mapped[str] = mapped_column(String(80), index=True)
    kind: Mapped[OfferKind] = mapped_column(enum_column(OfferKind))
    status: Mapped[OfferStatus] = mapped_column(enum_column(OfferStatus), index=True)
    reasons: Mapped[list] = mapped_column(JSON, default=list)  # [{"code", "zh", "en"}]: which data, which rule
    sources: Mapped[dict] = mapped_column(JSON, default=dict)  # facts source -> found / not_found / unavailable
    model_version: Mapped[int] = mapped_column(Integer)
    application_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")  # the person's objection, in their words
    seen_at: Mapped[datetime | None] = mapped_column(nullable=True)  # first shown to the person (reach: read)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ScanCursor(Base):
    """Where the eligibility scan stopped: the last datahub record id done (0 = a new pass)."""

    __tablename__ = "proactive_cursor"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_record_id: Mapped[int] = mapped_column(Integer, default=0)
    passes: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PolicyPush(Base):
    """A matched enterprise policy pushed to the enterprise's inbox, once."""

    __tablename__ = "policy_push"
    __table_args__ = (UniqueConstraint("uscc", "policy_code", name="uq_policy_push_uscc_policy"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    policy_code: Mapped[str] = mapped_column(String(40), index=True)
    pushed_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ServicePoint(Base):
    """A place to get served: a service centre or a 24-hour self-service terminal."""

    __tablename__ = "service_point"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20), index=True)  # district | subdistrict | terminal
    place: Mapped[str] = mapped_column(String(20), default="")  # centre | building | community | park | bank
    subdistrict: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(200))
    address_en: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    hours: Mapped[str] = mapped_column(String(120))
    hours_en: Mapped[str] = mapped_column(String(200), default="")
    open_24h: Mapped[bool] = mapped_column(Boolean, default=False)
    matters: Mapped[list] = mapped_column(JSON, default=list)
