"""Reviewer pages: the department's queue (审批工作台). The decision form is on the application page
(templates/review/_decision.html); its POST is in app/services/decision_pages.py (it calls the flows)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from app.core.db import SessionDep
from app.core.i18n import gettext as _, pick
from app.core.templating import render
from app.identity.deps import CsrfProtected, client_ip, require_roles
from app.identity.models import Role, User
from app.matters import service as matter_service
from app.services.applications import lifecycle
from app.services.applications import service as svc
from app.services.applications.page_context import china_time, matter_names, render_application

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
ReviewerUser = Annotated[User, Depends(require_roles(Role.reviewer))]


@router.get("/review")
def review_queue(request: Request, session: SessionDep, user: ReviewerUser, page: int = 1):
    """The department's open applications, earliest due first; those awaiting intake (受理) and
    overdue ones marked."""
    page = max(1, min(page, 1000))
    rows, total = svc.list_for_department(session, user.department_code or "", limit=PAGE_SIZE,
                                          offset=(page - 1) * PAGE_SIZE)
    department = matter_service.get_department(session, user.department_code) if user.department_code else None
    items = [{"number": a.number, "matter": matter_names(a.matter_code), "applicant": a.applicant_name,
              "status": a.status.value, "status_label": pick(*lifecycle.STATUS_LABELS[a.status]),
              "channel": a.channel.value, "submitted": china_time(a.submitted_at), "due": a.due_date,
              "overdue": svc.is_overdue(a), "paused": a.clock_paused_on is not None,
              "intake": svc.awaits_intake(a), "intake_due": a.intake_due_date,
              "intake_overdue": svc.is_intake_overdue(a)} for a in rows]
    return render(request, "review/queue.html", {
        "items": items, "total": total, "page": page, "pages": max(1, -(-total // PAGE_SIZE)), "params": {},
        "department": department, "today": svc.today_china()})


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
