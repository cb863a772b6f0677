"""Reviewer pages: the department's queue (审批工作台) and the decision form's POST.
The form itself is on the application page (templates/review/_decision.html)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.core.db import SessionDep
from app.core.errors import PortalError
from app.core.i18n import gettext as _, pick
from app.core.templating import render
from app.identity.deps import CsrfProtected, CurrentUser, client_ip, require_roles
from app.identity.models import Role, User
from app.matters import service as matter_service
from app.services import flows
from app.services.applications import lifecycle
from app.services.applications import service as svc
from app.services.applications.page_context import bilingual, china_time, matter_names, render_application

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


def _decide(session: Session, request: Request, number: str, user: User, outcome: str, reasons: list[str]):
    app = svc.get_for_user(session, number, user)  # another department's application: 404
    try:
        with session.begin_nested():
            flows.decide(session, app, user, outcome, reasons, ip=client_ip(request))
    except PortalError as e:
        session.expire_all()
        app = svc.get_for_user(session, number, user)
        key = next(iter(e.fields), "form") if e.fields else "form"
        errors = {key if key in ("outcome", "reasons") else "form": bilingual(e.message)}
        return render_application(request, session, app, user, errors=errors, status_code=e.status_code,
                                  decision={"outcome": outcome, "reasons": "\n".join(reasons)})
    return None


@router.post("/applications/{number}/decision", dependencies=[CsrfProtected])
def decide(number: str, request: Request, session: SessionDep, user: CurrentUser,
           outcome: Annotated[str, Form(max_length=20)] = "", reasons: Annotated[str, Form(max_length=10000)] = ""):
    """Approve, deny or ask for correction (reasons one per line); approval seals and issues the result."""
    reason_list = [r.strip() for r in reasons.splitlines() if r.strip()]
    if outcome not in flows.OUTCOMES:
        app = svc.get_for_user(session, number, user)
        return render_application(request, session, app, user, errors={"outcome": _("请选择审批决定")},
                                  decision={"outcome": "", "reasons": reasons}, status_code=422)
    failed = _decide(session, request, number, user, outcome, reason_list)
    if failed is not None:
        return failed
    return RedirectResponse(f"/applications/{number}?done=decided#decision", status_code=303)


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
