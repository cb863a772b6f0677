"""电子印章公共平台 CA: the issuing CA, the timestamp authority and the certificates they issue.

Private keys live in `seal_credential.key_encrypted` (encrypted PKCS#8). A key is decrypted at
most once while it is kept in `_loaded` by certificate serial (bounded: least recently used out); revocation drops it. The root
CA's key is not in the database: only the CLI (`offline.py`, `portal ca init`) holds it, to issue
the issuing CA and the TSA. This module — all the web process has — never needs it.

Every certificate the issuing CA issues names its CRL (`GET /pki/crl/<issuing serial>.crl`) in a
CRL distribution point; `crl_der` builds that CRL from the registry's revocations.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.core import reads
from app.core.config import get_settings
from app.core.db import utcnow
from app.services.seals import keys
from app.services.seals.exceptions import CredentialUnavailable, CrlNotFound
from app.services.seals.models import CredentialKind, SealCredential

PLATFORM_NAME = "一网通办电子印章公共平台"
PLATFORM_ORG = "Portal E-Seal Platform"
ROOT_DAYS, ISSUING_DAYS, TSA_DAYS = 20 * 365, 10 * 365, 5 * 365
ORGANISATION_DAYS, PERSON_DAYS = 3 * 365, 2 * 365
CRL_HOURS = 24  # nextUpdate; the CRL is rebuilt at once when a revocation changes it
CRL_MEDIA_TYPE = "application/pkix-crl"


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
    """What the web process holds: the issuing CA and the TSA (never the root)."""

    issuing: LoadedCredential
    tsa: LoadedCredential


_lock = threading.RLock()
_loaded: dict[str, LoadedCredential] = {}
_certs: dict[str, tuple[x509.Certificate, asn1_x509.Certificate]] = {}
# Kept per process, least recently used first out: the platform's CAs and TSA, the departments' seals
# and the persons who signed lately (every applicant who signs has a credential of their own, so an
# unbounded cache would grow with the district).
CACHED = 1024


def _recall(cache: dict, key: str):
    with _lock:
        value = cache.pop(key, None)
        if value is not None:
            cache[key] = value  # now the most recently used
        return value


def keep(cache: dict, key: str, value, limit: int | None = None) -> None:
    """Put `value` in a bounded per-process cache (at most `limit`, default CACHED; the oldest entry
    goes first); signing's caches use it too."""
    with _lock:
        cache.pop(key, None)
        while len(cache) >= (limit or CACHED):
            cache.pop(next(iter(cache)))
        cache[key] = value


def _serial_hex(serial: int) -> str:
    return format(serial, "x")


def _cert_pair(serial: str, der: bytes) -> tuple[x509.Certificate, asn1_x509.Certificate]:
    pair = _recall(_certs, serial)
    if pair is None:
        pair = (x509.load_der_x509_certificate(der), asn1_x509.Certificate.load(der))
        keep(_certs, serial, pair)
    return pair


def load_row(session: Session, row: SealCredential, key_blob: bytes | None = None) -> LoadedCredential:
    """Decrypt a credential's key; `key_blob` (the root's, from the CLI's file) is never cached."""
    cached = _recall(_loaded, row.serial) if key_blob is None else None
    if cached is not None:
        return cached
    with _lock:
        cached = _loaded.get(row.serial) if key_blob is None else None
        if cached is not None:
            return cached
        blob = key_blob or row.key_encrypted
        if not blob:
            raise CredentialUnavailable(f"{row.common_name} 的私钥不在本系统中 / this process does not hold that key")
        key = keys.decrypt_key(blob, get_settings().secret_key)
        key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        cert, cert_asn1 = _cert_pair(row.serial, row.cert_der)
        loaded = LoadedCredential(id=row.id, serial=row.serial, kind=row.kind, owner_code=row.owner_code,
                                  cert=cert, cert_asn1=cert_asn1, key=key,
                                  key_asn1=asn1_keys.PrivateKeyInfo.load(key_der),
                                  chain=_chain(session, row.issuer_serial))
        if key_blob is None:
            keep(_loaded, row.serial, loaded)
        return loaded


