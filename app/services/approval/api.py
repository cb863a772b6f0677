"""JSON API of auto-approval: statistics, decision models (admin), post-checks."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from app.core.db import SessionDep
from app.identity.deps import require_roles
from app.identity.models import Role, User
from app.services.approval import oversight, service, versions
from app.services.approval.exceptions import ModelNotFound
from app.services.approval.models import DecisionModel
from app.services.approval.schemas import DraftCreate, PostCheck, SettingUpdate

router = APIRouter(prefix="/api/v1/approval", tags=["approval"])
AdminUser = Annotated[User, Depends(require_roles(Role.admin))]
Overseer = Annotated[User, Depends(require_roles(Role.admin, Role.evaluator))]
Checker = Annotated[User, Depends(require_roles(Role.admin, Role.reviewer))]


def _model(m: DecisionModel, full: bool = False) -> dict[str, Any]:
    out = {"matter_code": m.matter_code, "version": m.version, "status": m.status, "note": m.note,
           "created_by": m.created_by, "created_at": m.created_at, "activated_by": m.activated_by,
           "activated_at": m.activated_at}
    if full:
        out["content"] = m.content
    return out


@router.get("/stats")
def stats(session: SessionDep, user: Overseer):
    """Automatic approval rate per matter, referral reasons, time from submission to decision."""
    return oversight.stats(session)


@router.get("/models")
def list_models(session: SessionDep, admin: AdminUser):
    return {"items": [_model(m) for m in service.all_active(session)]}


def _known(session, matter_code: str) -> list:
    """The matter's model versions; a matter without a decision model is a 404, not a new setting."""
    found = versions.versions(session, matter_code)
    if not found:
        raise ModelNotFound(matter_code)
    return found


@router.get("/models/{matter_code}")
def model_versions(matter_code: str, session: SessionDep, admin: AdminUser):
    found = _known(session, matter_code)
    s = service.setting(session, matter_code)
    return {"versions": [_model(m, full=True) for m in found],
            "setting": {"enabled": s.enabled, "daily_cap": s.daily_cap, "sample_rate": s.sample_rate}}


@router.post("/models/{matter_code}/drafts", status_code=201)
def create_draft(matter_code: str, body: DraftCreate, session: SessionDep, admin: AdminUser):
    """A new draft version from JDM JSON (validated by zen-engine)."""
    return _model(versions.create_draft(session, matter_code, body.content, actor=admin.username, note=body.note))


@router.post("/models/{matter_code}/versions/{version}/test")
def test_version(matter_code: str, version: int, session: SessionDep, admin: AdminUser,
                 facts: Annotated[dict[str, Any], Body()]):
    return versions.test_run(versions.get(session, matter_code, version).content, facts)


@router.get("/models/{matter_code}/versions/{version}/what-if")
def what_if(matter_code: str, version: int, session: SessionDep, admin: AdminUser,
            last: Annotated[int, Query(ge=1, le=5000)] = 100):
    return versions.what_if(session, versions.get(session, matter_code, version), last=last)


@router.post("/models/{matter_code}/versions/{version}/activate")
def activate(matter_code: str, version: int, session: SessionDep, admin: AdminUser):
    return _model(versions.activate(session, versions.get(session, matter_code, version), actor=admin.username))


@router.post("/models/{matter_code}/rollback")
def rollback(matter_code: str, session: SessionDep, admin: AdminUser):
    return _model(versions.rollback(session, matter_code, actor=admin.username))


@router.patch("/settings/{matter_code}")
def update_setting(matter_code: str, body: SettingUpdate, session: SessionDep, admin: AdminUser):
    _known(session, matter_code)
    s = oversight.update_setting(session, matter_code, actor=admin.username, **body.model_dump())
    return {"matter_code": matter_code, "enabled": s.enabled, "daily_cap": s.daily_cap, "sample_rate": s.sample_rate}


@router.get("/post-checks")
def post_checks(session: SessionDep, user: Checker, status: str | None = "pending"):
    rows = oversight.post_checks(session, status or None)
    if user.role == Role.reviewer:
        rows = [r for r in rows if service.department_of(session, r.matter_code) == user.department_code]
    return {"items": [{"application_number": r.application_number, "matter_code": r.matter_code,
                       "decided_at": r.decided_at, "check_status": r.check_status, "checked_by": r.checked_by,
                       "note": r.check_note} for r in rows]}


@router.post("/post-checks/{number}")
def record_post_check(number: str, body: PostCheck, session: SessionDep, user: Checker):
    r = oversight.record_check(session, number, actor=user.username, status=body.status, note=body.note,
                               department=user.department_code if user.role == Role.reviewer else None)
    return {"application_number": r.application_number, "check_status": r.check_status}
