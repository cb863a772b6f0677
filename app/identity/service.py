"""Accounts, password login with throttling, server-side sessions and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from app.core import audit, reads
from app.core.config import get_settings
from app.core.db import utcnow
from app.core.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized, ValidationFailed
from app.identity.models import ApiToken, EnterpriseAgent, LoginAttempt, Role, User, WebSession
from app.identity.validation import InvalidIdentifier, validate_id_number, validate_uscc

_hasher = PasswordHasher()
# Verified against when the username is unknown, so timing does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0")

BAD_CREDENTIALS = "用户名或密码错误 / Wrong username or password"


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Whether `password` is this account's password (no counters: callers limit their own attempts)."""
    try:
        return bool(password) and _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_strength(password: str) -> None:
    if len(password) < 8 or password.isdigit() or password.isalpha():
        raise ValidationFailed("密码至少8位，且须同时包含字母和数字 / A password needs at least 8 characters "
                               "with both letters and digits", fields={"password": "weak"})


# Registration's uniqueness checks: built once, on the driver's cursor (reads.rows, autoflushed as
# session.scalar would).
_USERNAME_TAKEN = select(User.id).where(User.username == bindparam("username"))
_ID_NUMBER_TAKEN = select(User.id).where(User.id_number == bindparam("id_number"))


def create_user(session: Session, *, username: str, password: str, role: Role, full_name: str,
                id_number: str | None = None, uscc: str | None = None, phone: str = "",
                department_code: str | None = None, window_code: str | None = None,
                legal_rep_user_id: int | None = None, actor: str = "system",
                password_hash: str | None = None) -> User:
    """Create an account after validating its real-name identity. `password_hash` is a password
    hashed beforehand (accounts brought in from elsewhere, the simulated district); else `password` is hashed."""
    if password_hash is None:
        check_password_strength(password)
    try:
        if role == Role.applicant_person:
            if not id_number:
                raise InvalidIdentifier("个人账户须提供身份证号码 / A person account needs an ID number")
            id_number = validate_id_number(id_number)
        elif id_number:
            id_number = validate_id_number(id_number)
        if role == Role.applicant_enterprise:
            if not uscc:
                raise InvalidIdentifier("企业账户须提供统一社会信用代码 / An enterprise account needs a credit code")
            uscc = validate_uscc(uscc)
    except InvalidIdentifier as e:
        raise ValidationFailed(str(e)) from None
    if role == Role.reviewer and not department_code:
        raise ValidationFailed("部门审批人员须指定部门 / A reviewer must belong to a department")
    if reads.rows(session, _USERNAME_TAKEN, {"username": username}).scalar():
        raise Conflict(f"用户名已存在：{username} / Username already taken")
    if id_number and reads.rows(session, _ID_NUMBER_TAKEN, {"id_number": id_number}).scalar():
        raise Conflict("该身份证号码已注册 / This ID number is already registered")
    user = User(username=username, password_hash=password_hash or hash_password(password), role=role, full_name=full_name,
                id_number=id_number, uscc=uscc, phone=phone, department_code=department_code,
                window_code=window_code, legal_rep_user_id=legal_rep_user_id)
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.create", object_type="user", object_id=username,
                 detail={"role": role.value})
    return user


def set_role(session: Session, user: User, role: Role, *, actor: str, ip: str = "") -> None:
    old = user.role
    user.role = role
    session.flush()
    audit.record(session, actor=actor, action="user.role_change", object_type="user", object_id=user.username,
                 ip=ip, detail={"from": old.value, "to": role.value})


