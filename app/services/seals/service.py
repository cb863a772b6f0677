"""Seal registry: apply → make → file → active → changed → revoked.

Other domains use this module (and `documents`, `licences`) as the platform's public face:
`from app.services.seals import service as seal_service`.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit, blobs
from app.core.db import utcnow
from app.services.seals import ca, stamp_image
from app.services.seals.exceptions import SealNotFound, SealStateError
from app.services.seals.models import OwnerType, Seal, SealCredential, SealStatus
from app.services.seals.signing import active_seal, seal_pdf, seal_with, sign_as_person  # noqa: F401  (re-export)
from app.services.seals.verify import verify_pdf  # noqa: F401  (re-export)

_NEXT = {SealStatus.applied: SealStatus.made, SealStatus.made: SealStatus.filed,
         SealStatus.filed: SealStatus.active}


def _number() -> str:
    return f"YZ{utcnow():%Y%m%d}{secrets.token_hex(3).upper()}"


def _audit(session: Session, actor: str, action: str, seal: Seal, ip: str = "", detail: str | dict = "") -> None:
    audit.record(session, actor=actor or "system", action=action, object_type="seal", object_id=seal.number,
                 ip=ip, detail=detail or {"owner_code": seal.owner_code, "status": seal.status})


def get_seal(session: Session, seal_id: int) -> Seal:
    seal = session.get(Seal, seal_id)
    if seal is None:
        raise SealNotFound("印章不存在 / seal not found")
    return seal


def list_seals(session: Session, *, owner_code: str | None = None, status: str | None = None,
               limit: int = 200, offset: int = 0) -> list[Seal]:
    """Seals newest first, optionally of one owner or status."""
    stmt = select(Seal).order_by(Seal.id.desc()).limit(limit).offset(offset)
    if owner_code:
        stmt = stmt.where(Seal.owner_code == owner_code)
    if status:
        stmt = stmt.where(Seal.status == status)
    return list(session.scalars(stmt))


def find_active_seal(session: Session, owner_code: str) -> Seal | None:
    return session.scalar(select(Seal).where(Seal.owner_code == owner_code,
                                             Seal.status == SealStatus.active.value).limit(1))


def apply_seal(session: Session, *, owner_type: str, owner_code: str, owner_name: str, owner_name_en: str = "",
               actor: str = "system", ip: str = "", replaces: Seal | None = None) -> Seal:
    """Open a seal application (申请) for a department or enterprise."""
    OwnerType(owner_type)
    owner_name = owner_name.strip()
    if not owner_code.strip() or not owner_name:
        raise SealStateError("印章所有者的代码和名称不能为空 / owner code and name are required")
    pending = session.scalar(select(Seal).where(
        Seal.owner_code == owner_code,
        Seal.status.in_([SealStatus.applied.value, SealStatus.made.value, SealStatus.filed.value])).limit(1))
    if pending is not None and replaces is None:
        raise SealStateError(f"已有办理中的印章申请 {pending.number} / an application is already in progress")
    seal = Seal(number=_number(), owner_type=owner_type, owner_code=owner_code.strip(), owner_name=owner_name,
                owner_name_en=owner_name_en, status=SealStatus.applied.value, applied_by=actor,
                replaces_id=replaces.id if replaces else None)
    session.add(seal)
    session.flush()
    _audit(session, actor, "seal.apply", seal, ip)
    return seal


def make_seal(session: Session, seal: Seal, *, actor: str = "system", ip: str = "",
              not_before: datetime | None = None, not_after: datetime | None = None) -> Seal:
    """制作: issue the seal certificate and draw the stamp image."""
    _expect(seal, SealStatus.applied)
    credential = ca.issue_organisation_credential(session, owner_code=seal.owner_code, name=seal.owner_name,
                                                  name_en=seal.owner_name_en, not_before=not_before,
                                                  not_after=not_after)
    seal.credential_id = credential.id
    seal.image_sha256 = blobs.put(session, stamp_image.render_seal_png(seal.owner_name), "image/png")
    seal.status = SealStatus.made.value
    seal.made_at = utcnow()
    session.flush()
    _audit(session, actor, "seal.make", seal, ip, {"certificate_serial": credential.serial})
    return seal


def file_seal(session: Session, seal: Seal, *, actor: str = "system", ip: str = "") -> Seal:
    """备案: record the made seal with the platform."""
    _expect(seal, SealStatus.made)
    seal.status = SealStatus.filed.value
    seal.filed_at = utcnow()
    session.flush()
    _audit(session, actor, "seal.file", seal, ip)
    return seal


def activate_seal(session: Session, seal: Seal, *, actor: str = "system", ip: str = "") -> Seal:
    """启用: the seal becomes the owner's active seal; a previous active one becomes `changed`."""
    _expect(seal, SealStatus.filed)
    current = find_active_seal(session, seal.owner_code)
    if current is not None and current.id != seal.id:
        current.status = SealStatus.changed.value
        current.changed_at = utcnow()
        session.flush()
        _audit(session, actor, "seal.change", current, ip, {"replaced_by": seal.number})
    seal.status = SealStatus.active.value
    seal.activated_at = utcnow()
    session.flush()
    _audit(session, actor, "seal.activate", seal, ip)
    return seal


