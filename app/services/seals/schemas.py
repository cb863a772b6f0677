"""Inputs and outputs of the e-seal platform (dataclasses for services, pydantic for HTTP)."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core.clock import CHINA_TZ


class ResultType(str, enum.Enum):
    licence = "licence"
    certificate = "certificate"
    decision = "decision"
    notice = "notice"


APPROVING_OUTCOMES = frozenset({"approve", "approved", "grant", "granted", "accept", "accepted", "issued"})


@dataclass
class ResultDocumentInput:
    """Everything printed on a result document (决定书 / 证照 / 证明 / 通知书)."""

    number: str                    # application number
    matter_code: str
    matter_name: str
    result_type: str               # ResultType value
    department_code: str
    department_name: str
    applicant_name: str
    applicant_id_number: str       # ID number or USCC; printed masked
    outcome: str                   # approve | deny (or approved / denied)
    reasons: list[str] = field(default_factory=list)
    decided_at: datetime | date | None = None
    licence_type: str | None = None
    licence_name: str | None = None
    licence_number: str | None = None
    valid_to: date | None = None
    granted: list[tuple[str, str]] = field(default_factory=list)  # what an approval grants: (label, text)

    @property
    def approved(self) -> bool:
        return self.outcome.strip().lower() in APPROVING_OUTCOMES


class VerifyStatus(str, enum.Enum):
    valid = "valid"
    tampered = "tampered"
    unknown_signer = "unknown_signer"
    revoked = "revoked"
    expired = "expired"
    unsigned = "unsigned"


STATUS_MESSAGES: dict[str, tuple[str, str]] = {
    "valid": ("签章有效：文件自签署后未被修改，签署证书由本平台签发且有效。",
              "Valid: the file is unchanged since it was signed, by a certificate this platform issued."),
    "tampered": ("文件已被篡改：签署后内容发生了变化，或签名数据已损坏。",
                 "Tampered: the file changed after it was signed, or its signature data is damaged."),
    "unknown_signer": ("签署者未知：签名证书不是由本平台的电子印章公共平台签发的。",
                       "Unknown signer: the signing certificate was not issued by this platform."),
    "revoked": ("印章或证书已注销：签署时，所用的印章/证书已被吊销。",
                "Revoked: the seal or certificate had been revoked when this file was signed."),
    "expired": ("证书已过期：签署时，所用的证书不在有效期内。",
                "Expired: the signing certificate was outside its validity period when this file was signed."),
    "unsigned": ("未签章：文件中没有电子签章（或不是 PDF 文件）。",
                 "Unsigned: the file carries no electronic signature (or is not a PDF)."),
}


REVOKED_AFTER_SIGNING = ("签署所用的印章/证书在签署之后已被注销；本文件签署于注销之前，签章仍然有效。",
                         "The seal or certificate was revoked after this file was signed; "
                         "the signature predates the revocation and stays valid.")


@dataclass
class SignatureReport:
    field_name: str
    status: str
    signer: str | None
    signer_serial_number: str | None
    certificate_serial: str | None
    signed_at: datetime | None
    timestamped: bool
    coverage: str
    revoked_at: datetime | None = None  # set when the registry revoked it (after signing, if still valid)


@dataclass
class VerificationResult:
    status: str
    signer: str | None = None
    seal: str | None = None
    signed_at: datetime | None = None
    document_id: str | None = None
    signatures: list[SignatureReport] = field(default_factory=list)
    detail: str = ""
    revoked_at: datetime | None = None

    @property
    def revoked_after_signing(self) -> bool:
        return self.valid and self.revoked_at is not None

    @property
    def note(self) -> tuple[str, str] | None:
        return REVOKED_AFTER_SIGNING if self.revoked_after_signing else None

    @property
    def signed_at_china(self) -> datetime | None:
        return self.signed_at.astimezone(CHINA_TZ) if self.signed_at else None

    @property
    def revoked_at_china(self) -> datetime | None:
        return self.revoked_at.astimezone(CHINA_TZ) if self.revoked_at else None

    @property
    def valid(self) -> bool:
        return self.status == VerifyStatus.valid.value

    @property
    def message_zh(self) -> str:
        return STATUS_MESSAGES[self.status][0]

    @property
    def message_en(self) -> str:
        return STATUS_MESSAGES[self.status][1]

    def to_json(self) -> dict:
        return {
            "valid": self.valid,
            "status": self.status,
            "signer": self.signer,
            "seal": self.seal,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "document_id": self.document_id,
            "message": self.message_zh,
            "message_en": self.message_en,
            "note": self.note[0] if self.note else None,
            "note_en": self.note[1] if self.note else None,
            "signatures": [
                {"field": s.field_name, "status": s.status, "signer": s.signer,
                 "certificate_serial": s.certificate_serial,
                 "signed_at": s.signed_at.isoformat() if s.signed_at else None,
                 "revoked_at": s.revoked_at.isoformat() if s.revoked_at else None,
                 "timestamped": s.timestamped, "coverage": s.coverage}
                for s in self.signatures
            ],
        }


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SealRead(_Read):
    id: int
    number: str
    owner_type: str
    owner_code: str
    owner_name: str
    status: str
    applied_at: datetime
    activated_at: datetime | None = None
    revoked_at: datetime | None = None


class SealCreate(BaseModel):
    """A seal's owner goes into its certificate's subject: printable codes, names without control
    characters."""
    owner_type: Literal["department", "enterprise"] = "enterprise"
    owner_code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
    owner_name: str = Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")
    owner_name_en: str = Field(default="", max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$")

    @field_validator("owner_name")
    @classmethod
    def _fits_a_certificate(cls, value: str) -> str:
        """The name becomes the certificate's CN and O: it must be a valid X.509 name attribute."""
        from cryptography import x509
        from cryptography.x509.oid import NameOID

        try:
            x509.NameAttribute(NameOID.COMMON_NAME, value)
        except ValueError as e:
            raise ValueError(f"名称不能用于印章证书 / the name cannot go into a seal certificate: {e}") from None
        return value


class SealedDocumentRead(_Read):
    id: str
    application_number: str
    matter_code: str
    title: str
    result_type: str
    sha256: str
    size: int
    issued_at: datetime


class LicenceRead(_Read):
    id: int
    holder_name: str
    licence_type: str
    licence_name: str
    number: str
    issuer_code: str
    issuer_name: str
    valid_from: date
    valid_to: date | None = None
    status: str
    sealed_document_id: str | None = None
    download_count: int