def authenticate(session: Session, username: str, password: str, ip: str) -> User:
    """Check a password with per-account lockout and per-IP throttling; audit every outcome."""
    s = get_settings()
    now = utcnow()
    window_start = now - timedelta(minutes=s.login_lockout_minutes)
    ip_failures = session.scalar(select(func.count()).select_from(LoginAttempt)
                                 .where(LoginAttempt.ip == ip, LoginAttempt.at >= window_start)) or 0
    if ip_failures >= s.login_ip_max_failures:
        audit.record(session, actor=username[:64], action="login.throttled_ip", outcome="refused", ip=ip)
        raise TooManyRequests(f"登录失败次数过多，请{s.login_lockout_minutes}分钟后再试 / "
                              f"Too many failed logins; try again in {s.login_lockout_minutes} minutes")
    user = session.scalar(select(User).where(User.username == username))
    if user is not None and user.locked_until is not None and user.locked_until > now:
        session.add(LoginAttempt(ip=ip, username=username[:64]))
        audit.record(session, actor=username, action="login.locked", outcome="refused", ip=ip)
        # Same message whether or not the account exists: no enumeration.
        raise TooManyRequests(f"登录失败次数过多，请{s.login_lockout_minutes}分钟后再试 / "
                              f"Too many failed logins; try again in {s.login_lockout_minutes} minutes")
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or not user.active:
        session.add(LoginAttempt(ip=ip, username=username[:64]))
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= s.login_max_failures:
                user.locked_until = now + timedelta(minutes=s.login_lockout_minutes)
                user.failed_logins = 0
        session.flush()
        audit.record(session, actor=username[:64] or "anonymous", action="login.failed", outcome="denied", ip=ip)
        raise Unauthorized(BAD_CREDENTIALS, code="invalid_credentials")
    user.failed_logins = 0
    user.locked_until = None
    purge_now_and_then(session)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.flush()
    return user


# -- sessions ---------------------------------------------------------------------------------

def new_session(session: Session, *, user_id: int | None, locale: str, ip: str) -> tuple[str, WebSession]:
    """A fresh session; returns the cookie value (only its hash is stored)."""
    raw = secrets.token_urlsafe(32)
    ws = WebSession(id=_sha(raw), user_id=user_id, csrf_token=secrets.token_urlsafe(24), locale=locale, ip=ip)
    session.add(ws)
    session.flush()
    return raw, ws


def load_session(session: Session, raw: str | None) -> WebSession | None:
    """The live session for a cookie value, or None when unknown or idle for too long."""
    return load_session_user(session, raw)[0]


# What a page shows with its caller, read in the caller's one query: name -> fn(the user id column) ->
# a scalar subquery. Registered by a higher layer at start-up (app.main: the header's unread count),
# never imported from it.
CALLER_EXTRAS: dict[str, Callable[[Any], Any]] = {}


def register_caller_extra(name: str, subquery: Callable[[Any], Any]) -> None:
    global _SESSION_USER
    CALLER_EXTRAS[name] = subquery
    _SESSION_USER = _session_user_statement()


_WS_COLUMNS, _WS_KEYS = reads.entity_columns(WebSession, "s_")
_USER_COLUMNS, _USER_KEYS = reads.entity_columns(User, "u_")
_USER_AT = len(_WS_KEYS)
_EXTRAS_AT = _USER_AT + len(_USER_KEYS)


def _session_user_statement():
    # Built once (and again when an extra is registered): every page view runs it (a statement
    # built per call costs more than its execution). Columns, not entities: load_caller makes the
    # entities itself (reads.adopt), without the ORM's per-query machinery.
    extras = [fn(WebSession.user_id).label(name) for name, fn in CALLER_EXTRAS.items()]
    return (select(*_WS_COLUMNS, *_USER_COLUMNS, *extras).select_from(WebSession)
            .outerjoin(User, User.id == WebSession.user_id).where(WebSession.id == bindparam("id")))


_SESSION_USER = _session_user_statement()


