"""Pages of smart consultation: the question page with feedback, and the administrators' page."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from app.core.db import RowId, SessionDep
from app.core.i18n import get_locale
from app.core.templating import render
from app.identity import access
from app.identity.deps import CsrfProtected, OptionalUser, ensure_web_session, require_roles
from app.identity.models import User
from app.matters.consultation import engine, service
from app.matters.consultation.exceptions import LexiconEntryInvalid, QuestionInvalid
from app.matters.consultation.query_log import QueryLogDep

router = APIRouter(include_in_schema=False)
AdminUser = Annotated[User, Depends(require_roles("admin"))]

EXAMPLES = ["宝宝刚出生怎么上户口", "公积金能付房租吗", "电瓶车怎么上牌", "开个小饭馆要办什么证"]
EXAMPLES_EN = ["How do I register my newborn baby?", "Can I use my housing fund to pay rent?",
               "How do I register an e-bike?", "How do I register a new company?"]


@router.get("/consultation")
def consultation_page(request: Request, session: SessionDep, query_log: QueryLogDep, user: OptionalUser,
                      q: str = "", thanks: str = ""):
    ctx = {"q": q, "answer": None, "query_id": None, "error": None, "thanks": thanks == "1",
           "examples": EXAMPLES_EN if get_locale() == "en" else EXAMPLES, "themes": engine.get_index().themes,
           "show_scores": access.sees_scores(user)}  # citizens see no raw scores
    if q.strip():
        # The browser's session carries a short conversation: "那要多少钱？" refers to the matter before.
        conversation = "web:" + ensure_web_session(request).id
        try:
            ctx["answer"], ctx["query_id"] = service.ask(session, q, 5, channel="web", query_log=query_log,
                                                         conversation=conversation)
        except QuestionInvalid as e:
            ctx["error"] = e.message
            return render(request, "consultation/page.html", ctx, status_code=422)
    return render(request, "consultation/page.html", ctx)


@router.post("/consultation/feedback", dependencies=[CsrfProtected])
def consultation_feedback(session: SessionDep, query_log: QueryLogDep,
                          query_id: Annotated[str, Form(max_length=32)], helpful: Annotated[str, Form()]):
    service.record_feedback(session, query_id, helpful == "yes", query_log)
    return RedirectResponse("/consultation?thanks=1", status_code=303)


def _admin_context(session, **extra) -> dict:
    return {"stats": service.feedback_stats(session), "unanswered": service.unanswered(session),
            "hotline": service.hotline_counts(session),
            "unhelpful": service.unhelpful(session), "entries": service.list_lexicon_entries(session),
            "matters": sorted(engine.get_index().matters.values(), key=lambda m: m["code"]),
            "errors": {}, "form": {}, "added": False, "removed": False, **extra}


@router.get("/admin/consultation")
def admin_page(request: Request, session: SessionDep, admin: AdminUser, added: str = "", removed: str = "",
               term: str = ""):
    return render(request, "consultation/admin.html",
                  _admin_context(session, added=added == "1", removed=removed == "1", form={"term": term[:100]}))


@router.post("/admin/consultation/lexicon", dependencies=[CsrfProtected])
def admin_add_lexicon(request: Request, session: SessionDep, admin: AdminUser,
                      term: Annotated[str, Form()] = "", expansion: Annotated[str, Form()] = "",
                      target_matter_code: Annotated[str, Form()] = ""):
    try:
        service.add_lexicon_entry(session, term, expansion, target_matter_code, added_by=admin.username)
    except LexiconEntryInvalid as e:
        form = {"term": term, "expansion": expansion, "target_matter_code": target_matter_code}
        return render(request, "consultation/admin.html",
                      _admin_context(session, errors=e.fields, form=form), status_code=422)
    return RedirectResponse("/admin/consultation?added=1", status_code=303)


@router.post("/admin/consultation/lexicon/{entry_id}/delete", dependencies=[CsrfProtected])
def admin_remove_lexicon(entry_id: RowId, session: SessionDep, admin: AdminUser):
    service.remove_lexicon_entry(session, entry_id, removed_by=admin.username)
    return RedirectResponse("/admin/consultation?removed=1", status_code=303)
