"""Check the audit chain and its checkpoints: edits, deletions, truncation, rebuilt chains."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.audit_models import AuditCheckpoint, AuditRecord
from app.core.clock import CHINA_TZ


@dataclass
class VerifyReport:
    checked: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)  # evidence of tampering: verify fails
    notes: list[str] = field(default_factory=list)  # what the chain cannot vouch for: printed, not failed

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> VerifyReport:
    """Walk the chain, then every checkpoint; report what does not add up."""
    report = VerifyReport()
    head_id = _walk(session, report)
    _check_checkpoints(session, report, head_id)
    return report


def _walk(session: Session, report: VerifyReport) -> int:
    current_key = audit.key_id()
    prev_hash, expected_id, keyed_since, legacy = audit.GENESIS, 1, None, 0
    rows = session.execute(select(AuditRecord).order_by(AuditRecord.id).execution_options(yield_per=1000))
    for rec in rows.scalars():
        report.checked += 1
        if rec.id != expected_id:
            report.problems.append(f"records {expected_id}..{rec.id - 1} are missing (deleted)")
        if rec.prev_hash != prev_hash:
            report.problems.append(f"record {rec.id}: link to the previous record is broken")
        if rec.algo == audit.ALGO_LEGACY:
            if keyed_since is not None:
                report.problems.append(f"record {rec.id}: unkeyed (sha256) after the keyed chain began at "
                                       f"record {keyed_since} — rewritten without the key")
            else:
                legacy += 1
            if audit.digest(rec.prev_hash, rec, audit.ALGO_LEGACY) != rec.hash:
                report.problems.append(f"record {rec.id}: content was edited after it was written")
        elif rec.algo == audit.ALGO_HMAC:
            keyed_since = keyed_since or rec.id
            if rec.key_id != current_key:
                report.problems.append(f"record {rec.id}: keyed with another audit key ({rec.key_id}, this "
                                       f"portal's is {current_key}) — wrong PORTAL_AUDIT_KEY, or forged")
            elif not hmac.compare_digest(audit.digest(rec.prev_hash, rec, audit.ALGO_HMAC), rec.hash):
                report.problems.append(f"record {rec.id}: MAC does not match — edited, or the chain was "
                                       f"rebuilt without the audit key")
        else:
            report.problems.append(f"record {rec.id}: unknown algorithm {rec.algo!r}")
        prev_hash, expected_id = rec.hash, rec.id + 1
    if legacy:
        report.notes.append(f"{legacy} record(s) written before the chain was keyed are checked with plain "
                            f"SHA-256 only: they show edits, not a rebuilt chain")
    return expected_id - 1


def _check_checkpoints(session: Session, report: VerifyReport, head_id: int) -> None:
    current_key = audit.key_id()
    verify_token = audit.timestamp_verifier()
    latest = None
    for cp in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)):
        report.checkpoints += 1
        name = f"checkpoint {cp.id} (head {cp.head_id})"
        payload = audit.checkpoint_payload(cp)
        if cp.key_id != current_key:
            report.problems.append(f"{name}: made with another audit key ({cp.key_id})")
            continue
        if not hmac.compare_digest(audit.mac(payload), cp.mac):
            report.problems.append(f"{name}: MAC does not match — the checkpoint was edited or forged")
            continue
        head = session.get(AuditRecord, cp.head_id)
        if head is None:
            if cp.head_id > head_id:
                report.problems.append(f"{name}: the chain ends at record {head_id}, but {cp.record_count} records "
                                       f"up to {cp.head_id} existed — the newest records were deleted (truncated)")
            else:
                report.problems.append(f"{name}: its head record {cp.head_id} is missing (deleted)")
        elif head.hash != cp.head_hash:
            report.problems.append(f"{name}: record {cp.head_id} is not the one checkpointed — the chain was "
                                   f"rebuilt or edited")
        count = session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.id <= cp.head_id))
        if head is not None and count != cp.record_count:
            report.problems.append(f"{name}: {cp.record_count} records up to it were checkpointed, {count} remain")
        _check_timestamp(session, report, cp, name, payload, verify_token)
        latest = cp
    if latest is None:
        if head_id:
            report.notes.append("no checkpoint yet: deleting the newest records would go unnoticed "
                                "(run `portal audit checkpoint`)")
    elif head_id > latest.head_id:
        report.notes.append(f"{head_id - latest.head_id} record(s) after the latest checkpoint "
                            f"(head {latest.head_id}, {latest.at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}) are protected by the key only")


def _check_timestamp(session: Session, report: VerifyReport, cp: AuditCheckpoint, name: str, payload: bytes,
                     verify_token: audit.TimestampVerifier | None) -> None:
    if cp.timestamp_token is None:
        report.notes.append(f"{name}: not timestamped")
        return
    if verify_token is None:
        report.notes.append(f"{name}: timestamp not checked (no timestamp authority registered)")
        return
    try:
        stamped_at = verify_token(session, cp.timestamp_token, hashlib.sha256(payload).digest())
    except Exception as e:  # any failure of the token is a finding, not a crash
        report.problems.append(f"{name}: timestamp token does not verify ({e})")
        return
    if abs((stamped_at - cp.at).total_seconds()) > 600:
        report.problems.append(f"{name}: timestamp {stamped_at.isoformat()} is far from its time {cp.at.isoformat()}")