def load_caller(session: Session, raw: str | None) -> tuple[WebSession | None, User | None, dict[str, Any]]:
    """The live session for a cookie value, its user (None, None when unknown or idle for too long;
    the user is None for an anonymous session) and the registered extras read with them, in one
    query (no extras for a session it does not return)."""
    if not raw or len(raw) > 100:
        return None, None, {}
    row = reads.rows(session, _SESSION_USER, {"id": _sha(raw)}).first()
    if row is None:
        return None, None, {}
    ws = reads.adopt(session, WebSession, _WS_KEYS, row[:_USER_AT])
    user = None if row[_USER_AT] is None else reads.adopt(session, User, _USER_KEYS, row[_USER_AT:_EXTRAS_AT])
    extras = row[_EXTRAS_AT:]
    s = get_settings()
    now = utcnow()
    if (now - ws.last_seen_at > timedelta(minutes=s.session_idle_minutes)
            or now - ws.created_at > timedelta(hours=s.session_absolute_hours)):
        session.delete(ws)  # written with the request's other changes (this read may run on the event loop)
        return None, None, {}
    if now - ws.last_seen_at > timedelta(seconds=60):  # avoid a write on every request
        ws.last_seen_at = now
    return ws, user, dict(zip(CALLER_EXTRAS, extras))


def load_session_user(session: Session, raw: str | None) -> tuple[WebSession | None, User | None]:
    """The live session for a cookie value and its user (see load_caller)."""
    return load_caller(session, raw)[:2]


def login_session(session: Session, old: WebSession | None, user: User, ip: str) -> tuple[str, WebSession]:
    """Log in: the old (anonymous) session is dropped and a new id issued (no fixation)."""
    locale = old.locale if old else get_settings().default_locale
    if old is not None:
        session.delete(old)
    raw, ws = new_session(session, user_id=user.id, locale=locale, ip=ip)
    audit.record(session, actor=user.username, action="login", object_type="user", object_id=user.username, ip=ip)
    return raw, ws


def logout_session(session: Session, ws: WebSession, actor: str, ip: str) -> None:
    session.delete(ws)
    session.flush()
    audit.record(session, actor=actor, action="logout", object_type="user", object_id=actor, ip=ip)


# -- API tokens -------------------------------------------------------------------------------

def issue_token(session: Session, user: User, ip: str) -> str:
    raw = secrets.token_urlsafe(32)
    session.add(ApiToken(id=_sha(raw), user_id=user.id,
                         expires_at=utcnow() + timedelta(hours=get_settings().token_hours)))
    session.flush()
    audit.record(session, actor=user.username, action="login.token", object_type="user",
                 object_id=user.username, ip=ip)
    return raw


_TOKEN_USER = (select(ApiToken, User).outerjoin(User, User.id == ApiToken.user_id)
               .where(ApiToken.id == bindparam("id")))


def user_for_token(session: Session, raw: str) -> User | None:
    if not raw or len(raw) >= 100:
        return None
    row = session.execute(_TOKEN_USER, {"id": _sha(raw)}).first()
    if row is None or row[0].expires_at < utcnow():
        return None
    user = row[1]
    return user if user is not None and user.active else None


def revoke_token(session: Session, raw: str) -> None:
    session.execute(delete(ApiToken).where(ApiToken.id == _sha(raw)))


def get_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def find_applicant(session: Session, key: str) -> User | None:
    """The active applicant account of a person (ID number) or an enterprise (credit code)."""
    return session.scalar(select(User).where(User.active.is_(True), User.role.in_(
        [Role.applicant_person, Role.applicant_enterprise]), (User.id_number == key) | (User.uscc == key)))


def account_for_subject(session: Session, subject_key: str) -> User | None:
    """The applicant account the government knows by this ID number or credit code, if any."""
    key = "".join((subject_key or "").split()).upper()
    return find_applicant(session, key) if key else None


_PURGE_EVERY = timedelta(minutes=10)
_purged_at: datetime | None = None


def purge_expired(session: Session, now: datetime | None = None) -> None:
    """Delete expired tokens, sessions past their absolute lifetime and old failed-login rows."""
    s = get_settings()
    now = now or utcnow()
    session.execute(delete(ApiToken).where(ApiToken.expires_at < now))
    session.execute(delete(WebSession).where(WebSession.created_at < now - timedelta(hours=s.session_absolute_hours)))
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - timedelta(days=1)))


def purge_now_and_then(session: Session) -> None:
    """Run purge_expired at most every ten minutes per process (called at login, where writes happen anyway)."""
    global _purged_at
    now = utcnow()
    if _purged_at is None or now - _purged_at > _PURGE_EVERY:
        _purged_at = now
        purge_expired(session, now)


