"""Append-only audit log, chained with HMAC-SHA256 under a key kept outside the database.

Each record's MAC covers the previous record's, so an edited, inserted or deleted row breaks
the chain, and someone who can write the database but lacks the key cannot rebuild it.
Checkpoints (app.core.audit_verify) pin the head so that deleting the newest records is seen.

`record()` only queues the record on the session; it is chained in the session's
`before_commit`, where the chain lock is taken and the last row read. The lock is held from
there to COMMIT (one insert), not for the whole unit of work (see docs/audit.md).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session, SessionTransaction

from app.core import reads
from app.core.audit_models import AuditCheckpoint, AuditRecord
from app.core.config import get_settings
from app.core.db import COMMIT_WRITES_KEY, hold_write_lock, utcnow

log = logging.getLogger("portal.audit")

GENESIS = "0" * 64
ALGO_HMAC = "hmac-sha256"
ALGO_LEGACY = "sha256"  # rows written before the chain was keyed (migration 0008)
_HKDF_SALT = b"portal/audit/chain/v1"
_PENDING = COMMIT_WRITES_KEY  # what the commit writes: get_session ends such a session off the event loop
_LOCK_ID = 7243001

# (session, digest) -> RFC 3161 token, and (session, token, digest) -> the token's time (raises
# when the token is not valid for that digest). Registered by the app (core imports no service).
Timestamper = Callable[[Session, bytes], bytes]
TimestampVerifier = Callable[[Session, bytes, bytes], datetime]
_timestamping: dict[str, Callable | None] = {"stamp": None, "verify": None}


def set_timestamper(stamp: Timestamper | None, verify: TimestampVerifier | None) -> None:
    """Register the timestamp authority used for checkpoints (the app does it at start-up)."""
    _timestamping["stamp"], _timestamping["verify"] = stamp, verify


def timestamp_verifier() -> TimestampVerifier | None:
    return _timestamping["verify"]


@lru_cache(maxsize=8)
def _derive(secret: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=label).derive(secret.encode("utf-8"))


def _secret() -> str:
    settings = get_settings()
    return settings.audit_key or settings.secret_key


def chain_key() -> bytes:
    return _derive(_secret(), b"audit-chain-hmac")


def key_id() -> str:
    """Names the key (so a wrong key reads as such, not as tampering) without revealing it."""
    return _derive(_secret(), b"audit-key-id")[:8].hex()


def _payload(prev_hash: str, rec: AuditRecord) -> bytes:
    return json.dumps(
        [prev_hash, rec.id, rec.at.isoformat(timespec="microseconds"), rec.actor, rec.action,
         rec.object_type, rec.object_id, rec.outcome, rec.ip, rec.detail],
        ensure_ascii=False, separators=(",", ":"),
    ).encode()


def digest(prev_hash: str, rec: AuditRecord, algo: str) -> str:
    """The record's hash as its algorithm makes it (`sha256` is the unkeyed legacy form)."""
    if algo == ALGO_LEGACY:
        return hashlib.sha256(_payload(prev_hash, rec)).hexdigest()
    return hmac.new(chain_key(), _payload(prev_hash, rec), hashlib.sha256).hexdigest()


def mac(data: bytes) -> str:
    return hmac.new(chain_key(), data, hashlib.sha256).hexdigest()


def record(session: Session, *, actor: str, action: str, object_type: str = "", object_id: str = "",
           outcome: str = "ok", ip: str = "", detail: str | dict = "") -> AuditRecord:
    """Queue one audit record (time, actor, action, object, outcome, IP); chained at commit."""
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    rec = AuditRecord(at=utcnow(), actor=actor or "anonymous", action=action, object_type=object_type,
                      object_id=str(object_id), outcome=outcome, ip=ip or "", detail=detail or "",
                      algo=ALGO_HMAC, key_id=key_id())
    # Remember the (innermost) transaction, so a rolled-back savepoint takes its records with it.
    owner = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((rec, owner))
    return rec


# Built once: every commit that audits runs them.
_LOCK_PG = text("SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))")
_HEAD = select(AuditRecord.__table__.c.id, AuditRecord.__table__.c.hash).order_by(
    AuditRecord.__table__.c.id.desc()).limit(1)


def _lock_chain(session: Session) -> None:
    # Serialise appenders so two transactions never chain onto the same previous row. On SQLite the
    # database's write lock does it: taken now if the transaction began deferred (a GET that
    # audits a read), before the head is read. On PostgreSQL the lock is per schema, so separate
    # portals (or test runs) in one database do not queue together.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK_PG, {"k": _LOCK_ID})
    else:
        hold_write_lock(session)


def _head(session: Session) -> tuple[int, str]:
    last = reads.rows(session, _HEAD).first()  # on the driver's cursor, autoflushed as session.execute would
    return (last.id, last.hash) if last else (0, GENESIS)


@event.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the records wait for the real commit
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    _lock_chain(session)
    last_id, prev_hash = _head(session)
    first_id = last_id + 1
    for rec, _owner in pending:
        last_id += 1
        rec.id, rec.prev_hash = last_id, prev_hash
        rec.hash = prev_hash = digest(prev_hash, rec, ALGO_HMAC)
        session.add(rec)
    session.flush()
    every = get_settings().audit_checkpoint_every
    if every > 0 and (first_id - 1) // every != last_id // every:
        checkpoint(session, head=(last_id, prev_hash))


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        return

    def inside(owner: SessionTransaction | None) -> bool:
        while owner is not None:
            if owner is previous_transaction:
                return True
            owner = owner.parent
        return False

    session.info[_PENDING] = [(rec, owner) for rec, owner in pending if not inside(owner)]


def checkpoint_payload(cp: AuditCheckpoint) -> bytes:
    return json.dumps([cp.head_id, cp.head_hash, cp.record_count, cp.at.isoformat(timespec="microseconds"),
                       cp.key_id], separators=(",", ":")).encode()


def checkpoint(session: Session, *, head: tuple[int, str] | None = None) -> AuditCheckpoint | None:
    """Pin the chain's committed head: MAC it with the audit key and have the TSA timestamp it."""
    head_id, head_hash = head or _head(session)
    if head_id == 0:
        return None
    prev = session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.head_id <= head_id)
                           .order_by(AuditCheckpoint.head_id.desc()).limit(1)).first()
    since, base = (prev.head_id, prev.record_count) if prev else (0, 0)
    count = base + (session.scalar(select(func.count()).select_from(AuditRecord)
                                   .where(AuditRecord.id > since, AuditRecord.id <= head_id)) or 0)
    cp = AuditCheckpoint(at=utcnow(), head_id=head_id, head_hash=head_hash, record_count=count, key_id=key_id())
    payload = checkpoint_payload(cp)
    cp.mac = mac(payload)
    stamp = _timestamping["stamp"]
    if stamp is not None:
        try:
            cp.timestamp_token = stamp(session, hashlib.sha256(payload).digest())
        except Exception:  # an unreachable TSA must not lose the checkpoint; verify reports it
            log.exception("audit checkpoint: the timestamp authority failed")
    session.add(cp)
    session.flush()
    # The log leaves the database: a copy of the head there survives a wipe of both tables.
    log.info("audit checkpoint head_id=%s head_hash=%s records=%s mac=%s", head_id, head_hash, count, cp.mac)
    return cp