# Issuer serial -> the certificates above a credential up to (excluding) the root. A serial names one
# certificate for good (its DER and kind never change), so the chain read once holds for every credential
# that issuer signs (every person who signs shares the issuing CA's).
_chains: dict[str, tuple[asn1_x509.Certificate, ...]] = {}


def _chain(session: Session, issuer_serial: str | None) -> tuple[asn1_x509.Certificate, ...]:
    if not issuer_serial:
        return ()
    chain = _recall(_chains, issuer_serial)
    if chain is not None:
        return chain
    out: list[asn1_x509.Certificate] = []
    serial = issuer_serial
    while serial:
        issuer = session.scalar(select(SealCredential).where(SealCredential.serial == serial))
        if issuer is None:
            return tuple(out)  # not (yet) in this registry: not kept, read again next time
        if issuer.kind == CredentialKind.root.value:
            break
        out.append(_cert_pair(issuer.serial, issuer.cert_der)[1])
        serial = issuer.issuer_serial
    keep(_chains, issuer_serial, tuple(out))
    return tuple(out)


def forget(serial: str) -> None:
    """Drop a credential from the process cache (after revocation)."""
    with _lock:
        _loaded.pop(serial, None)


def create_credential(session: Session, *, kind: CredentialKind, subject: keys.Subject, owner_code: str,
                      issuer: LoadedCredential | None, days: int, slot: str | None = None,
                      user_id: int | None = None, not_before: datetime | None = None,
                      not_after: datetime | None = None) -> SealCredential:
    """A new key and its certificate (added to the session, not flushed)."""
    key = keys.generate_key()
    start, end = keys.validity(days)
    start, end = not_before or start, not_after or end
    if issuer is not None:
        # A certificate never outlives its issuer (path validation would reject it).
        end = min(end, issuer.cert.not_valid_after_utc)
    serial = keys.new_serial()
    # Certificates the issuing CA signs name its CRL; the offline root publishes none (see offline.py).
    crl = crl_url(issuer.serial) if issuer is not None and issuer.kind == CredentialKind.issuing.value else None
    cert = keys.build_certificate(subject=subject, public_key=key.public_key(),
                                  issuer_cert=issuer.cert if issuer else None,
                                  issuer_key=issuer.key if issuer else key,  # type: ignore[arg-type]
                                  kind=kind.value, serial=serial, not_before=start, not_after=end, crl_url=crl)
    row = SealCredential(kind=kind.value, slot=slot, owner_code=owner_code, common_name=subject.common_name,
                         user_id=user_id, serial=_serial_hex(serial),
                         issuer_serial=issuer.serial if issuer else None, key_algorithm=keys.KEY_ALGORITHM,
                         not_before=start, not_after=end, cert_der=keys.cert_der(cert),
                         key_encrypted=keys.encrypt_key(key, get_settings().secret_key))
    session.add(row)
    return row


def slot_rows(session: Session) -> dict[str, SealCredential]:
    rows = session.scalars(select(SealCredential).where(SealCredential.slot.is_not(None))).all()
    return {r.slot: r for r in rows if r.slot}


def ensure_platform(session: Session) -> Platform:
    """Load the platform's issuing CA and TSA (created by `portal ca init`, never here)."""
    rows = slot_rows(session)
    if "issuing" not in rows or "tsa" not in rows:
        raise CredentialUnavailable("电子印章平台尚未初始化，请运行 portal ca init / "
                                    "the platform CA is not set up: run `portal ca init`")
    return Platform(issuing=load_row(session, rows["issuing"]), tsa=load_row(session, rows["tsa"]))


def crl_url(ca_serial: str) -> str:
    """The stable address of a CA's CRL (the CRL distribution point of what it issues)."""
    return f"{get_settings().base_url.rstrip('/')}/pki/crl/{ca_serial}.crl"


def has_crl_distribution_point(cert: x509.Certificate) -> bool:
    try:
        cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    except x509.ExtensionNotFound:
        return False
    return True


def aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


_crls: dict[str, tuple[tuple, datetime, bytes]] = {}

