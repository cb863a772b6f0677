"""The rating pad (评价器) at the window: `/window/rate/{intake_id}` on the officer's desk screen,
turned to the applicant after the transaction (its JSON twin: POST /api/v1/window/intakes/{id}/review)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from app.core.db import RowId, SessionDep
from app.core.errors import PortalError
from app.core.i18n import gettext as _, pick
from app.core.templating import render
from app.identity.deps import CsrfProtected, client_ip, require_roles
from app.identity.models import Role, User
from app.matters import service as matters
from app.evaluation import rules
from app.evaluation import window_reviews as pad
from app.evaluation.schemas import ReviewCreate
from app.services.applications.page_context import bilingual

router = APIRouter(include_in_schema=False)
OfficerUser = Annotated[User, Depends(require_roles(Role.window_officer))]


def _page(request: Request, session, intake_id: RowId, user: User, *, errors=None, status_code: int = 200,
          done: bool = False):
    intake, app, review = pad.pad_context(session, intake_id, user)
    matter = matters.get_matter(session, app.matter_code)
    return render(request, "evaluation/rating_pad.html", {
        "intake": intake, "app": app, "matter_name": pick(matter.name, matter.name_en), "review": review,
        "done": done, "ready": pad.transaction_at(intake, app) is not None,
        "grades": [(s, pick(*g)) for s, g in rules.GRADES.items()],
        "indicators": [(k, pick(*v)) for k, v in rules.WINDOW_INDICATORS.items()],
        "tags": [(k, pick(*v)) for k, v in rules.TAGS.items()], "max_comment": rules.MAX_COMMENT,
        "errors": errors or {}}, status_code=status_code)


@router.get("/window/rate/{intake_id}")
def rating_pad(intake_id: RowId, request: Request, session: SessionDep, user: OfficerUser, done: int = 0):
    return _page(request, session, intake_id, user, done=bool(done))


async def _posted(request: Request) -> FormData:
    return await request.form()


@router.post("/window/rate/{intake_id}", dependencies=[CsrfProtected])
def post_rating(intake_id: RowId, request: Request, session: SessionDep, user: OfficerUser,
                form: Annotated[FormData, Depends(_posted)]):
    try:
        body = ReviewCreate.from_form(form)
    except (ValidationError, ValueError):
        return _page(request, session, intake_id, user, status_code=422,
                     errors={"score": _("请选择1至5星的评价，评论不超过500字")})
    try:
        with session.begin_nested():
            pad.create_pad_review(session, intake_id, user, body, ip=client_ip(request))
    except PortalError as e:
        if e.status_code == 404:
            raise
        session.rollback()
        return _page(request, session, intake_id, user, status_code=e.status_code,
                     errors={"score": bilingual(e.message)})
    return RedirectResponse(f"/window/rate/{intake_id}?done=1", status_code=303)
