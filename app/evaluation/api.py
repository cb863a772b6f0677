"""JSON API of reviews, rectification, appeals and statistics (contract §6)."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.core.db import RowId, SessionDep
from app.identity.deps import ApplicantUser, client_ip, require_roles
from app.identity.models import Role, User
from app.evaluation import appeals, rectification, rules, stats, window_reviews
from app.evaluation import service as svc
from app.evaluation.exceptions import ReviewNotFound
from app.evaluation.models import Rectification, Review
from app.evaluation.schemas import (AnswerIn, AppealDecisionIn, AppealIn, ContactIn, FollowUpCreate, RateAnswerIn,
                                    ReviewCreate, ReviewOut, TicketOut)

router = APIRouter(prefix="/api/v1", tags=["reviews"])
EvaluatorUser = Annotated[User, Depends(require_roles(Role.evaluator, Role.admin))]
UnitUser = Annotated[User, Depends(require_roles(Role.reviewer, Role.admin, Role.evaluator))]
ReviewerUser = Annotated[User, Depends(require_roles(Role.reviewer))]
OfficerUser = Annotated[User, Depends(require_roles(Role.window_officer))]
By = Literal["department", "matter", "window", "officer", "channel", "day", "week", "month"]


def ticket_out(t: Rectification | None) -> TicketOut | None:
    if t is None:
        return None
    return TicketOut(id=t.id, status=t.status, department_code=t.department_code, opened_on=t.opened_on,
                     contact_due=t.contact_due, rectify_due=t.rectify_due, verdict=t.verdict,
                     complexity=t.complexity, answer=t.answer, answered_at=t.answered_at,
                     answered_on_time=t.answered_on_time, answer_rating=t.answer_rating, overdue=t.overdue)


def review_out(r: Review, viewer: User | None) -> ReviewOut:
    return ReviewOut(id=r.id, application_number=r.application_number, matter_code=r.matter_code,
                     department_code=r.department_code, window_code=r.window_code,
                     officer_username=r.officer_username, responsibility=r.responsibility, channel=r.channel,
                     score=r.score, grade=rules.GRADES[r.score][0], indicators=r.indicators, tags=r.tags,
                     comment=r.comment, anonymous=r.anonymous, reviewer=svc.reviewer_display(r, viewer),
                     created_at=r.created_at, follow_up=r.follow_up, flag=r.flag, excluded=r.excluded,
                     ticket=ticket_out(r.ticket))


@router.post("/applications/{number}/review", status_code=201, response_model=ReviewOut,
             responses={409: {"description": "already reviewed, not completed, or the review period is over"},
                        422: {"description": "score outside 1..5, indicators not of this channel"}})
def create_review(number: str, body: ReviewCreate, request: Request, session: SessionDep, user: ApplicantUser):
    """Rate a completed application (一事一评); a 1–2 ★ review opens a rectification ticket."""
    review = svc.create_review(session, number, user, body, ip=client_ip(request))
    return review_out(svc.get_review(session, review.id), user)


@router.post("/window/intakes/{intake_id}/review", status_code=201, response_model=ReviewOut,
             responses={409: {"description": "this transaction is already rated, not finished, or too long ago"}})
def create_pad_review(intake_id: RowId, body: ReviewCreate, request: Request, session: SessionDep, user: OfficerUser):
    """一次一评: the applicant's rating of one window transaction, from the pad at that window's desk."""
    review = window_reviews.create_pad_review(session, intake_id, user, body, ip=client_ip(request))
    return review_out(svc.get_review(session, review.id), None)


@router.get("/applications/{number}/review", response_model=ReviewOut)
def my_review(number: str, session: SessionDep, user: ApplicantUser):
    app = svc.reviewable_application(session, number, user)
    review = svc.get_review_for(session, app.id)
    if review is None:
        raise ReviewNotFound()
    return review_out(review, user)


@router.post("/applications/{number}/review/follow-up", response_model=ReviewOut)
def follow_up(number: str, body: FollowUpCreate, request: Request, session: SessionDep, user: ApplicantUser):
    """One follow-up review (追评)."""
    review = svc.add_follow_up(session, number, user, body.comment, ip=client_ip(request))
    return review_out(svc.get_review(session, review.id), user)


@router.post("/applications/{number}/review/answer-rating", response_model=ReviewOut)
def rate_answer(number: str, body: RateAnswerIn, session: SessionDep, user: ApplicantUser):
    """The reviewer rates the unit's answer to a bad review (满意 / 基本满意 / 不满意)."""
    app = svc.reviewable_application(session, number, user)
    review = svc.get_review_for(session, app.id)
    if review is None or review.ticket is None:
        raise ReviewNotFound()
    rectification.rate_answer(session, review, user, body.rating)
    return review_out(review, user)