# Built once and run on the driver's cursor (reads.rows): every signature and verification reads
# the trust store and each issuing CA's revocations.
_REVOKED = (select(SealCredential.serial, SealCredential.revoked_at)
            .where(SealCredential.issuer_serial == bindparam("ca_serial"), SealCredential.revoked_at.is_not(None))
            .order_by(SealCredential.id))
# The two kinds as plain binds (a list of values would be an expanding IN, which reads.rows hands
# to Connection.execute): the same `kind IN (…, …)`.
_CA_CERTIFICATES = select(SealCredential.serial, SealCredential.kind, SealCredential.cert_der).where(
    SealCredential.kind.in_([bindparam("root", CredentialKind.root.value),
                             bindparam("issuing", CredentialKind.issuing.value)]))


def crl_der(session: Session, ca_serial: str) -> bytes:
    """The current DER CRL of an issuing CA: every certificate it issued that the registry revoked."""
    revoked = tuple((serial, aware(at)) for serial, at in reads.rows(session, _REVOKED, {"ca_serial": ca_serial}))
    now = datetime.now(timezone.utc)  # the wall clock: pyHanko checks a CRL's freshness against it
    cached = _crls.get(ca_serial)
    if cached is not None and cached[0] == revoked and now - cached[1] < timedelta(hours=1):
        return cached[2]  # only ever built for an issuing CA's serial (a serial's kind never changes)
    row = credential_by_serial(session, ca_serial)
    if row is None or row.kind != CredentialKind.issuing.value:
        raise CrlNotFound("没有这个证书撤销列表 / no such CRL")
    issuer = load_row(session, row)
    this_update = now - timedelta(minutes=1)  # a validator whose clock is a little behind still accepts it
    crl = keys.build_crl(issuer_cert=issuer.cert, issuer_key=issuer.key,  # type: ignore[arg-type]
                         revoked=[(int(serial, 16), at) for serial, at in revoked], this_update=this_update,
                         next_update=now + timedelta(hours=CRL_HOURS), number=int(now.timestamp() * 1000))
    der = crl.public_bytes(serialization.Encoding.DER)
    _crls[ca_serial] = (revoked, now, der)
    return der


def issue_organisation_credential(session: Session, *, owner_code: str, name: str, name_en: str = "",
                                  not_before: datetime | None = None,
                                  not_after: datetime | None = None) -> SealCredential:
    """Issue a seal certificate for a department or enterprise (CN = its Chinese name)."""
    platform = ensure_platform(session)
    row = create_credential(session, kind=CredentialKind.organisation, owner_code=owner_code,
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
            return load_row(session, row)
    platform = ensure_platform(session)
    row = create_credential(session, kind=CredentialKind.person, owner_code=id_number, user_id=user_id,
                  subject=keys.Subject(full_name, serial_number=id_number), issuer=platform.issuing,
                  days=PERSON_DAYS, not_before=not_before, not_after=not_after)
    session.flush()
    return load_row(session, row)


def load_credential(session: Session, credential_id: int) -> LoadedCredential:
    row = session.get(SealCredential, credential_id)
    if row is None:
        raise CredentialUnavailable("印章证书不存在 / seal certificate not found")
    return load_row(session, row)


def revoke_credential(session: Session, row: SealCredential, reason: str) -> None:
    """Mark a certificate revoked: it joins its CA's CRL; signatures timestamped after now verify as `revoked`."""
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
    issuing_serials: tuple[str, ...]  # those CAs' serials (each publishes a CRL)


def trust_store(session: Session) -> TrustStore:
    """Every root and issuing CA the platform ever had (old documents stay verifiable)."""
    rows = reads.rows(session, _CA_CERTIFICATES).all()
    roots, inter, issuers, serials = [], [], [], []
    for serial, kind, der in rows:
        crypto_cert, asn1_cert = _cert_pair(serial, der)
        (roots if kind == CredentialKind.root.value else inter).append(asn1_cert)
        issuers.append(crypto_cert)
        if kind == CredentialKind.issuing.value:
            serials.append(serial)
    return TrustStore(tuple(roots), tuple(inter), tuple(issuers), tuple(sorted(serials)))


def credential_by_serial(session: Session, serial: str) -> SealCredential | None:
    return session.scalar(select(SealCredential).where(SealCredential.serial == serial))


