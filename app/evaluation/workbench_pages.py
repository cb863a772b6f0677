"""The department's bad-review workbench (差评整改): tickets, the call back and verdict, the
answer, and appeals against mistaken or malicious reviews."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from app.core.db import RowId, SessionDep
from app.core.errors import PortalError
from app.core.i18n import gettext as _, pick
from app.core.templating import render
from app.identity.deps import CsrfProtected, require_roles
from app.identity.models import Role, User
from app.evaluation import appeals, rectification, rules
from app.evaluation.models import AppealReason, Complexity, Verdict
from app.evaluation.presenters import ticket_view
from app.services.applications.page_context import bilingual

router = APIRouter(include_in_schema=False)
ReviewerUser = Annotated[User, Depends(require_roles(Role.reviewer))]


@router.get("/rectifications")
def tickets_page(request: Request, session: SessionDep, user: ReviewerUser, all: int = 0):
    rows, total = rectification.list_tickets(session, user.department_code, open_only=not all, limit=200)
    return render(request, "evaluation/tickets.html", {"tickets": [ticket_view(t) for t in rows], "total": total,
                                                       "show_all": bool(all)})


def _ticket_page(request, session, user, ticket_id: RowId, errors: dict | None = None, status: int = 200):
    t = rectification.get_ticket(session, ticket_id, user)
    return render(request, "evaluation/ticket.html", {
        "t": ticket_view(t), "errors": errors or {}, "can_appeal": t.review.appeal is None,
        "verdicts": [(v.value, pick(*rules.VERDICTS[v])) for v in Verdict],
        "complexities": [(c.value, pick(*rules.COMPLEXITY[c])) for c in Complexity],
        "reasons": [(r.value, pick(*rules.APPEAL_REASONS[r])) for r in AppealReason]}, status_code=status)


@router.get("/rectifications/{ticket_id}")
def ticket_page(ticket_id: RowId, request: Request, session: SessionDep, user: ReviewerUser):
    return _ticket_page(request, session, user, ticket_id)


def _act(request, session, user, ticket_id: RowId, fn, field: str):
    try:
        with session.begin_nested():
            fn(rectification.get_ticket(session, ticket_id, user))
    except PortalError as e:
        if e.status_code == 404:
            raise
        session.expire_all()
        return _ticket_page(request, session, user, ticket_id, {field: bilingual(e.message)}, e.status_code)
    return RedirectResponse(f"/rectifications/{ticket_id}", status_code=303)


@router.post("/rectifications/{ticket_id}/contact", dependencies=[CsrfProtected])
def post_contact(ticket_id: RowId, request: Request, session: SessionDep, user: ReviewerUser,
                 note: Annotated[str, Form(max_length=1000)] = "", verdict: Annotated[str, Form()] = "",
                 complexity: Annotated[str, Form()] = "simple"):
    if not note.strip() or verdict not in {v.value for v in Verdict} or complexity not in {c.value for c in Complexity}:
        return _ticket_page(request, session, user, ticket_id, {"note": _("请填写回访情况并选择核实结论")}, 422)
    return _act(request, session, user, ticket_id, lambda t: rectification.contact(
        session, t, user, note=note, verdict=Verdict(verdict), complexity=Complexity(complexity)), "note")


@router.post("/rectifications/{ticket_id}/answer", dependencies=[CsrfProtected])
def post_answer(ticket_id: RowId, request: Request, session: SessionDep, user: ReviewerUser,
                answer: Annotated[str, Form(max_length=2000)] = ""):
    if not answer.strip():
        return _ticket_page(request, session, user, ticket_id, {"answer": _("请填写答复内容")}, 422)
    return _act(request, session, user, ticket_id, lambda t: rectification.answer(session, t, user, answer), "answer")


@router.post("/rectifications/{ticket_id}/appeal", dependencies=[CsrfProtected])
def post_appeal(ticket_id: RowId, request: Request, session: SessionDep, user: ReviewerUser,
                reason: Annotated[str, Form()] = "", evidence: Annotated[str, Form(max_length=2000)] = ""):
    if not evidence.strip() or reason not in {r.value for r in AppealReason}:
        return _ticket_page(request, session, user, ticket_id, {"evidence": _("请选择申诉理由并提供证据说明")}, 422)
    return _act(request, session, user, ticket_id, lambda t: appeals.file_appeal(
        session, t.review, user, AppealReason(reason), evidence), "evidence")
