"""JSON API: bearer tokens and the caller's own profile."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response

from app.core.errors import PortalError

from app.core import audit
from app.core.config import get_settings
from app.core.db import SessionDep
from app.identity import service
from app.identity.deps import CurrentUser, client_ip
from app.identity.schemas import MeRead, TokenRead

router = APIRouter(prefix="/api/v1", tags=["identity"])


@router.post("/auth/token", response_model=TokenRead, responses={401: {"description": "Wrong credentials"}, 429: {"description": "Throttled"}})
def token(request: Request, session: SessionDep, username: Annotated[str, Form(max_length=64)],
          password: Annotated[str, Form(max_length=256)]):
    """Exchange a username and password for a bearer token."""
    try:
        user = service.authenticate(session, username, password, client_ip(request))
    except PortalError as e:
        # Returned, not raised: the failure counters and audit record must be committed.
        return JSONResponse({"error": e.code, "detail": e.message}, status_code=e.status_code,
                            headers={"WWW-Authenticate": "Bearer"} if e.status_code == 401 else None)
    raw = service.issue_token(session, user, client_ip(request))
    return TokenRead(access_token=raw, expires_in=get_settings().token_hours * 3600)


@router.post("/auth/logout", status_code=204)
def revoke_token(request: Request, session: SessionDep, user: CurrentUser):
    """Revoke the bearer token this request carries."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        service.revoke_token(session, auth[7:].strip())
        audit.record(session, actor=user.username, action="logout.token", object_type="user",
                     object_id=user.username, ip=client_ip(request))
    return Response(status_code=204)


@router.get("/me", response_model=MeRead)
def me(user: CurrentUser):
    """The caller's own profile, with the own ID number unmasked."""
    return MeRead(username=user.username, role=user.role.value, full_name=user.full_name,
                  id_number=user.id_number, uscc=user.uscc, phone=user.phone,
                  department=user.department_code, window=user.window_code)
