"""电子印章公共平台 CA: root, issuing CA, timestamp authority and the certificates they issue.

Private keys live in `seal_credential.key_encrypted` (encrypted PKCS#8). A key is decrypted at
most once per process and kept in `_loaded` by certificate serial; revocation drops it.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.config import get_settings
from app.core.db import utcnow
from app.services.seals import keys
from app.services.seals.exceptions import CredentialUnavailable
from app.services.seals.models import CredentialKind, SealCredential

PLATFORM_NAME = "一网通办电子印章公共平台"
PLATFORM_ORG = "Portal E-Seal Platform"
ROOT_DAYS, ISSUING_DAYS, TSA_DAYS = 20 * 365, 10 * 365, 5 * 365
ORGANISATION_DAYS, PERSON_DAYS = 3 * 365, 2 * 365


@dataclass(frozen=True)
class LoadedCredential:
    """A decrypted key with its certificate in both cryptography and asn1crypto form."""

    id: int
    serial: str
    kind: str
    owner_code: str
    cert: x509.Certificate
    cert_asn1: asn1_x509.Certificate
    key: object  # cryptography private key
    key_asn1: asn1_keys.PrivateKeyInfo
    chain: tuple[asn1_x509.Certificate, ...]  # issuers up to (excluding) the root


@dataclass(frozen=True)
class Platform:
    root: LoadedCredential
    issuing: LoadedCredential
    tsa: LoadedCredential


_lock = threading.RLock()
_loaded: dict[str, LoadedCredential] = {}
_certs: dict[str, tuple[x509.Certificate, asn1_x509.Certificate]] = {}


def _serial_hex(serial: int) -> str:
    return format(serial, "x")


def _cert_pair(serial: str, der: bytes) -> tuple[x509.Certificate, asn1_x509.Certificate]:
    pair = _certs.get(serial)
    if pair is None:
        pair = (x509.load_der_x509_certificate(der), asn1_x509.Certificate.load(der))
        _certs[serial] = pair
    return pair


def _load(session: Session, row: SealCredential) -> LoadedCredential:
    cached = _loaded.get(row.serial)
    if cached is not None:
        return cached
    with _lock:
        cached = _loaded.get(row.serial)
        if cached is not None:
            return cached
        key = keys.decrypt_key(row.key_encrypted, get_settings().secret_key)
        key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        cert, cert_asn1 = _cert_pair(row.serial, row.cert_der)
        chain: list[asn1_x509.Certificate] = []
        issuer_serial = row.issuer_serial
        while issuer_serial:
            issuer = session.scalar(select(SealCredential).where(SealCredential.serial == issuer_serial))
            if issuer is None or issuer.kind == CredentialKind.root.value:
                break
            chain.append(_cert_pair(issuer.serial, issuer.cert_der)[1])
            issuer_serial = issuer.issuer_serial
        loaded = LoadedCredential(id=row.id, serial=row.serial, kind=row.kind, owner_code=row.owner_code,
                                  cert=cert, cert_asn1=cert_asn1, key=key,
                                  key_asn1=asn1_keys.PrivateKeyInfo.load(key_der), chain=tuple(chain))
        _loaded[row.serial] = loaded
        return loaded


def forget(serial: str) -> None:
    """Drop a credential from the process cache (after revocation)."""
    with _lock:
        _loaded.pop(serial, None)


def _create(session: Session, *, kind: CredentialKind, subject: keys.Subject, owner_code: str,
            issuer: LoadedCredential | None, days: int, slot: str | None = None, user_id: int | None = None,
            not_before: datetime | None = None, not_after: datetime | None = None) -> SealCredential:
    key = keys.generate_key()
    start, end = keys.validity(days)
    start, end = not_before or start, not_after or end
    if issuer is not None:
        # A certificate never outlives its issuer (path validation would reject it).
        end = min(end, issuer.cert.not_valid_after_utc)
    serial = keys.new_serial()
    cert = keys.build_certificate(subject=subject, public_key=key.public_key(),
                                  issuer_cert=issuer.cert if issuer else None,
                                  issuer_key=issuer.key if issuer else key,  # type: ignore[arg-type]
                                  kind=kind.value, serial=serial, not_before=start, not_after=end)
    row = SealCredential(kind=kind.value, slot=slot, owner_code=owner_code, common_name=subject.common_name,
                         user_id=user_id, serial=_serial_hex(serial),
                         issuer_serial=issuer.serial if issuer else None, key_algorithm=keys.KEY_ALGORITHM,
                         not_before=start, not_after=end, cert_der=keys.cert_der(cert),
                         key_encrypted=keys.encrypt_key(key, get_settings().secret_key))
    session.add(row)
    return row


def _slot_rows(session: Session) -> dict[str, SealCredential]:
    rows = session.scalars(select(SealCredential).where(SealCredential.slot.is_not(None))).all()
    return {r.slot: r for r in rows if r.slot}


def ensure_platform(session: Session) -> Platform:
    """Load the platform's root CA, issuing CA and TSA, creating any that are missing."""
    rows = _slot_rows(session)
    if len(rows) < 3:
        try:
            with session.begin_nested():
                root_row = rows.get("root")
                if root_row is None:
                    root_row = _create(session, kind=CredentialKind.root, slot="root", owner_code="platform",
                                       subject=keys.Subject(f"{PLATFORM_NAME}根证书 Root CA", PLATFORM_ORG),
                                       issuer=None, days=ROOT_DAYS)
                    session.flush()
                root = _load(session, root_row)
                issuing_row = rows.get("issuing")
                if issuing_row is None:
                    issuing_row = _create(session, kind=CredentialKind.issuing, slot="issuing",
                                          owner_code="platform", issuer=root, days=ISSUING_DAYS,
                                          subject=keys.Subject(f"{PLATFORM_NAME}签发CA Issuing CA", PLATFORM_ORG))
                    session.flush()
                if "tsa" not in rows:
                    _create(session, kind=CredentialKind.tsa, slot="tsa", owner_code="platform",
                            issuer=_load(session, issuing_row), days=TSA_DAYS,
                            subject=keys.Subject(f"{PLATFORM_NAME}时间戳服务 TSA", PLATFORM_ORG))
                    session.flush()
        except IntegrityError:
            pass  # another process created them first: use theirs
        rows = _slot_rows(session)
    return Platform(root=_load(session, rows["root"]), issuing=_load(session, rows["issuing"]),
                    tsa=_load(session, rows["tsa"]))


