"""The decision form's POST (the form is on the application page, templates/review/_decision.html).
It calls the flows, so it sits above both `app.services.flows` and `app.services.applications`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.core.db import SessionDep
from app.core.errors import PortalError
from app.core.i18n import gettext as _
from app.identity.deps import CsrfProtected, CurrentUser, client_ip
from app.identity.models import User
from app.services import flows
from app.services.applications import service as svc
from app.services.applications.page_context import bilingual, render_application

router = APIRouter(include_in_schema=False)


PAGE_OUTCOMES = {"review_approve": ("review", "approve"), "review_deny": ("review", "deny")}  # 审核 on the form


def _decide(session: Session, request: Request, number: str, user: User, outcome: str, reasons: list[str],
            version: int | None):
    app = svc.get_for_user(session, number, user)  # another department's application: 404
    action, opinion = PAGE_OUTCOMES.get(outcome, (outcome, None))
    try:
        with session.begin_nested():
            flows.decide(session, app, user, action, reasons, opinion=opinion, version=version,
                         ip=client_ip(request))
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
           outcome: Annotated[str, Form(max_length=20)] = "", reasons: Annotated[str, Form(max_length=10000)] = "",
           version: Annotated[str, Form(max_length=12)] = ""):
    """Approve, deny or ask for correction (reasons one per line); approval seals and issues the result.
    Two-level matters: the first-level opinion (审核) first; a window application can be returned to the
    window. `version` is the version the page showed: a decision made meanwhile by someone else → 409."""
    reason_list = [r.strip() for r in reasons.splitlines() if r.strip()]
    if outcome not in flows.OUTCOMES and outcome not in PAGE_OUTCOMES:
        app = svc.get_for_user(session, number, user)
        return render_application(request, session, app, user, errors={"outcome": _("请选择审批决定")},
                                  decision={"outcome": "", "reasons": reasons}, status_code=422)
    failed = _decide(session, request, number, user, outcome, reason_list,
                     int(version) if version.strip().isdigit() else None)
    if failed is not None:
        return failed
    return RedirectResponse(f"/applications/{number}?done=decided#decision", status_code=303)
