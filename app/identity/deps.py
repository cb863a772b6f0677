"""Who is asking: bearer token or session cookie; roles; CSRF for forms."""
from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from urllib.parse import unquote

import anyio.to_thread
from fastapi import Depends, Form, Header, Query, Request
from sqlalchemy.orm import Session

from app.core.db import FLUSHES_KEY, SessionDep, get_read_session, has_pending, reads_in_place
from app.core.errors import Forbidden, PortalError, Unauthorized
from app.identity import service
from app.identity.models import Role, User, WebSession

SESSION_COOKIE = "portal_session"


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _load(request: Request, session) -> None:
    """Resolve the caller once per request into request.state.user / web_session."""
    if getattr(request.state, "auth_loaded", False):
        return
    request.state.auth_loaded = True
    request.state.db = session
    request.state.user = None
    request.state.web_session = None
    request.state.via_token = False
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        user = service.user_for_token(session, auth[7:].strip())
        if user is None:
            raise Unauthorized("登录凭证无效或已过期 / The access token is invalid or has expired",
                               code="invalid_token")
        request.state.user = user
        request.state.via_token = True
        return
    request.state.acting_person = None
    ws, user, extras = service.load_caller(session, request.cookies.get(SESSION_COOKIE))
    if ws is not None:
        request.state.web_session = ws
        if ws.user_id is not None:
            request.state.user = user if user is not None and user.active else None
            request.state.caller_extras = (extras, session.info.get(FLUSHES_KEY, 0))  # see caller_extra
        if ws.acting_for_user_id is not None and request.state.user is not None:
            # Acting for an enterprise: checked on every request, so a revoked authorisation ends it.
            person = request.state.user
            enterprise = next((e for e in service.enterprises_for(session, person)
                               if e.id == ws.acting_for_user_id), None)
            if enterprise is None:
                ws.acting_for_user_id = None
            else:
                request.state.user, request.state.acting_person = enterprise, person


def caller_extra(request: Request, user: User, name: str) -> Any:
    """What was read with the caller under `name` (service.register_caller_extra), for `user`, while it
    is still what the request's session would read: None when it was not read for this user (a bearer
    token, an enterprise the person acts for) or the session has written since (it reads again)."""
    extras, flushes = getattr(request.state, "caller_extras", None) or ({}, 0)
    ws = getattr(request.state, "web_session", None)
    session = getattr(request.state, "db", None)
    if name not in extras or ws is None or ws.user_id != user.id or session is None:
        return None
    if has_pending(session) or session.info.get(FLUSHES_KEY, 0) != flushes:
        return None
    return extras[name]


@contextmanager
def _read_session(request: Request) -> Iterator[Session]:
    """The read session the app's dependencies would hand out (tests override it)."""
    provider = request.app.dependency_overrides.get(get_read_session, get_read_session)
    made = provider()
    if isinstance(made, Session):
        yield made
        return
    try:
        yield next(made)
    finally:
        made.close()


@contextmanager
def reload_identity(request: Request) -> Iterator[User | None]:
    """Who is asking, loaded on a read session of its own that lives while the caller renders.

    For error pages: they are rendered after the request's session has closed (a lazy read on it
    would open a transaction nobody ends, holding SQLite's lock) or, for an unknown path, when no
    dependency loaded the caller at all."""
    with _read_session(request) as session:
        request.state.auth_loaded = False
        try:
            _load(request, session)
        except PortalError:  # an invalid bearer token: the page shows no one logged in
            request.state.user = None
        yield request.state.user


def acting_person_of(request: Request) -> User | None:
    """The person behind a browser session that acts for an enterprise (None otherwise)."""
    return getattr(request.state, "acting_person", None)


async def load_identity(request: Request, session: Session) -> None:
    """_load for an async dependency: where it is when the reads cannot wait (SQLite: see
    db.reads_in_place), else in a worker thread. Either way the request makes no trip through the
    thread pool only to learn who is asking; what loading marks for writing (the session's last
    use, an expired session's removal) is flushed later, by the handler or at the commit."""
    if getattr(request.state, "auth_loaded", False):
        return
    if reads_in_place(session):
        with session.no_autoflush:
            _load(request, session)
    else:
        await anyio.to_thread.run_sync(_load, request, session)


async def optional_user(request: Request, session: SessionDep) -> User | None:
    await load_identity(request, session)
    return request.state.user


async def current_user(request: Request, session: SessionDep) -> User:
    await load_identity(request, session)
    user = request.state.user
    if user is None:
        raise Unauthorized("请先登录 / Please log in first", code="login_required")
    # A cookie-authenticated call to the JSON API must prove it came from our pages.
    if (request.method not in ("GET", "HEAD", "OPTIONS") and not request.state.via_token
            and request.url.path.startswith("/api/")):
        ws: WebSession = request.state.web_session
        sent = request.headers.get("x-csrf-token", "")
        if not sent or not hmac.compare_digest(sent, ws.csrf_token):
            raise Forbidden("CSRF 校验失败 / CSRF check failed", code="csrf_failed")
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]


def require_roles(*roles: Role | str):
    """Dependency: the caller must hold one of these roles (403 otherwise)."""
    wanted = {Role(r) for r in roles}

    async def dep(user: CurrentUser) -> User:
        if user.role not in wanted:
            raise Forbidden("您无权访问此页面 / You are not allowed to access this page")
        return user

    return dep


async def require_applicant(user: CurrentUser) -> User:
    if not user.role.is_applicant:
        raise Forbidden("仅限申请人 / For applicants only")
    return user


ApplicantUser = Annotated[User, Depends(require_applicant)]


def ensure_web_session(request: Request) -> WebSession:
    """The browser's session, created (anonymous) when a form first needs a CSRF token."""
    ws = getattr(request.state, "web_session", None)
    if ws is not None:
        return ws
    db = getattr(request.state, "db", None)
    if db is None:
        raise PortalError("session unavailable", 500)
    raw, ws = service.new_session(db, user_id=None, locale="zh", ip=client_ip(request))
    request.state.web_session = ws
    request.state.set_session_cookie = raw
    return ws


def verify_csrf(request: Request, session: SessionDep, csrf_token: Annotated[str, Form()] = "") -> None:
    """Every HTML form POST carries the session's CSRF token."""
    _load(request, session)
    ws = request.state.web_session
    if ws is None or not csrf_token or not hmac.compare_digest(csrf_token, ws.csrf_token):
        raise Forbidden("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试 / "
                        "The form has expired or did not come from this site (CSRF check failed); "
                        "reload the page and try again", code="csrf_failed")


CsrfProtected = Depends(verify_csrf)


async def access_reason(reason: Annotated[str | None, Query(max_length=500)] = None,
                        x_access_reason: Annotated[str | None, Header(max_length=1500)] = None) -> str | None:
    """Why an administrator reads personal data: `?reason=` or the `X-Access-Reason` header
    (percent-encoded UTF-8, since header values are Latin-1). `async`: it only reads the request,
    so it runs where it is without a trip through the thread pool (as do the role checks below)."""
    if x_access_reason:
        return unquote(x_access_reason)
    return reason


AccessReason = Annotated[str | None, Depends(access_reason)]