@router.get("/rectifications")
def list_tickets(session: SessionDep, user: UnitUser, open_only: bool = True, overdue: bool = False,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0):
    """The department's bad-review tickets (evaluators and admins: every department's)."""
    dept = user.department_code if user.role == Role.reviewer else None
    rows, total = rectification.list_tickets(session, dept, open_only=open_only, overdue_only=overdue,
                                             limit=limit, offset=offset)
    return {"items": [{**ticket_out(t).model_dump(mode="json"), "review": review_out(t.review, user)
                       .model_dump(mode="json")} for t in rows], "total": total}


@router.post("/rectifications/{ticket_id}/contact", response_model=TicketOut)
def contact(ticket_id: RowId, body: ContactIn, session: SessionDep, user: ReviewerUser):
    """Record the call to the reviewer and the verdict (reasonable / unreasonable / malicious)."""
    ticket = rectification.get_ticket(session, ticket_id, user)
    return ticket_out(rectification.contact(session, ticket, user, note=body.note, verdict=body.verdict,
                                            complexity=body.complexity))


@router.post("/rectifications/{ticket_id}/answer", response_model=TicketOut)
def answer(ticket_id: RowId, body: AnswerIn, session: SessionDep, user: ReviewerUser):
    ticket = rectification.get_ticket(session, ticket_id, user)
    return ticket_out(rectification.answer(session, ticket, user, body.answer))


@router.post("/reviews/{review_id}/appeal", status_code=201)
def file_appeal(review_id: RowId, body: AppealIn, session: SessionDep, user: ReviewerUser):
    """The responsible department appeals a review as mistaken or malicious (申诉)."""
    review = svc.get_review(session, review_id)
    a = appeals.file_appeal(session, review, user, body.reason, body.evidence)
    return {"id": a.id, "review_id": review.id, "status": a.status.value, "decide_due": a.decide_due.isoformat()}


@router.post("/appeals/{appeal_id}/decision")
def decide_appeal(appeal_id: RowId, body: AppealDecisionIn, session: SessionDep, user: EvaluatorUser):
    """The evaluator's decision; upheld → the review leaves the statistics (kept on record)."""
    a = appeals.decide(session, appeals.get_appeal(session, appeal_id), user, body.upheld, body.note)
    return {"id": a.id, "review_id": a.review_id, "status": a.status.value}


@router.get("/evaluation/stats")
def evaluation_stats(session: SessionDep, user: EvaluatorUser, by: By = "department",
                     from_: Annotated[date | None, Query(alias="from")] = None,
                     to: Annotated[date | None, Query()] = None, department: str | None = None,
                     matter: str | None = None, channel: str | None = None):
    """Figures by department, matter, window, officer, channel or period (China dates, inclusive)."""
    groups, total = stats.compute(session, by, from_, to, _filters(department, matter, channel))
    return {"by": by, "from": from_, "to": to, "groups": [g.as_dict() for g in groups], "total": total.as_dict()}


@router.get("/evaluation/stats.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"}})
def evaluation_stats_csv(session: SessionDep, user: EvaluatorUser, by: By = "department",
                         from_: Annotated[date | None, Query(alias="from")] = None,
                         to: Annotated[date | None, Query()] = None, department: str | None = None,
                         matter: str | None = None, channel: str | None = None):
    groups, total = stats.compute(session, by, from_, to, _filters(department, matter, channel))
    return Response(stats.to_csv(groups, total), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="review-stats-{by}.csv"'})


@router.get("/evaluation/reviews")
def evaluation_reviews(session: SessionDep, user: EvaluatorUser, department: str | None = None,
                       matter: str | None = None, channel: str | None = None, window: str | None = None,
                       officer: str | None = None, bad: bool = False, flagged: bool = False,
                       limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0):
    """The reviews behind a figure (drill-down); reviewers' names masked, no application data."""
    rows, total = svc.list_reviews(session, department=department, matter=matter, channel=_channel(channel),
                                   window=window, officer=officer, bad_only=bad, flagged_only=flagged,
                                   limit=limit, offset=offset)
    return {"items": [review_out(r, user).model_dump(mode="json") for r in rows], "total": total}


@router.get("/matters/{code}/reviews")
def matter_reviews(code: str, session: SessionDep, limit: Annotated[int, Query(ge=1, le=50)] = 10):
    """Public disclosure (评价公开): a matter's satisfaction and latest reviews with answers, names masked."""
    total = stats.public_rate(session, code)
    return {"matter_code": code, "reviews": total.reviews, "satisfaction_rate": total.satisfaction_rate,
            "items": [{"score": r.score, "grade": rules.GRADES[r.score][0], "comment": r.comment,
                       "reviewer": svc.reviewer_display(r), "channel": r.channel.value, "created_at": r.created_at,
                       "follow_up": r.follow_up, "answer": r.ticket.answer if r.ticket and r.ticket.answer else None}
                      for r in svc.public_reviews(session, code, limit)]}


def _channel(value: str | None) -> str | None:
    return value if value in {c.value for c in rules.CHANNELS} else None


def _filters(department: str | None, matter: str | None, channel: str | None) -> dict[str, str]:
    return {k: v for k, v in {"department": department, "matter": matter, "channel": _channel(channel)}.items() if v}
