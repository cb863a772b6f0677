"""Review pages: the review panel on the application page (form, own review, the unit's answer),
public disclosure on each matter page, and the public department ranking. The reviewer's
workbench and the evaluator's dashboard are in workbench_pages.py and dashboard_pages.py."""
from __future__ import annotations

import functools
import threading
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup, escape
from pydantic import ValidationError
from sqlalchemy import event
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.core.db import SessionDep
from app.core.errors import PortalError
from app.core.i18n import get_locale, gettext as _, pick
from app.core.templating import csrf_token, env, register_panel, render
from app.identity.deps import ApplicantUser, CsrfProtected, OptionalUser, client_ip
from app.identity.models import User
from app.evaluation import charts, dashboard_pages, rectification, rules, stats, window_pages, workbench_pages
from app.evaluation.presenters import review_view
from app.evaluation import service as svc
from app.evaluation.models import AnswerRating, Appeal, Rectification, Review, ReviewChannel
from app.evaluation.schemas import ReviewCreate
from app.services.applications.models import Application
from app.services.applications.page_context import bilingual, china_time, render_application

router = APIRouter(include_in_schema=False)
router.include_router(workbench_pages.router)
router.include_router(dashboard_pages.router)
router.include_router(window_pages.router)


def _csrf_input(request: Request) -> Markup:
    return Markup(f'<input type="hidden" name="csrf_token" value="{escape(csrf_token(request))}">')


