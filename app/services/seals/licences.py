"""E-licence wallet (证照夹): issued licences a holder can download and reuse as materials."""
from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from app.core import audit
from app.core.clock import china_today
from app.core.db import utcnow
from app.services.seals.exceptions import LicenceNotFound
from app.services.seals.models import Licence, LicenceStatus

BUSINESS_LICENCE = "business-licence"


def _today() -> date:
    return china_today()


def licence_number(issuer_code: str) -> str:
    return f"{issuer_code.upper()[:8]}{_today():%Y}{secrets.randbelow(10**10):010d}"


def issue_licence(session: Session, *, holder_key: str, holder_name: str, licence_type: str, licence_name: str,
                  issuer_code: str, issuer_name: str, valid_from: date | None = None, valid_to: date | None = None,
                  sealed_document_id: str | None = None, application_number: str = "",
                  number: str | None = None, actor: str = "system") -> Licence:
    """Put a licence in the holder's wallet; an active one of the same type is superseded (revoked)."""
    for old in session.scalars(select(Licence).where(Licence.holder_key == holder_key,
                                                     Licence.licence_type == licence_type,
                                                     Licence.status == LicenceStatus.active.value)):
        _revoke(session, old, "换发新证 / superseded by a new licence", actor)
    lic = Licence(holder_key=holder_key, holder_name=holder_name, licence_type=licence_type,
                  licence_name=licence_name, number=number or licence_number(issuer_code), issuer_code=issuer_code,
                  issuer_name=issuer_name, valid_from=valid_from or _today(), valid_to=valid_to,
                  status=LicenceStatus.active.value, sealed_document_id=sealed_document_id,
                  application_number=application_number)
    session.add(lic)
    session.flush()
    audit.record(session, actor=actor, action="licence.issue", object_type="licence", object_id=lic.number,
                 detail={"type": licence_type, "application": application_number})
    return lic


def list_licences(session: Session, holder_key: str) -> list[Licence]:
    """A holder's wallet, active first, newest first."""
    rows = session.scalars(select(Licence).where(Licence.holder_key == holder_key)
                           .order_by(Licence.issued_at.desc(), Licence.id.desc())).all()
    order = {LicenceStatus.active.value: 0, LicenceStatus.expired.value: 1, LicenceStatus.revoked.value: 2}
    return sorted(rows, key=lambda r: order.get(r.status, 3))


_LICENCE = Licence.__table__
_ACTIVE_TYPES = select(_LICENCE.c.holder_key, _LICENCE.c.licence_type).where(
    _LICENCE.c.holder_key.in_(bindparam("keys", expanding=True)), _LICENCE.c.status == LicenceStatus.active.value)


def active_types(session: Session, holder_keys: list[str]) -> dict[str, set[str]]:
    """The types of the active licences in each of these holders' wallets (one query for them all;
    a Core statement built once: auto-approval reads it for every application it decides)."""
    held: dict[str, set[str]] = {key: set() for key in holder_keys}
    wanted = sorted(held)
    for i in range(0, len(wanted), 500):
        for key, licence_type in session.execute(_ACTIVE_TYPES, {"keys": wanted[i:i + 500]}):
            held[key].add(licence_type)
    return held


def labels(session: Session, rows: list[Licence]) -> dict[int, dict[str, str | None]]:
    """Licence id → what a reader sees: the licence's name in the reader's language (the catalogue's
    English name of its type), and the issuer in the reader's language when it is one of the
    district's departments (`issuer` None: an authority elsewhere, shown as its proper name)."""
    from app.core.i18n import get_locale
    from app.matters.models import Department, LicenceType

    if get_locale() != "en":
        return {r.id: {"name": r.licence_name, "issuer": r.issuer_name} for r in rows}
    types = {t.code: t for t in session.scalars(select(LicenceType).where(
        LicenceType.code.in_({r.licence_type for r in rows})))}
    depts = {d.code: d for d in session.scalars(select(Department).where(
        Department.code.in_({r.issuer_code for r in rows})))}
    out: dict[int, dict[str, str | None]] = {}
    for r in rows:
        t, d = types.get(r.licence_type), depts.get(r.issuer_code)
        issuer = d.full_name_en if d is not None and r.issuer_name in (d.name, d.full_name) else None
        out[r.id] = {"name": (t.name_en if t is not None and t.name_en else None) or r.licence_name, "issuer": issuer}
    return out


def get_licence(session: Session, licence_id: int, holder_key: str | None = None) -> Licence:
    """One licence; with `holder_key`, someone else's licence is not found."""
    lic = session.get(Licence, licence_id)
    if lic is None or (holder_key is not None and lic.holder_key != holder_key):
        raise LicenceNotFound("证照不存在 / licence not found")
    return lic


def find_active_licence(session: Session, holder_key: str, licence_type: str) -> Licence | None:
    """The holder's valid licence of that type (reusable as a material, 免于提交), if any."""
    today = _today()
    for lic in session.scalars(select(Licence).where(Licence.holder_key == holder_key,
                                                     Licence.licence_type == licence_type,
                                                     Licence.status == LicenceStatus.active.value)
                               .order_by(Licence.id.desc())):
        if lic.valid_to is not None and lic.valid_to < today:
            lic.status = LicenceStatus.expired.value
            session.flush()
            continue
        return lic
    return None


def _revoke(session: Session, lic: Licence, reason: str, actor: str) -> None:
    lic.status = LicenceStatus.revoked.value
    lic.revoked_at = utcnow()
    lic.revocation_reason = reason[:200]
    session.flush()
    audit.record(session, actor=actor, action="licence.revoke", object_type="licence", object_id=lic.number,
                 detail={"reason": reason})


def revoke_licence(session: Session, lic: Licence, *, reason: str, actor: str = "system") -> Licence:
    """Revoke a licence (吊销/注销); it is no longer offered as a material."""
    if lic.status != LicenceStatus.revoked.value:
        _revoke(session, lic, reason, actor)
    return lic


def record_download(session: Session, lic: Licence, *, actor: str = "system") -> Licence:
    """Count a download (the e-business-licence download share is a plan KPI)."""
    session.execute(update(Licence).where(Licence.id == lic.id)
                    .values(download_count=Licence.download_count + 1, last_downloaded_at=utcnow()))
    session.refresh(lic)
    audit.record(session, actor=actor, action="licence.download", object_type="licence", object_id=lic.number)
    return lic


def expire_due_licences(session: Session, today: date | None = None) -> int:
    """Mark licences past their valid_to as expired; returns how many changed."""
    result = session.execute(update(Licence)
                             .where(Licence.status == LicenceStatus.active.value,
                                    Licence.valid_to.is_not(None), Licence.valid_to < (today or _today()))
                             .values(status=LicenceStatus.expired.value))
    session.flush()
    return result.rowcount or 0


def downloaded_holder_count(session: Session, licence_type: str = BUSINESS_LICENCE) -> int:
    """Holders who downloaded a licence of this type at least once."""
    return session.scalar(select(func.count(func.distinct(Licence.holder_key)))
                          .where(Licence.licence_type == licence_type, Licence.download_count > 0)) or 0