def advance_seal(session: Session, seal: Seal, *, actor: str = "system", ip: str = "") -> Seal:
    """Move an application one step on (applied → made → filed → active)."""
    step = {SealStatus.applied: make_seal, SealStatus.made: file_seal, SealStatus.filed: activate_seal}
    status = SealStatus(seal.status)
    if status not in step:
        raise SealStateError(f"印章状态为 {seal.status}，无法继续办理 / seal is {seal.status}")
    return step[status](session, seal, actor=actor, ip=ip)


def create_active_seal(session: Session, *, owner_type: str, owner_code: str, owner_name: str,
                       owner_name_en: str = "", actor: str = "system", ip: str = "",
                       not_before: datetime | None = None, not_after: datetime | None = None) -> Seal:
    """The whole lifecycle at once: apply, make, file and activate (replacing any active seal)."""
    current = find_active_seal(session, owner_code)
    seal = apply_seal(session, owner_type=owner_type, owner_code=owner_code, owner_name=owner_name,
                      owner_name_en=owner_name_en, actor=actor, ip=ip, replaces=current)
    make_seal(session, seal, actor=actor, ip=ip, not_before=not_before, not_after=not_after)
    file_seal(session, seal, actor=actor, ip=ip)
    return activate_seal(session, seal, actor=actor, ip=ip)


def change_seal(session: Session, seal: Seal, *, owner_name: str, owner_name_en: str = "", actor: str = "system",
                ip: str = "") -> Seal:
    """变更: a new seal (new name, new certificate) replaces the active one, which becomes `changed`."""
    _expect(seal, SealStatus.active)
    return create_active_seal(session, owner_type=seal.owner_type, owner_code=seal.owner_code,
                              owner_name=owner_name, owner_name_en=owner_name_en or seal.owner_name_en,
                              actor=actor, ip=ip)


def revoke_seal(session: Session, seal: Seal, *, reason: str, actor: str = "system", ip: str = "") -> Seal:
    """注销: revoke the seal and its certificate; documents it sealed then verify as `revoked`."""
    if seal.status == SealStatus.revoked.value:
        raise SealStateError("印章已注销 / seal already revoked")
    seal.status = SealStatus.revoked.value
    seal.revoked_at = utcnow()
    seal.note = reason
    if seal.credential_id is not None:
        row = session.get(SealCredential, seal.credential_id)
        if row is not None:
            ca.revoke_credential(session, row, reason)
    session.flush()
    _audit(session, actor, "seal.revoke", seal, ip, {"reason": reason})
    return seal


def _expect(seal: Seal, status: SealStatus) -> None:
    if seal.status != status.value:
        raise SealStateError(f"印章状态为 {seal.status}，此操作需要 {status.value} / seal is {seal.status}, "
                             f"this step needs {status.value}")


def seal_image(session: Session, seal: Seal) -> bytes:
    """PNG of the seal's stamp (from the blob store, drawn on the fly for older rows)."""
    if seal.image_sha256:
        return _image_bytes(session, seal.image_sha256)
    return stamp_image.render_seal_png(seal.owner_name)


def _image_bytes(session: Session, digest: str) -> bytes:
    cached = _image_cache(digest)
    if cached is None:
        cached = blobs.get(session, digest).content
        _remember_image(digest, cached)
    return cached


_images: dict[str, bytes] = {}


def _image_cache(digest: str) -> bytes | None:
    return _images.get(digest)


def _remember_image(digest: str, content: bytes) -> None:
    if len(_images) > 512:
        _images.clear()
    _images[digest] = content


def _departments(session: Session) -> list[tuple[str, str, str]]:
    try:
        from app.matters.models import Department
    except ImportError:  # catalogue not built yet
        return []
    return [(d.code, d.full_name, d.full_name_en) for d in session.scalars(select(Department))]


def ensure_department_seals(session: Session, departments: Iterable[tuple[str, ...]] | None = None,
                            *, actor: str = "system") -> list[Seal]:
    """Give every department an active seal (idempotent); called by `portal seed`."""
    from app.services.seals import fonts

    ca.ensure_platform(session)
    items = list(departments) if departments is not None else _departments(session)
    seals = []
    for item in items:
        code, name = item[0], item[1]
        name_en = item[2] if len(item) > 2 else ""
        seal = find_active_seal(session, code)
        if seal is None:
            seal = create_active_seal(session, owner_type=OwnerType.department.value, owner_code=code,
                                      owner_name=name, owner_name_en=name_en, actor=actor)
        seals.append(seal)
    fonts.warm_up()  # build the PDF font cache now rather than on the first result document
    return seals


@lru_cache(maxsize=1)
def statuses() -> list[str]:
    return [s.value for s in SealStatus]
