"""Idempotency-Key for creating applications: same key and body → the same application and
response; same key, other body → 422; the first request still in flight → 409.

On PostgreSQL the key is claimed in its own short transaction, so a concurrent request with the
same key sees the claim at once (409) or, once the first has committed, replays its response.
SQLite serialises writers: the claim takes the write lock before it looks (a request's transaction
begins deferred), so there the second request simply waits and replays.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app.core.db import hold_write_lock, side_session, utcnow
from app.core.errors import Conflict, ValidationFailed
from app.services.applications.models import IdempotencyRecord

STALE_AFTER = timedelta(seconds=60)


def request_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                          .encode()).hexdigest()


@dataclass
class Claim:
    record_id: int | None = None
    replay_status: int | None = None
    replay_body: dict | None = None
    separate: bool = False

    @property
    def is_replay(self) -> bool:
        return self.replay_status is not None


def _judge(rec: IdempotencyRecord, digest: str) -> Claim:
    if rec.request_hash != digest:
        raise ValidationFailed("该 Idempotency-Key 已用于另一个请求 / This Idempotency-Key was used for a "
                               "different request body", code="idempotency_key_reused")
    if rec.done:
        return Claim(record_id=rec.id, replay_status=rec.response_status, replay_body=rec.response_body)
    raise Conflict("相同 Idempotency-Key 的请求正在处理中，请稍后重试 / A request with this Idempotency-Key "
                   "is still being processed; retry shortly", code="idempotency_in_flight")


def claim(session: Session, user_id: int, key: str, body: dict) -> Claim:
    """Claim the key for this request, or return the earlier response to replay."""
    if not key or len(key) > 200:
        raise ValidationFailed("Idempotency-Key 长度须为1–200个字符 / Idempotency-Key must have 1–200 characters")
    digest = request_hash(body)
    if session.get_bind().dialect.name != "postgresql":
        hold_write_lock(session)
        rec = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id,
                                                             IdempotencyRecord.key == key))
        if rec is not None:
            return _judge(rec, digest)
        rec = IdempotencyRecord(user_id=user_id, key=key, request_hash=digest)
        session.add(rec)
        session.flush()
        return Claim(record_id=rec.id)
    with side_session(session) as own:
        try:
            # Never hang behind the first request's open transaction: give up waiting after a
            # few seconds and answer "in flight" (409) instead.
            own.execute(text("SET LOCAL lock_timeout = '3s'"))
            rec = IdempotencyRecord(user_id=user_id, key=key, request_hash=digest)
            own.add(rec)
            own.commit()
            return Claim(record_id=rec.id, separate=True)
        except OperationalError:
            own.rollback()
            raise Conflict("相同 Idempotency-Key 的请求正在处理中，请稍后重试 / A request with this "
                           "Idempotency-Key is still being processed; retry shortly",
                           code="idempotency_in_flight") from None
        except IntegrityError:
            own.rollback()
        rec = own.scalar(select(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id,
                                                         IdempotencyRecord.key == key))
        if rec is not None and not rec.done and rec.created_at < utcnow() - STALE_AFTER:
            own.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == rec.id,
                                                        IdempotencyRecord.done.is_(False)))
            own.commit()
            return claim(session, user_id, key, body)  # the earlier request died: take over
        return _judge(rec, digest)


def complete(session: Session, c: Claim, status: int, body: dict, number: str | None) -> None:
    """Record the response in the same transaction as the application itself."""
    rec = session.get(IdempotencyRecord, c.record_id)
    rec.done = True
    rec.response_status = status
    rec.response_body = body
    rec.application_number = number
    session.flush()


def release(c: Claim) -> None:
    """The request failed: free a separately committed claim so that a retry can proceed."""
    if c.separate and c.record_id is not None and not c.is_replay:
        with side_session() as own:
            own.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == c.record_id,
                                                        IdempotencyRecord.done.is_(False)))
            own.commit()
