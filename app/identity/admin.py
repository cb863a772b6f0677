"""Administration: accounts and roles (audited), audit chain status."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import func, select

from app.core import audit_verify
from app.core.audit_models import AuditRecord
from app.core.db import SessionDep
from app.core.job_models import JobFailure
from app.core.errors import NotFound, ValidationFailed
from app.core.templating import render
from app.identity import service
from app.identity.deps import client_ip, require_roles, verify_csrf
from app.identity.models import ROLE_LABELS, Role, User
from app.identity.validation import mask_id

router = APIRouter(include_in_schema=True)
AdminUser = Annotated[User, Depends(require_roles(Role.admin))]
PAGE = 50


def _user_json(u: User, full: bool) -> dict:
    ident = u.id_number or u.uscc
    return {"username": u.username, "role": u.role.value, "full_name": u.full_name,
            "id_number": (ident if full else mask_id(ident)), "active": u.active,
            "department": u.department_code, "window": u.window_code}


@router.get("/api/v1/admin/users", tags=["admin"])
def api_users(session: SessionDep, admin: AdminUser, limit: Annotated[int, Query(ge=1, le=200)] = 50,
              offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0):
    """Accounts, ID numbers masked (list views never show them in full)."""
    total = session.scalar(select(func.count()).select_from(User))
    rows = session.scalars(select(User).order_by(User.id).limit(limit).offset(offset))
    return {"items": [_user_json(u, full=False) for u in rows], "total": total}


@router.get("/api/v1/admin/users/{username}", tags=["admin"])
def api_user(username: str, session: SessionDep, admin: AdminUser):
    """One account in full (an authorised staff detail view)."""
    u = service.get_by_username(session, username)
    if u is None:
        raise NotFound("用户不存在 / No such user")
    return _user_json(u, full=True)


@router.get("/admin", include_in_schema=False)
def admin_home(request: Request, session: SessionDep, admin: AdminUser, page: int = 1):
    page = max(1, page)
    total = session.scalar(select(func.count()).select_from(User)) or 0
    users = session.scalars(select(User).order_by(User.id).limit(PAGE).offset((page - 1) * PAGE)).all()
    report = audit_verify.verify(session)
    recent = session.scalars(select(AuditRecord).order_by(AuditRecord.id.desc()).limit(20)).all()
    return render(request, "identity/admin.html", {
        "users": users, "total": total, "page": page, "pages": max(1, -(-total // PAGE)),
        "roles": list(Role), "role_labels": ROLE_LABELS, "audit_report": report, "recent": recent})


@router.get("/admin/jobs", include_in_schema=False)
def failed_jobs(request: Request, session: SessionDep, admin: AdminUser):
    """Jobs of the task queue that failed after their retries, latest first."""
    rows = session.scalars(select(JobFailure).order_by(JobFailure.id.desc()).limit(100)).all()
    return render(request, "identity/jobs.html", {"failures": rows})


@router.post("/admin/users/{username}/role", include_in_schema=False, dependencies=[Depends(verify_csrf)])
def change_role(username: str, request: Request, session: SessionDep, admin: AdminUser,
                role: Annotated[str, Form()]):
    u = service.get_by_username(session, username)
    if u is None:
        raise NotFound("用户不存在 / No such user")
    try:
        new_role = Role(role)
    except ValueError:
        raise ValidationFailed("角色无效 / Unknown role") from None
    if u.id == admin.id and new_role != Role.admin:
        raise ValidationFailed("不能取消自己的管理员角色 / You cannot remove your own administrator role")
    service.set_role(session, u, new_role, actor=admin.username, ip=client_ip(request))
    return RedirectResponse("/admin", status_code=303)