@functools.lru_cache(maxsize=32)
def _choices(locale: str, app_channel: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """The review form's constant choices in one language (grades, the indicators of an online
    review of an application from `app_channel`, tags, answer ratings): built once per pair."""
    def named(items) -> tuple[tuple[str, str], ...]:
        return tuple((k, pick(*v)) for k, v in items)  # pick reads the locale: part of the key
    return {"grades": named(rules.GRADES.items()),
            "indicators": named(rules.indicator_set(ReviewChannel.online, app_channel).items()),
            "tags": named(rules.TAGS.items()),
            "ratings": named((r.value, rules.ANSWER_RATINGS[r]) for r in AnswerRating)}


def application_panel(request: Request, *, app: Application, user: User | None, errors=None, notice="", **_ctx):
    """The review section of the application page: the form after completion, then the review,
    the unit's answer and the rating of that answer."""
    session = getattr(request.state, "db", None)
    if session is None or user is None or user.id != app.applicant_user_id:
        return Markup("")
    review = svc.get_review_for(session, app.id)
    deadline = svc.review_deadline(app)
    if review is None and deadline is None:
        return Markup("")
    return Markup(env.get_template("evaluation/_application_panel.html").render(
        request=request, app=app, review=review_view(review, user) if review else None,
        can_review=review is None and svc.can_review(app), deadline=china_time(deadline),
        **_choices(get_locale(), app.channel.value),
        errors=errors or {}, notice=notice, csrf_input=lambda: _csrf_input(request), max_comment=rules.MAX_COMMENT))


# The public panel of a matter page is the same for everyone (per language): it is rendered once and
# kept per process, keyed by matter and locale, until a review, ticket or appeal is written (flushed,
# and again when that transaction ends: see _note_review_writes) or PANEL_TTL_SECONDS pass (what
# another instance wrote, or the nightly repair of the rollups, shows within the TTL).
PANEL_TTL_SECONDS = 10.0
_panel_lock = threading.Lock()
_panel_cache: dict[tuple[str, str], tuple[int, float, Markup]] = {}
_reviews_generation = 0
_REVIEW_TYPES = (Review, Rectification, Appeal)


def _bump_reviews_generation() -> None:
    global _reviews_generation
    with _panel_lock:
        _reviews_generation += 1
        _panel_cache.clear()


@event.listens_for(Session, "after_flush")
def _note_review_writes(session: Session, _flush_context) -> None:
    for objects in (session.new, session.dirty, session.deleted):
        if any(isinstance(o, _REVIEW_TYPES) for o in objects):
            session.info["reviews_written"] = True
            session.info["reviews_ever_written"] = True
            _bump_reviews_generation()  # a panel built meanwhile from this session is not kept
            return


@event.listens_for(Session, "after_transaction_end")
def _reviews_settled(session: Session, transaction) -> None:
    # Committed or rolled back: either way the panels built before are no longer the truth.
    if transaction.parent is None and session.info.pop("reviews_written", False):
        _bump_reviews_generation()


def matter_panel(request: Request, *, m, **_ctx):
    """评价公开: the matter's satisfaction rate (from the rollups) and latest reviews with the
    units' answers."""
    session = getattr(request.state, "db", None)
    if session is None:
        return Markup("")
    key = (m.code, get_locale())
    generation = _reviews_generation
    hit = _panel_cache.get(key)
    if hit is not None and hit[0] == generation and time.monotonic() - hit[1] <= PANEL_TTL_SECONDS:
        return hit[2]
    started = time.monotonic()
    figures = stats.public_rate(session, m.code)
    reviews = [review_view(r) for r in svc.public_reviews(session, m.code, limit=10)]
    panel = Markup(env.get_template("evaluation/_matter_panel.html").render(
        request=request, figures=figures, reviews=reviews, m=m))
    if session.info.get("reviews_ever_written"):
        return panel  # a session that wrote reviews may still roll them back: not for everyone
    with _panel_lock:
        if generation == _reviews_generation:
            _panel_cache[key] = (generation, started, panel)
    return panel


register_panel("application", application_panel)
register_panel("matter", matter_panel)


def _again(request: Request, session, number: str, user: User, errors: dict[str, str], status: int):
    session.rollback()
    app = svc.reviewable_application(session, number, user)
    return render_application(request, session, app, user, errors=errors, status_code=status)


async def _posted(request: Request) -> FormData:
    return await request.form()


@router.post("/applications/{number}/review", dependencies=[CsrfProtected])
def post_review(number: str, request: Request, session: SessionDep, user: ApplicantUser,
                form: Annotated[FormData, Depends(_posted)]):
    """The review form: score, the channel's indicators, tags, comment, anonymous or not."""
    try:
        body = ReviewCreate.from_form(form)
    except (ValidationError, ValueError):
        return _again(request, session, number, user, {"score": _("请选择1至5星的评价，评论不超过500字")}, 422)
    try:
        with session.begin_nested():
            svc.create_review(session, number, user, body, ip=client_ip(request))
    except PortalError as e:
        if e.status_code == 404:
            raise
        return _again(request, session, number, user, {"score": bilingual(e.message)}, e.status_code)
    return RedirectResponse(f"/applications/{number}?done=reviewed#review", status_code=303)


@router.post("/applications/{number}/review/follow-up", dependencies=[CsrfProtected])
def post_follow_up(number: str, request: Request, session: SessionDep, user: ApplicantUser,
                   comment: Annotated[str, Form(max_length=500)] = ""):
    if not comment.strip():
        return _again(request, session, number, user, {"follow_up": _("请填写追评内容")}, 422)
    svc.add_follow_up(session, number, user, comment, ip=client_ip(request))
    return RedirectResponse(f"/applications/{number}?done=followed_up#review", status_code=303)


@router.post("/applications/{number}/review/answer-rating", dependencies=[CsrfProtected])
def post_answer_rating(number: str, request: Request, session: SessionDep, user: ApplicantUser,
                       rating: Annotated[str, Form(max_length=30)] = ""):
    app = svc.reviewable_application(session, number, user)
    review = svc.get_review_for(session, app.id)
    if review is None or rating not in {r.value for r in AnswerRating}:
        return _again(request, session, number, user, {"rating": _("请选择对答复的评价")}, 422)
    rectification.rate_answer(session, review, user, AnswerRating(rating))
    return RedirectResponse(f"/applications/{number}?done=rated#review", status_code=303)


@router.get("/evaluation/ranking")
def ranking(request: Request, session: SessionDep, user: OptionalUser):
    """Public ranking of departments by satisfaction (评价公开)."""
    groups, total = stats.compute(session, "department")
    return render(request, "evaluation/ranking.html", {
        "groups": groups, "total": total, "chart": charts.bar_chart(groups, "satisfaction_rate",
                                                                    _("满意率"))})
