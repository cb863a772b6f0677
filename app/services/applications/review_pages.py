"""Reviewer pages: the department's inbox (审批工作台, 后台分类审批) and assignment. The decision form is on the application page
(templates/review/_decision.html); its POST is in app/services/decision_pages.py (it calls the flows)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from app.core.db import SessionDep
from app.core.errors import PortalError
from app.core.i18n import gettext as _, pick
from app.core.templating import render
from app.identity.deps import CsrfProtected, client_ip, require_roles
from app.identity import service as identity
from app.identity.models import Role, User
from app.matters import service as matter_service
from app.services.applications import lifecycle
from app.services.applications import service as svc
from app.services.applications import workbench
from app.services.applications.page_context import bilingual, china_time, matter_names, render_application

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
ReviewerUser = Annotated[User, Depends(require_roles(Role.reviewer))]


STATUS_FILTER_LABELS = {"intake": ("待受理", "Awaiting intake"), "accepted": ("已受理", "Accepted"),
                        "in_review": ("审批中", "In review"), "second_level": ("待审批（已审核）", "Awaiting approval (reviewed)"),
                        "resubmitted": ("已补正", "Resubmitted"), "correction_requested": ("待补正", "Correction requested")}
ASSIGNED_LABELS = {"me": ("分派给我的", "Assigned to me"), "none": ("未分派", "Unassigned"),
                   "others": ("分派给他人的", "Assigned to others")}


@router.get("/review")
def review_queue(request: Request, session: SessionDep, user: ReviewerUser, page: int = 1, matter: str = "",
                 channel: str = "", status: str = "", overdue: str = "", assigned: str = ""):
    """The department's inbox (后台分类审批): applications routed to it from windows and online, earliest
    due first; filters by matter, channel, status, overdue, assignment; each row names its reviewer."""
    page = max(1, min(page, 1000))
    f = workbench.clean_filter(matter, channel, status, overdue, assigned)
    rows, total = workbench.inbox(session, user, f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    department = matter_service.get_department(session, user.department_code) if user.department_code else None
    names = identity.full_names(session, {a.assigned_to for a in rows if a.assigned_to}
                                | {a.review_by for a in rows if a.review_by})
    items = [{"number": a.number, "matter": matter_names(a.matter_code), "applicant": a.applicant_name,
              "status": a.status.value, "status_label": pick(*lifecycle.STATUS_LABELS[a.status]),
              "channel": a.channel.value, "submitted": china_time(a.submitted_at), "due": a.due_date,
              "overdue": svc.is_overdue(a), "paused": a.clock_paused_on is not None,
              "intake": svc.awaits_intake(a), "intake_due": a.intake_due_date,
              "intake_overdue": svc.is_intake_overdue(a), "assigned_to": a.assigned_to,
              "assignee": names.get(a.assigned_to, a.assigned_to) if a.assigned_to else None,
              "mine": a.assigned_to == user.username, "version": a.version,
              "reviewed_by": names.get(a.review_by, a.review_by) if a.review_by else None} for a in rows]
    params = {k: v for k, v in (("matter", f.matter), ("channel", f.channel), ("status", f.status),
                                ("overdue", "1" if f.overdue else ""), ("assigned", f.assigned)) if v}
    matters = workbench.department_matters(session, user.department_code or "")
    return render(request, "review/queue.html", {
        "items": items, "total": total, "page": page, "pages": max(1, -(-total // PAGE_SIZE)), "params": params,
        "filtered": bool(params), "filters": f, "department": department, "today": svc.today_china(),
        "matters": [(m.code, pick(m.name, m.name_en)) for m in matters],
        "status_labels": [(k, pick(*v)) for k, v in STATUS_FILTER_LABELS.items()],
        "assigned_labels": [(k, pick(*v)) for k, v in ASSIGNED_LABELS.items()],
        "back": str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")})


def _back(target: str, number: str) -> str:
    """Where to go after an assignment: back to the inbox (same filters) or the application page."""
    if target.startswith("/review") and "//" not in target and "\\" not in target:
        return target[:500]
    return f"/applications/{number}#assignment"


@router.post("/review/applications/{number}/assignment", dependencies=[CsrfProtected])
def assignment(number: str, request: Request, session: SessionDep, user: ReviewerUser,
               action: Annotated[str, Form(max_length=10)] = "", assignee: Annotated[str, Form(max_length=64)] = "",
               version: Annotated[int | None, Form()] = None, back: Annotated[str, Form(max_length=500)] = ""):
    """Take, assign to a named reviewer, or release (the inbox rows and the application page post here)."""
    app = svc.get_for_user(session, number, user)  # another department's application: 404
    try:
        with session.begin_nested():
            workbench.assign(session, app, user, action, assignee or None, version=version, ip=client_ip(request))
    except PortalError as e:
        session.expire_all()
        app = svc.get_for_user(session, number, user)
        return render_application(request, session, app, user, errors={"assignee": bilingual(e.message)},
                                  status_code=e.status_code)
    return RedirectResponse(_back(back, number), status_code=303)


WindowOfficer = Annotated[User, Depends(require_roles(Role.window_officer))]


@router.get("/window/lookup")
def lookup_page(request: Request, user: WindowOfficer):
    """Find an application by number with the applicant's ID number (the applicant is present)."""
    return render(request, "access/lookup.html", {"errors": {}, "form": {}})


@router.post("/window/lookup", dependencies=[CsrfProtected])
def lookup(request: Request, session: SessionDep, user: WindowOfficer,
           number: Annotated[str, Form(max_length=40)] = "",
           applicant_id_number: Annotated[str, Form(max_length=40)] = ""):
    """Every attempt is audited; a match shows the application, anything else says so (404)."""
    errors = {}
    if not number.strip():
        errors["number"] = _("请填写办件编号")
    if not applicant_id_number.strip():
        errors["applicant_id_number"] = _("请填写申请人证件号码")
    app = None if errors else svc.lookup(session, number, applicant_id_number, user, ip=client_ip(request))
    if app is None:
        errors = errors or {"form": _("办件编号与申请人证件号码不匹配")}
        return render(request, "access/lookup.html", {"errors": errors, "form": {"number": number}},
                      status_code=422 if "form" not in errors else 404)
    return render_application(request, session, app, user)