# -- acting for an enterprise ---------------------------------------------------------------------

def add_agent(session: Session, enterprise: User, person: User, *, actor: str) -> EnterpriseAgent:
    """Authorise a person (an employee) to act for an enterprise."""
    if enterprise.role != Role.applicant_enterprise or person.role != Role.applicant_person:
        raise ValidationFailed("只能授权个人账户代表企业账户办事 / Only a person can be authorised to act for "
                               "an enterprise")
    existing = session.scalar(select(EnterpriseAgent).where(EnterpriseAgent.enterprise_user_id == enterprise.id,
                                                            EnterpriseAgent.person_user_id == person.id))
    if existing is not None:
        return existing
    agent = EnterpriseAgent(enterprise_user_id=enterprise.id, person_user_id=person.id)
    session.add(agent)
    session.flush()
    audit.record(session, actor=actor, action="enterprise.agent_add", object_type="user",
                 object_id=enterprise.username, detail={"person": person.username})
    return agent


def enterprises_for(session: Session, person: User) -> list[User]:
    """Enterprises this person may act for: as legal representative or authorised employee."""
    if person.role != Role.applicant_person:
        return []
    agent_ids = select(EnterpriseAgent.enterprise_user_id).where(EnterpriseAgent.person_user_id == person.id)
    return list(session.scalars(select(User).where(
        User.role == Role.applicant_enterprise, User.active.is_(True),
        (User.legal_rep_user_id == person.id) | User.id.in_(agent_ids)).order_by(User.id)))


def act_for(session: Session, ws: WebSession, person: User, enterprise_id: int | None, ip: str = "") -> None:
    """Switch this browser session to act for an enterprise (None: back to the person)."""
    if enterprise_id is None:
        ws.acting_for_user_id = None
        audit.record(session, actor=person.username, action="enterprise.act_stop", ip=ip)
        return
    allowed = {e.id: e for e in enterprises_for(session, person)}
    if enterprise_id not in allowed:
        raise Forbidden("您未获授权代表该企业 / You are not authorised to act for this enterprise")
    ws.acting_for_user_id = enterprise_id
    session.flush()
    audit.record(session, actor=person.username, action="enterprise.act_for", object_type="user",
                 object_id=allowed[enterprise_id].username, ip=ip)


def agents_of(session: Session, enterprise: User) -> list[User]:
    """The persons authorised to act for an enterprise (besides its legal representative)."""
    ids = select(EnterpriseAgent.person_user_id).where(EnterpriseAgent.enterprise_user_id == enterprise.id)
    return list(session.scalars(select(User).where(User.id.in_(ids)).order_by(User.full_name)))


def remove_agent(session: Session, enterprise: User, person_id: int, *, actor: str) -> None:
    """End a person's authorisation to act for an enterprise (their next request acts for no one)."""
    agent = session.scalar(select(EnterpriseAgent).where(EnterpriseAgent.enterprise_user_id == enterprise.id,
                                                         EnterpriseAgent.person_user_id == person_id))
    if agent is None:
        raise NotFound("该人员不是本企业的经办人 / This person is not an agent of the enterprise")
    person = session.get(User, person_id)
    session.delete(agent)
    session.flush()
    audit.record(session, actor=actor, action="enterprise.agent_remove", object_type="user",
                 object_id=enterprise.username, detail={"person": person.username if person else person_id})


def person_by_id_number(session: Session, id_number: str) -> User | None:
    return session.scalar(select(User).where(User.id_number == id_number.strip().upper(),
                                             User.role == Role.applicant_person, User.active.is_(True)))


_FULL_NAMES = select(User.username, User.full_name).where(User.username.in_(bindparam("usernames", expanding=True)))


def full_names(session: Session, usernames: set[str]) -> dict[str, str]:
    """Login names → the names people know (for timelines: people, not accounts)."""
    if not usernames:
        return {}
    return dict(reads.rows(session, _FULL_NAMES, {"usernames": list(usernames)}).all())
