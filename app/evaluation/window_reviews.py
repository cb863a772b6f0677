"""一次一评: one review per window transaction (a window intake), given on the rating pad (评价器) —
the officer's desk screen turned to the applicant after the transaction. The window indicators
(整体满意度, 服务效率, 服务水平, 服务态度); attributed to the window and the officer (front desk) and to
the department (back office); channel window_pad. The unique review.intake_id is the rule (and the
unique application_id: a window application is rated once, at the pad or online)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.core import audit
from app.core.config import get_settings
from app.core.db import utcnow
from app.core.errors import NotFound
from app.identity import access
from app.identity.models import User
from app.evaluation import rectification, rollups, rules
from app.evaluation.exceptions import AlreadyReviewed, NotReviewable, ReviewInvalid, ReviewPeriodOver
from app.evaluation.models import Responsibility, Review, ReviewChannel
from app.evaluation.schemas import ReviewCreate
from app.evaluation.service import _burst_flag
from app.services.applications.models import Application, Status
from app.services.window.models import WindowIntake


class IntakeNotFound(NotFound):
    code = "intake_not_found"

    def __init__(self):
        super().__init__("没有该窗口办件记录 / No such window transaction")


def transaction_at(intake: WindowIntake, app: Application) -> datetime | None:
    """When the window transaction ended: accepted, refused, given a one-time notice, finished on the
    spot or handed out (the latest of these); None while the applicant is still at the desk."""
    times = [intake.accepted_at, intake.handed_out_at, app.decided_at if app.status == Status.refused else None]
    if intake.notice_blob or intake.completed_on_spot:
        times.append(app.updated_at or intake.created_at)
    times = [t for t in times if t is not None]
    return max(times) if times else None


def pad_context(session: Session, intake_id: int, officer: User) -> tuple[WindowIntake, Application, Review | None]:
    """The intake, its application and its review if any, for the officer whose desk shows the pad
    (anyone else: 404, no probing)."""
    intake = session.get(WindowIntake, intake_id) if 0 < intake_id < 2**31 else None
    if intake is None:
        raise IntakeNotFound()
    app = session.scalar(select(Application).where(Application.id == intake.application_id)
                         .options(selectinload(Application.events)))
    if not access.shows_rating_pad(officer, window_code=intake.window_code, applicant_user_id=app.applicant_user_id):
        raise IntakeNotFound()
    review = session.scalar(select(Review).where((Review.intake_id == intake.id) | (Review.application_id == app.id))
                            .options(selectinload(Review.ticket)))
    return intake, app, review


def create_pad_review(session: Session, intake_id: int, officer: User, body: ReviewCreate, *, ip: str = "",
                      now: datetime | None = None) -> Review:
    """The applicant rates the window transaction on the pad; a 1–2 ★ review opens a ticket."""
    now = now or utcnow()
    intake, app, existing = pad_context(session, intake_id, officer)
    if existing is not None:
        raise AlreadyReviewed()
    done = transaction_at(intake, app)
    if done is None:
        raise NotReviewable("本次窗口服务尚未办结，办结后再评价 / The transaction is not finished yet")
    period = get_settings().review_period_days
    if now > done + timedelta(days=period):
        raise ReviewPeriodOver(f"已超过评价期限（{period}天） / The review period ({period} days) is over")
    unknown = sorted(set(body.indicators) - set(rules.WINDOW_INDICATORS))
    if unknown:
        raise ReviewInvalid(f"窗口评价没有这些指标：{', '.join(unknown)} / indicators not used at the window: "
                            f"{', '.join(unknown)}", fields={"indicators": "unknown: " + ", ".join(unknown)})
    tags = list(dict.fromkeys(body.tags))
    if any(t not in rules.TAGS for t in tags):
        raise ReviewInvalid("标签无效 / unknown tags", fields={"tags": "unknown"})
    applicant = session.get(User, app.applicant_user_id)
    review = Review(application_id=app.id, intake_id=intake.id, application_number=app.number,
                    matter_code=app.matter_code, department_code=intake.department_code,
                    window_code=intake.window_code, officer_username=intake.officer,
                    responsibility=Responsibility.both, channel=ReviewChannel.window_pad, score=body.score,
                    indicators=dict(body.indicators), tags=tags, comment=body.comment.replace("\x00", "").strip(),
                    anonymous=body.anonymous, reviewer_user_id=applicant.id, reviewer_name=app.applicant_name,
                    ip=ip, created_at=now,
                    # the pad sits at a desk that serves many people: bursts are judged by applicant only
                    flag=_burst_flag(session, applicant, "", now))
    try:
        with session.begin_nested():
            session.add(review)
            session.flush()
    except IntegrityError:  # a second tap, or the online review, won the unique constraint
        raise AlreadyReviewed() from None
    audit.record(session, actor=officer.username, action="review.window_pad", object_type="application",
                 object_id=app.number, ip=ip, detail={"score": body.score, "intake": intake.id})
    ticket = rectification.open_ticket(session, review, now) if review.is_bad else None
    rollups.apply(session, review, rollups.contribution(review, ticket))
    return review
