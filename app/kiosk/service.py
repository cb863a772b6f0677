"""The self-service terminal (24小时自助终端): a session of its own, signed in with the ID card (the
number, as the card reader would read it) and a second factor (the account password: an ID number
alone never opens anyone's data), ended and wiped after a short idle time.

The idle check is on the server, on every request: past `IDLE_SECONDS` since the last one the row is
deleted and the terminal is back at the card reader; the page also sends itself there (meta refresh)."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.core import audit
from app.core.db import utcnow
from app.core.errors import Unauthorized
from app.identity import service as identity
from app.identity.models import Role, User
from app.identity.validation import mask_id
from app.kiosk.models import KioskSession
from app.services.proactive import points
from app.services.proactive.models import ServicePoint

IDLE_SECONDS = 120
COOKIE = "portal_kiosk"
BAD_CARD = "身份证号码或密码不正确 / The ID number or password is not correct"


def _sha(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new(session: Session, *, terminal: str, user_id: int | None, locale: str = "zh") -> tuple[str, KioskSession]:
    raw = secrets.token_urlsafe(32)
    ks = KioskSession(id=_sha(raw), terminal=terminal[:40], user_id=user_id, csrf_token=secrets.token_urlsafe(24),
                      locale=locale)
    session.add(ks)
    session.flush()
    return raw, ks


def start(session: Session, terminal: str = "") -> tuple[str, KioskSession]:
    """A fresh, anonymous terminal session (the card reader waiting); idle rows left behind go."""
    session.execute(delete(KioskSession).where(KioskSession.last_seen_at < utcnow() - timedelta(seconds=IDLE_SECONDS)))
    return _new(session, terminal=terminal, user_id=None)


def idle_for(ks: KioskSession) -> timedelta:
    return utcnow() - ks.last_seen_at


def load(session: Session, raw: str | None) -> tuple[KioskSession | None, bool]:
    """(the live session, whether one just timed out). A timed-out session is deleted: nothing of
    the person stays, and the next request starts at the card reader."""
    if not raw or len(raw) > 100:
        return None, False
    ks = session.get(KioskSession, _sha(raw))
    if ks is None:
        return None, False
    if idle_for(ks) > timedelta(seconds=IDLE_SECONDS):
        wipe(session, ks, reason="timeout")
        return None, True
    ks.last_seen_at = utcnow()
    return ks, False


def wipe(session: Session, ks: KioskSession, *, reason: str) -> None:
    """End the session and delete it (and any other idle one left behind on any terminal)."""
    if ks.user_id is not None:
        user = session.get(User, ks.user_id)
        audit.record(session, actor=user.username if user else "kiosk", action=f"kiosk.end.{reason}",
                     object_type="terminal", object_id=ks.terminal or "-")
    session.delete(ks)
    session.execute(delete(KioskSession).where(KioskSession.last_seen_at < utcnow() - timedelta(seconds=IDLE_SECONDS)))
    session.flush()


def sign_in(session: Session, ks: KioskSession, id_number: str, password: str, ip: str) -> tuple[str, KioskSession]:
    """The card (its number) and the password: both, or nothing. The same lockout and throttling as
    the login page; a new session id on success (no fixation)."""
    number = "".join((id_number or "").split()).upper()[:18]
    person = identity.person_by_id_number(session, number) if number else None
    try:
        # An unknown card still goes through the password check (same answer, same time: no probing).
        user = identity.authenticate(session, person.username if person else f"card:{number}", password or "", ip)
    except Unauthorized:
        audit.record(session, actor="kiosk", action="kiosk.sign_in_failed", outcome="denied", ip=ip,
                     object_type="terminal", object_id=ks.terminal or "-", detail={"card": mask_id(number) if number else ""})
        raise Unauthorized(BAD_CARD, code="invalid_credentials") from None
    if user.role != Role.applicant_person:
        raise Unauthorized(BAD_CARD, code="invalid_credentials")
    terminal, locale = ks.terminal, ks.locale
    session.delete(ks)
    raw, fresh = _new(session, terminal=terminal, user_id=user.id, locale=locale)
    audit.record(session, actor=user.username, action="kiosk.sign_in", object_type="terminal",
                 object_id=terminal or "-", ip=ip)
    return raw, fresh


def terminal_point(session: Session, terminal: str) -> ServicePoint | None:
    point = session.get(ServicePoint, terminal) if terminal else None
    return point if point is not None and point.kind == "terminal" else None


def terminal_matters(session: Session, terminal: str = "") -> list[str]:
    """The matters marked for terminals: those this terminal serves, or any terminal's."""
    point = terminal_point(session, terminal)
    if point is not None:
        return list(point.matters or [])
    codes: list[str] = []
    for p, _ in points.find(session, kind="terminal"):
        codes += [c for c in p.matters or [] if c not in codes]
    return codes