def issue_organisation_credential(session: Session, *, owner_code: str, name: str, name_en: str = "",
                                  not_before: datetime | None = None,
                                  not_after: datetime | None = None) -> SealCredential:
    """Issue a seal certificate for a department or enterprise (CN = its Chinese name)."""
    platform = ensure_platform(session)
    row = _create(session, kind=CredentialKind.organisation, owner_code=owner_code,
                  subject=keys.Subject(name, organization=name, org_unit=name_en[:64], serial_number=owner_code),
                  issuer=platform.issuing, days=ORGANISATION_DAYS, not_before=not_before, not_after=not_after)
    session.flush()
    return row


def person_credential(session: Session, *, full_name: str, id_number: str, user_id: int | None = None,
                      not_before: datetime | None = None, not_after: datetime | None = None) -> LoadedCredential:
    """The applicant's personal signing certificate (CN = real name, serialNumber = ID number)."""
    now = utcnow()
    if not_after is None:
        row = session.scalars(
            select(SealCredential)
            .where(SealCredential.kind == CredentialKind.person.value, SealCredential.owner_code == id_number,
                   SealCredential.common_name == full_name, SealCredential.revoked_at.is_(None),
                   SealCredential.not_after > now + timedelta(days=1))
            .order_by(SealCredential.id.desc()).limit(1)).first()
        if row is not None:
            return _load(session, row)
    platform = ensure_platform(session)
    row = _create(session, kind=CredentialKind.person, owner_code=id_number, user_id=user_id,
                  subject=keys.Subject(full_name, serial_number=id_number), issuer=platform.issuing,
                  days=PERSON_DAYS, not_before=not_before, not_after=not_after)
    session.flush()
    return _load(session, row)


def load_credential(session: Session, credential_id: int) -> LoadedCredential:
    row = session.get(SealCredential, credential_id)
    if row is None:
        raise CredentialUnavailable("印章证书不存在 / seal certificate not found")
    return _load(session, row)


def revoke_credential(session: Session, row: SealCredential, reason: str) -> None:
    """Mark a certificate revoked; signatures made with it then verify as `revoked`."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        row.revocation_reason = reason[:200]
        session.flush()
    forget(row.serial)


@dataclass(frozen=True)
class TrustStore:
    roots: tuple[asn1_x509.Certificate, ...]
    intermediates: tuple[asn1_x509.Certificate, ...]
    issuers: tuple[x509.Certificate, ...]  # every CA that may have issued an end-entity cert


def trust_store(session: Session) -> TrustStore:
    """Every root and issuing CA the platform ever had (old documents stay verifiable)."""
    rows = session.execute(select(SealCredential.serial, SealCredential.kind, SealCredential.cert_der)
                           .where(SealCredential.kind.in_([CredentialKind.root.value,
                                                           CredentialKind.issuing.value]))).all()
    roots, inter, issuers = [], [], []
    for serial, kind, der in rows:
        crypto_cert, asn1_cert = _cert_pair(serial, der)
        (roots if kind == CredentialKind.root.value else inter).append(asn1_cert)
        issuers.append(crypto_cert)
    return TrustStore(tuple(roots), tuple(inter), tuple(issuers))


def credential_by_serial(session: Session, serial: str) -> SealCredential | None:
    return session.scalar(select(SealCredential).where(SealCredential.serial == serial))


