"""E-seal platform tables: credentials (keys + certificates), seals, sealed documents, licences."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, utcnow


class CredentialKind(str, enum.Enum):
    root = "root"                  # 电子印章公共平台根证书
    issuing = "issuing"            # issuing CA under the root
    tsa = "tsa"                    # the platform's in-process timestamp authority
    organisation = "organisation"  # a department's or an enterprise's seal certificate
    person = "person"              # an applicant's personal signing certificate


class SealStatus(str, enum.Enum):
    applied = "applied"  # 申请
    made = "made"        # 制作 (key, certificate and image generated)
    filed = "filed"      # 备案
    active = "active"    # 启用
    changed = "changed"  # 变更 (superseded by a newer seal of the same owner)
    revoked = "revoked"  # 注销 / 吊销


class OwnerType(str, enum.Enum):
    department = "department"
    enterprise = "enterprise"


class LicenceStatus(str, enum.Enum):
    active = "active"
    expired = "expired"
    revoked = "revoked"


class SealCredential(Base):
    """A key pair and its certificate. The private key is encrypted PKCS#8, never served."""

    __tablename__ = "seal_credential"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    # Platform singletons (root / issuing / tsa) take their kind here; the unique constraint
    # keeps two processes from each creating a root on first use. NULL for everything else.
    slot: Mapped[str | None] = mapped_column(String(20), unique=True, default=None)
    owner_code: Mapped[str] = mapped_column(String(64), index=True)  # dept code, USCC, ID number
    common_name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(Integer, default=None)
    serial: Mapped[str] = mapped_column(String(40), unique=True)  # hex
    issuer_serial: Mapped[str | None] = mapped_column(String(40), default=None)
    key_algorithm: Mapped[str] = mapped_column(String(20))
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    cert_der: Mapped[bytes] = mapped_column(LargeBinary)
    key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revocation_reason: Mapped[str] = mapped_column(String(200), default="")


class Seal(Base):
    """An organisation's e-seal (电子印章) and where it is in its lifecycle."""

    __tablename__ = "seal"
    __table_args__ = (Index("ix_seal_owner_status", "owner_code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # 印章编码
    owner_type: Mapped[str] = mapped_column(String(20))
    owner_code: Mapped[str] = mapped_column(String(64))
    owner_name: Mapped[str] = mapped_column(String(200))
    owner_name_en: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default=SealStatus.applied.value)
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("seal_credential.id"), default=None)
    image_sha256: Mapped[str | None] = mapped_column(String(64), default=None)  # blob digest of the PNG
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("seal.id"), default=None)
    applied_by: Mapped[str] = mapped_column(String(120), default="")
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    made_at: Mapped[datetime | None] = mapped_column(default=None)
    filed_at: Mapped[datetime | None] = mapped_column(default=None)
    activated_at: Mapped[datetime | None] = mapped_column(default=None)
    changed_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    credential: Mapped[SealCredential | None] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": version}


class SealedDocument(Base):
    """Registry of every sealed PDF the platform issued (what the QR code opens)."""

    __tablename__ = "sealed_document"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # url-safe random token
    application_number: Mapped[str] = mapped_column(String(40), index=True)
    matter_code: Mapped[str] = mapped_column(String(80), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    result_type: Mapped[str] = mapped_column(String(20), default="")
    holder_key: Mapped[str] = mapped_column(String(64), default="", index=True)
    seal_id: Mapped[int] = mapped_column(ForeignKey("seal.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    blob_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    seal: Mapped[Seal] = relationship(lazy="raise")


class Licence(Base):
    """An e-licence in its holder's wallet (电子证照); reusable as an application material."""

    __tablename__ = "licence"
    __table_args__ = (Index("ix_licence_holder_type_status", "holder_key", "licence_type", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    holder_key: Mapped[str] = mapped_column(String(64))  # ID number or USCC
    holder_name: Mapped[str] = mapped_column(String(200))
    licence_type: Mapped[str] = mapped_column(String(60))
    licence_name: Mapped[str] = mapped_column(String(120))
    number: Mapped[str] = mapped_column(String(40), unique=True)
    issuer_code: Mapped[str] = mapped_column(String(40))
    issuer_name: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[str] = mapped_column(String(20), default=LicenceStatus.active.value)
    sealed_document_id: Mapped[str | None] = mapped_column(ForeignKey("sealed_document.id"), default=None)
    application_number: Mapped[str] = mapped_column(String(40), default="")
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    last_downloaded_at: Mapped[datetime | None] = mapped_column(default=None)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revocation_reason: Mapped[str] = mapped_column(String(200), default="")
