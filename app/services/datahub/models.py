"""Shared government data (数据共享): synthetic records of the district's data sources.

One table holds every source's records as JSON payloads keyed by subject (an ID number,
a unified social credit code or an address key), so adding a source needs no migration.
Every read is logged in DataAccessLog: who read whose data, for which application.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class DataSource(str, enum.Enum):
    """The data sources named in the catalogue (`data_sources`); values are the contract."""

    population = "population"            # 人口库
    legal_entity = "legal-entity"        # 法人库
    social_security = "social-security"  # 社保库
    hpf = "hpf"                          # 公积金库
    tax = "tax"                          # 税务库
    realty = "realty"                    # 不动产登记库
    address_cloud = "address-cloud"      # 住所云
    credit = "credit"                    # 公共信用信息库


SOURCES: tuple[str, ...] = tuple(s.value for s in DataSource)


class LookupOutcome(str, enum.Enum):
    found = "found"
    not_found = "not_found"
    unavailable = "unavailable"


class DataRecord(Base):
    """One subject's record in one source."""

    __tablename__ = "datahub_record"
    __table_args__ = (UniqueConstraint("source", "subject_key", name="uq_datahub_record_source_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    subject_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DataSourceStatus(Base):
    """Whether a source answers; switched off to simulate an outage (then intake falls back to uploads)."""

    __tablename__ = "datahub_source_status"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DataAccessLog(Base):
    """Who read whose data, from which source, for which application and why."""

    __tablename__ = "datahub_access_log"
    __table_args__ = (
        Index("ix_datahub_access_log_subject", "source", "subject_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(40))
    subject_key: Mapped[str] = mapped_column(String(200))
    application_number: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # LookupOutcome value
    purpose: Mapped[str] = mapped_column(String(200), default="")
