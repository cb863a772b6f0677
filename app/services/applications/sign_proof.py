"""The second factor of an e-signature: the account's password again, or a one-time code sent to
the in-app inbox (the simulated SMS). Codes are 6 digits, live 10 minutes, serve once and are kept
only as an HMAC; every refused proof is recorded and audited, and 5 in 15 minutes lock signing."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from app.core import audit, reads
from app.core.config import get_settings
from app.core.db import utcnow
from app.core.errors import Forbidden, TooManyRequests, ValidationFailed
from app.identity import service as identity
from app.identity.models import User
from app.services.applications.models import Application, SignCode, SignFailure

CODE_TTL = timedelta(minutes=10)
WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5  # refused proofs per account and window, then 429
MAX_CODES = 5  # codes sent per account and window, then 429


@dataclass(frozen=True)
class Proof:
    password: str | None = None
    code: str | None = None


class SignProofError(Forbidden):
    """A refused second factor (recorded: the caller must commit, not roll back)."""

    code = "sign_proof_invalid"


class SignProofThrottled(TooManyRequests):
    code = "sign_proof_throttled"


class SignProofMissing(ValidationFailed):
    code = "sign_proof_required"


# Refusals that wrote a record (failure, audit) which must be committed with the answer.
RECORDED = (SignProofError, SignProofThrottled)


def _digest(user_id: int, application_id: int, code: str) -> str:
    key = hashlib.sha256(b"sign-code:" + get_settings().secret_key.encode()).digest()
    return hmac.new(key, f"{user_id}:{application_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _since() -> datetime:
    return utcnow() - WINDOW


# The rate limits' counts, built once and run on the driver's cursor (reads.rows: autoflushed as
# session.scalar would, so a refusal just added is counted).
_FAILURES = select(func.count()).select_from(SignFailure).where(
    SignFailure.user_id == bindparam("user_id"), SignFailure.at >= bindparam("since"))
_CODES_SENT = select(func.count()).select_from(SignCode).where(
    SignCode.user_id == bindparam("user_id"), SignCode.created_at >= bindparam("since"))


def _refuse_when_throttled(session: Session, app: Application, account: User, ip: str) -> None:
    failures = reads.rows(session, _FAILURES, {"user_id": account.id, "since": _since()}).scalar() or 0
    if failures >= MAX_FAILURES:
        audit.record(session, actor=account.username, action="application.sign_throttled", outcome="refused",
                     object_type="application", object_id=app.number, ip=ip)
        raise SignProofThrottled(f"验证失败次数过多，请{WINDOW.seconds // 60}分钟后再签名 / Too many failed "
                                 f"attempts; try signing again in {WINDOW.seconds // 60} minutes")


def _refused(session: Session, app: Application, account: User, kind: str, reason: str, ip: str,
             message: str, code: str) -> SignProofError:
    session.add(SignFailure(user_id=account.id, application_number=app.number, kind=kind))
    session.flush()
    audit.record(session, actor=account.username, action="application.sign_proof_failed", outcome="denied",
                 object_type="application", object_id=app.number, ip=ip, detail={"proof": kind, "reason": reason})
    return SignProofError(message, code=code)


def verify(session: Session, app: Application, account: User, proof: Proof, *, ip: str = "") -> str:
    """Check the second factor of `account` for signing `app`; returns "password" or "code"."""
    if not proof.password and not proof.code:
        raise SignProofMissing("签名须再次验证身份：请输入登录密码或短信验证码 / Signing needs a second factor: "
                               "your account password or a one-time code")
    _refuse_when_throttled(session, app, account, ip)
    if proof.password:
        if identity.verify_password(account, proof.password):
            return "password"
        raise _refused(session, app, account, "password", "wrong", ip, "密码错误，未签名 / Wrong password; nothing "
                       "was signed", "sign_password_invalid")
    row = session.scalar(select(SignCode).where(
        SignCode.user_id == account.id, SignCode.application_id == app.id,
        SignCode.code_hash == _digest(account.id, app.id, proof.code.strip())))
    now = utcnow()
    if row is None:
        raise _refused(session, app, account, "code", "wrong", ip, "验证码错误，未签名 / Wrong code; nothing was "
                       "signed", "sign_code_invalid")
    if row.used_at is not None:
        raise _refused(session, app, account, "code", "used", ip, "验证码已使用过，请重新获取 / This code has "
                       "already been used; request a new one", "sign_code_used")
    if row.expires_at <= now:
        raise _refused(session, app, account, "code", "expired", ip, "验证码已过期，请重新获取 / This code has "
                       "expired; request a new one", "sign_code_expired")
    row.used_at = now
    session.flush()
    return "code"


def new_code(session: Session, app: Application, account: User, *, ip: str = "") -> tuple[str, datetime]:
    """A fresh code for `account` to sign `app` (earlier unused ones stop working); (code, expires_at)."""
    sent = reads.rows(session, _CODES_SENT, {"user_id": account.id, "since": _since()}).scalar() or 0
    if sent >= MAX_CODES:
        raise SignProofThrottled(f"验证码发送过于频繁，请{WINDOW.seconds // 60}分钟后再试 / Too many codes sent; "
                                 f"try again in {WINDOW.seconds // 60} minutes")
    now = utcnow()
    session.execute(update(SignCode).where(SignCode.user_id == account.id, SignCode.application_id == app.id,
                                           SignCode.used_at.is_(None), SignCode.expires_at > now)
                    .values(expires_at=now))
    code = f"{secrets.randbelow(10 ** 6):06d}"
    row = SignCode(user_id=account.id, application_id=app.id, code_hash=_digest(account.id, app.id, code),
                   created_at=now, expires_at=now + CODE_TTL)
    session.add(row)
    session.flush()
    audit.record(session, actor=account.username, action="application.sign_code_sent", object_type="application",
                 object_id=app.number, ip=ip)
    return code, row.expires_at
