"""Append-only, hash-chained audit log: an edited or deleted row breaks the chain."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.core.audit_models import AuditRecord
from app.core.db import utcnow

GENESIS = "0" * 64


def _digest(prev_hash: str, rec: AuditRecord) -> str:
    payload = json.dumps(
        [prev_hash, rec.id, rec.at.isoformat(timespec="microseconds"), rec.actor, rec.action,
         rec.object_type, rec.object_id, rec.outcome, rec.ip, rec.detail],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _lock_chain(session: Session) -> None:
    # Serialise appenders so two requests never chain onto the same previous row.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7243001)"))


def record(session: Session, *, actor: str, action: str, object_type: str = "", object_id: str = "",
           outcome: str = "ok", ip: str = "", detail: str | dict = "") -> AuditRecord:
    """Append one audit record (time, actor, action, object, outcome, IP)."""
    _lock_chain(session)
    last = session.execute(select(AuditRecord.id, AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)).first()
    prev_hash = last.hash if last else GENESIS
    next_id = (last.id + 1) if last else 1
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    rec = AuditRecord(id=next_id, at=utcnow(), actor=actor or "anonymous",
                      action=action, object_type=object_type, object_id=str(object_id), outcome=outcome,
                      ip=ip or "", detail=detail or "", prev_hash=prev_hash, hash="")
    rec.hash = _digest(prev_hash, rec)
    session.add(rec)
    session.flush()
    return rec


@dataclass
class VerifyReport:
    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> VerifyReport:
    """Walk the chain; report edited rows, deleted rows and broken links."""
    problems: list[str] = []
    prev_hash = GENESIS
    expected_id = 1
    checked = 0
    for rec in session.execute(select(AuditRecord).order_by(AuditRecord.id)).scalars():
        checked += 1
        if rec.id != expected_id:
            problems.append(f"records {expected_id}..{rec.id - 1} are missing (deleted)")
        if rec.prev_hash != prev_hash:
            problems.append(f"record {rec.id}: link to the previous record is broken")
        if _digest(rec.prev_hash, rec) != rec.hash:
            problems.append(f"record {rec.id}: content was edited after it was written")
        prev_hash = rec.hash
        expected_id = rec.id + 1
    return VerifyReport(checked=checked, problems=problems)
