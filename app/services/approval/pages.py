"""Pages of auto-approval: models (admin), post-checks (reviewers, admins), statistics, a decision's trace."""
from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse

from app.core.blobs import read_upload
from app.core.db import SessionDep
from app.core.errors import NotFound, PortalError
from app.core.templating import render
from app.identity.deps import CsrfProtected, require_roles
from app.identity.models import Role, User
from app.matters import service as matter_service
from app.services.approval import engine, oversight, service, versions
from app.services.applications.page_context import china_time
from app.services.approval.exceptions import InvalidModel

router = APIRouter(include_in_schema=False)
AdminUser = Annotated[User, Depends(require_roles(Role.admin))]
Checker = Annotated[User, Depends(require_roles(Role.admin, Role.reviewer))]
Staff = Annotated[User, Depends(require_roles(Role.admin, Role.reviewer, Role.window_officer))]


def _render(request: Request, name: str, context: dict, status_code: int = 200):
    return render(request, name, {**context, "china_time": china_time}, status_code=status_code)


@router.get("/admin/approval")
def models_page(request: Request, session: SessionDep, admin: AdminUser):
    models = service.all_active(session)
    return _render(request, "approval/index.html", {
        "models": models, "settings": {m.matter_code: service.setting(session, m.matter_code) for m in models},
        "names": {m.matter_code: matter_service.get_matter(session, m.matter_code) for m in models}})


@router.post("/admin/approval/{code}/setting", dependencies=[CsrfProtected])
def save_setting(code: str, session: SessionDep, admin: AdminUser, enabled: Annotated[str, Form()] = "",
                 daily_cap: Annotated[int, Form()] = 500, sample_rate: Annotated[float, Form()] = 0.1):
    oversight.update_setting(session, code, actor=admin.username, enabled=enabled == "1", daily_cap=daily_cap,
                             sample_rate=sample_rate)
    return RedirectResponse("/admin/approval", status_code=303)


def _model_context(session, code: str, version: int | None) -> dict:
    all_versions = versions.versions(session, code)
    if not all_versions:
        raise NotFound(f"没有该事项的决策模型 / No decision model for {code}")
    shown = next((m for m in all_versions if m.version == version), None) if version else None
    shown = shown or service.active_model(session, code) or all_versions[0]
    return {"code": code, "matter": matter_service.get_matter(session, code), "versions": all_versions,
            "model": shown, "table": engine.table_node(shown.content)["content"], "errors": [], "result": None,
            "what_if": None, "sample": "", "setting": service.setting(session, code)}


@router.get("/admin/approval/{code}")
def model_page(code: str, request: Request, session: SessionDep, admin: AdminUser,
               v: Annotated[int | None, Query()] = None, what_if: Annotated[int | None, Query(ge=1, le=5000)] = None):
    ctx = _model_context(session, code, v)
    if what_if:
        ctx["what_if"] = versions.what_if(session, ctx["model"], last=what_if)
    return _render(request, "approval/model.html", ctx)


@router.post("/admin/approval/{code}/drafts", dependencies=[CsrfProtected])
async def save_draft(code: str, request: Request, session: SessionDep, admin: AdminUser):
    """A new draft from the edited table cells (cell:ROW:COLUMN fields) or an uploaded JDM file."""
    form = await request.form()
    base = versions.get(session, code, int(form.get("base_version") or 0))
    upload = form.get("file")
    note = str(form.get("note") or "")
    try:
        if upload is not None and getattr(upload, "filename", ""):
            content = versions.parse_upload(read_upload(upload))
        else:
            cells = {k[5:]: str(v) for k, v in form.items() if k.startswith("cell:") and isinstance(v, str)}
            content = versions.edit_rows(base.content, cells)
        draft = versions.create_draft(session, code, content, actor=admin.username, note=note)
    except InvalidModel as exc:
        session.rollback()
        ctx = _model_context(session, code, base.version)
        ctx["errors"] = [exc.message]
        return _render(request, "approval/model.html", ctx, status_code=422)
    return RedirectResponse(f"/admin/approval/{code}?v={draft.version}", status_code=303)


@router.post("/admin/approval/{code}/versions/{version}/test", dependencies=[CsrfProtected])
def test_page(code: str, version: int, request: Request, session: SessionDep, admin: AdminUser,
              sample: Annotated[str, Form()] = ""):
    ctx = _model_context(session, code, version)
    ctx["sample"] = sample
    try:
        facts = json.loads(sample or "{}")
        if not isinstance(facts, dict):
            raise ValueError("not an object")
        ctx["result"] = versions.test_run(ctx["model"].content, facts)
    except ValueError as exc:
        ctx["errors"] = [f"样例输入不是 JSON 对象 / The sample input is not a JSON object: {exc}"]
    return _render(request, "approval/model.html", ctx)


@router.post("/admin/approval/{code}/versions/{version}/activate", dependencies=[CsrfProtected])
def activate_page(code: str, version: int, session: SessionDep, admin: AdminUser):
    versions.activate(session, versions.get(session, code, version), actor=admin.username)
    return RedirectResponse(f"/admin/approval/{code}", status_code=303)


@router.post("/admin/approval/{code}/rollback", dependencies=[CsrfProtected])
def rollback_page(code: str, session: SessionDep, admin: AdminUser):
    versions.rollback(session, code, actor=admin.username)
    return RedirectResponse(f"/admin/approval/{code}", status_code=303)


@router.get("/admin/approval-stats")
def stats_page(request: Request, session: SessionDep, user: Annotated[User, Depends(require_roles(Role.admin,
                                                                                                 Role.evaluator))]):
    return _render(request, "approval/stats.html", {"stats": oversight.stats(session)})


@router.get("/approval/post-checks")
def post_checks_page(request: Request, session: SessionDep, user: Checker,
                     status: Annotated[str, Query(pattern="^(pending|confirmed|flagged|)$")] = "pending"):
    rows = oversight.post_checks(session, status or None)
    if user.role == Role.reviewer:
        rows = [r for r in rows if service.department_of(session, r.matter_code) == user.department_code]
    return _render(request, "approval/post_checks.html", {"rows": rows, "status": status})


@router.post("/approval/post-checks/{number}", dependencies=[CsrfProtected])
def post_check(number: str, request: Request, session: SessionDep, user: Checker,
               status: Annotated[str, Form()], note: Annotated[str, Form()] = ""):
    try:
        oversight.record_check(session, number, actor=user.username, status=status, note=note,
                               department=user.department_code if user.role == Role.reviewer else None)
    except PortalError as exc:
        session.rollback()
        rows = oversight.post_checks(session)
        return _render(request, "approval/post_checks.html", {"rows": rows, "status": "pending",
                                                              "error": exc.message}, status_code=exc.status_code)
    return RedirectResponse("/approval/post-checks", status_code=303)


@router.get("/approval/decisions/{number}")
def decision_page(number: str, request: Request, session: SessionDep, user: Staff):
    """The full trace of an automatic decision: model version, facts, rows that fired, zen-engine trace."""
    decision = service.decision_by_number(session, number)
    if decision is None or (user.role == Role.reviewer
                            and service.department_of(session, decision.matter_code) != user.department_code):
        raise NotFound(f"没有该办件的自动审批记录 / No automatic decision for {number}")
    return _render(request, "approval/decision.html", {
        "d": decision, "facts": json.dumps(decision.facts, ensure_ascii=False, indent=1, default=str),
        "trace": json.dumps(decision.trace, ensure_ascii=False, indent=1, default=str)})
