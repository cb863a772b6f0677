"""Pages: login, logout, language switch, own profile."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from app.core.db import SessionDep
from app.core.errors import PortalError
from app.core.i18n import LOCALES
from app.core.middleware import LANG_COOKIE
from app.core.templating import ELDER_COOKIE, render
from app.identity import service
from app.identity.deps import CurrentUser, OptionalUser, client_ip, require_roles, verify_csrf
from app.identity.homes import WINDOW_ROLE_PAGE, role_home
from app.identity.models import ROLE_LABELS, Role, User

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """A local path to return to, or "" (then the person goes to their role's home)."""
    if not target:
        return ""
    p = urlparse(target)
    if p.scheme or p.netloc or not target.startswith("/") or target.startswith("//"):
        return ""
    return target


@router.get("/login")
def login_form(request: Request, user: OptionalUser, next: str = ""):
    return render(request, "identity/login.html", {"next": _safe_next(next), "errors": {}, "username": ""})


@router.post("/login", dependencies=[Depends(verify_csrf)])
def login(request: Request, session: SessionDep, username: Annotated[str, Form(max_length=64)] = "",
          password: Annotated[str, Form(max_length=256)] = "", next: Annotated[str, Form()] = ""):
    try:
        user = service.authenticate(session, username.strip(), password, client_ip(request))
    except PortalError as e:
        return render(request, "identity/login.html",
                      {"next": _safe_next(next), "errors": {"form": e.message}, "username": username},
                      status_code=e.status_code if e.status_code in (401, 429) else 400)
    raw, ws = service.login_session(session, request.state.web_session, user, client_ip(request))
    request.state.set_session_cookie = raw
    return RedirectResponse(_safe_next(next) or role_home(user, request.app), status_code=303)


@router.get("/home")
def home(request: Request, user: CurrentUser):
    """The signed-in person's own first page (the brand link and the header's 工作台 lead here)."""
    return RedirectResponse(role_home(user, request.app), status_code=303)


@router.get(WINDOW_ROLE_PAGE)
def window_officer_page(request: Request, user: Annotated[User, Depends(require_roles(Role.window_officer))]):
    """What a window officer can do here, until the window desk is built."""
    return render(request, "identity/window_officer.html")


@router.post("/logout", dependencies=[Depends(verify_csrf)])
def logout(request: Request, session: SessionDep, user: OptionalUser):
    ws = request.state.web_session
    if ws is not None:
        service.logout_session(session, ws, user.username if user else "anonymous", client_ip(request))
    request.state.set_session_cookie = ""
    return RedirectResponse("/", status_code=303)


@router.get("/lang/{locale}")
def switch_language(locale: str, next: str = "/"):
    """Keep the chosen language in a cookie; Chinese is the default."""
    locale = locale if locale in LOCALES else "zh"
    resp = RedirectResponse(_safe_next(next) or "/", status_code=303)
    resp.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax", httponly=False)
    return resp


@router.get("/elder/{mode}")
def switch_elder_mode(mode: str, next: str = "/"):
    """长者版: larger type, higher contrast, bigger targets; kept in a cookie like the language."""
    resp = RedirectResponse(_safe_next(next) or "/", status_code=303)
    resp.set_cookie(ELDER_COOKIE, "1" if mode == "on" else "0", max_age=365 * 86400, samesite="lax", httponly=False)
    return resp


@router.get("/me")
def profile(request: Request, session: SessionDep, user: CurrentUser):
    person = request.state.acting_person or user
    return render(request, "identity/profile.html", {
        "role_label": ROLE_LABELS[user.role], "enterprises": service.enterprises_for(session, person)})


@router.post("/me/act-for", dependencies=[Depends(verify_csrf)])
def act_for(request: Request, session: SessionDep, user: CurrentUser,
            enterprise_id: Annotated[str, Form(max_length=20)] = ""):
    """A legal representative or authorised employee switches to acting for the enterprise, or back."""
    person = request.state.acting_person or user
    target = int(enterprise_id) if enterprise_id.isdigit() else None
    service.act_for(session, request.state.web_session, person, target, ip=client_ip(request))
    return RedirectResponse("/me", status_code=303)
