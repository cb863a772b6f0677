"""Reviews (好差评): one per application by its applicant, within the review period after
completion; a follow-up (追评); burst flags; the reviews a page may show."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.core import audit, reads
from app.core.config import get_settings
from app.core.db import utcnow
from app.identity.models import User
from app.evaluation import rectification, rollups, rules
from app.evaluation.exceptions import (AlreadyReviewed, NotReviewable, OwnTransaction, ReviewInvalid,
                                       ReviewNotFound, ReviewPeriodOver)
from app.evaluation.models import Responsibility, Review, ReviewChannel
from app.evaluation.schemas import ReviewCreate
from app.services.applications import service as applications
from app.services.applications.exceptions import ApplicationNotFound
from app.services.applications.models import Application, Channel, Status

COMPLETED = {Status.issued: "issued_at", Status.denied: "decided_at", Status.refused: "decided_at"}
# Actions a member of staff takes on an application: whoever took one may not review it.
STAFF_ACTIONS = {"accept", "refuse", "start_review", "request_correction", "approve", "deny", "issue",
                 "return_to_window", "review_opinion"}


def completed_at(app: Application) -> datetime | None:
    """When the application was completed (issued, denied or refused); None while it is open."""
    attr = COMPLETED.get(app.status)
    return getattr(app, attr) or app.updated_at if attr else None


def review_deadline(app: Application) -> datetime | None:
    done = completed_at(app)
    return done + timedelta(days=get_settings().review_period_days) if done else None


_REVIEW_FOR = (select(Review).where(Review.application_id == bindparam("application_id"))
               .options(selectinload(Review.ticket), selectinload(Review.appeal)))  # built once


_HAS_REVIEW = select(Review.__table__.c.id).where(Review.__table__.c.application_id == bindparam("application_id"))


def get_review_for(session: Session, application_id: int) -> Review | None:
    # Most applications have no review: a plain row says so at a third of an entity query's cost.
    if reads.rows(session, _HAS_REVIEW, {"application_id": application_id}).first() is None:
        return None
    return session.scalar(_REVIEW_FOR, {"application_id": application_id})


def reviewable_application(session: Session, number: str, user: User) -> Application:
    """The application if `user` is its applicant (anyone else: 404, no probing)."""
    app = applications.get_for_user(session, number, user)
    if app.applicant_user_id != user.id:
        if any(e.actor == user.username and e.action in STAFF_ACTIONS for e in app.events) \
                or app.decision_by == user.username:
            raise OwnTransaction()
        raise ApplicationNotFound(number)
    return app


def can_review(app: Application, now: datetime | None = None) -> bool:
    deadline = review_deadline(app)
    return deadline is not None and (now or utcnow()) <= deadline


def _validate(body: ReviewCreate, app: Application) -> tuple[dict, list[str], str]:
    allowed = rules.indicator_set(body.channel, app.channel.value)
    unknown = sorted(set(body.indicators) - set(allowed))
    if unknown:
        raise ReviewInvalid(f"该渠道没有这些评价指标：{', '.join(unknown)} / indicators not used on this channel: "
                            f"{', '.join(unknown)}", fields={"indicators": "unknown: " + ", ".join(unknown)})
    tags = list(dict.fromkeys(body.tags))
    bad_tags = [t for t in tags if t not in rules.TAGS]
    if bad_tags:
        raise ReviewInvalid("标签无效 / unknown tags", fields={"tags": "unknown: " + ", ".join(bad_tags)})
    comment = body.comment.replace("\x00", "").strip()
    return dict(body.indicators), tags, comment


def _burst_flag(session: Session, user: User, ip: str, now: datetime) -> str | None:
    since = now - timedelta(minutes=rules.BURST_WINDOW_MINUTES)
    by_account = session.scalar(select(func.count()).select_from(Review).where(
        Review.reviewer_user_id == user.id, Review.created_at >= since)) or 0
    if by_account >= rules.BURST_PER_ACCOUNT:
        return f"burst: {by_account + 1} reviews from one account within {rules.BURST_WINDOW_MINUTES} min"
    if ip:
        by_ip = session.scalar(select(func.count()).select_from(Review).where(
            Review.ip == ip, Review.created_at >= since)) or 0
        if by_ip >= rules.BURST_PER_IP:
            return f"burst: {by_ip + 1} reviews from one IP within {rules.BURST_WINDOW_MINUTES} min"
    return None


def create_review(session: Session, number: str, user: User, body: ReviewCreate, *, ip: str = "",
                  now: datetime | None = None) -> Review:
    """Rate a completed application once (一事一评); a bad review opens a rectification ticket."""
    now = now or utcnow()
    app = reviewable_application(session, number, user)
    if get_review_for(session, app.id) is not None:
        raise AlreadyReviewed()
    if completed_at(app) is None:
        raise NotReviewable("办结后才能评价 / An application can be reviewed once it is completed")
    if not can_review(app, now):
        raise ReviewPeriodOver(f"已超过评价期限（办结后{get_settings().review_period_days}天） / The review period "
                               f"({get_settings().review_period_days} days after completion) is over")
    indicators, tags, comment = _validate(body, app)
    front_desk = app.channel == Channel.window or body.channel == ReviewChannel.window_pad
    review = Review(application_id=app.id, application_number=app.number, matter_code=app.matter_code,
                    department_code=app.department_code, window_code=app.window_code,
                    officer_username=_officer(app) if front_desk else None,
                    responsibility=Responsibility.both if front_desk else Responsibility.back_office,
                    channel=body.channel, score=body.score, indicators=indicators, tags=tags, comment=comment,
                    anonymous=body.anonymous, reviewer_user_id=user.id, reviewer_name=app.applicant_name,
                    ip=ip, created_at=now, flag=_burst_flag(session, user, ip, now))
    try:
        with session.begin_nested():
            session.add(review)
            session.flush()
    except IntegrityError:  # a concurrent first review won the unique constraint
        raise AlreadyReviewed() from None
    audit.record(session, actor=user.username, action="review.create", object_type="application",
                 object_id=app.number, ip=ip, detail={"score": body.score, "channel": body.channel.value})
    ticket = rectification.open_ticket(session, review, now) if review.is_bad else None
    rollups.apply(session, review, rollups.contribution(review, ticket))
    return review


def _officer(app: Application) -> str | None:
    """The front-desk officer: whoever took the application in at the window."""
    taken = next((e.actor for e in app.events if e.action in ("accept", "refuse")), None)
    return taken if app.channel == Channel.window else None


def add_follow_up(session: Session, number: str, user: User, comment: str, *, ip: str = "") -> Review:
    """One follow-up (追评) to one's own review."""
    app = reviewable_application(session, number, user)
    review = get_review_for(session, app.id)
    if review is None:
        raise ReviewNotFound()
    if review.follow_up is not None:
        raise NotReviewable("已追评过一次 / You have already added a follow-up")
    review.follow_up = comment.replace("\x00", "").strip()[:rules.MAX_COMMENT]
    review.follow_up_at = utcnow()
    session.flush()
    audit.record(session, actor=user.username, action="review.follow_up", object_type="application",
                 object_id=app.number, ip=ip)
    return review


def reviewer_display(review: Review, viewer: User | None = None) -> str:
    """The reviewer's name for others: masked, or 匿名 when anonymous; in full only for the reviewer."""
    if viewer is not None and viewer.id == review.reviewer_user_id:
        return review.reviewer_name
    if review.anonymous:
        return "匿名用户"
    return mask_name(review.reviewer_name)


def mask_name(name: str) -> str:
    """李明 → 李*; 上海徐汇示范科技有限公司 → 上海**********: the surname or first two characters only."""
    keep = 1 if len(name) <= 3 else 2
    return name[:keep] + "*" * max(len(name) - keep, 1)


def public_reviews(session: Session, matter_code: str, limit: int = 10) -> list[Review]:
    """A matter's latest reviews that count (upheld appeals excluded), with their tickets."""
    return list(session.scalars(select(Review).where(Review.matter_code == matter_code, Review.excluded.is_(False))
                                .options(selectinload(Review.ticket))
                                .order_by(Review.created_at.desc(), Review.id.desc()).limit(limit)))


def get_review(session: Session, review_id: int) -> Review:
    review = session.scalar(select(Review).where(Review.id == review_id)
                            .options(selectinload(Review.ticket), selectinload(Review.appeal)))
    if review is None:
        raise ReviewNotFound()
    return review


def list_reviews(session: Session, *, department: str | None = None, matter: str | None = None,
                 channel: str | None = None, window: str | None = None, officer: str | None = None,
                 bad_only: bool = False, flagged_only: bool = False, start: datetime | None = None,
                 end: datetime | None = None, limit: int = 50, offset: int = 0) -> tuple[list[Review], int]:
    """Reviews for the evaluator's drill-down (no application data beyond the number)."""
    stmt = select(Review)
    for col, value in ((Review.department_code, department), (Review.matter_code, matter),
                       (Review.window_code, window), (Review.officer_username, officer)):
        if value:
            stmt = stmt.where(col == value)
    if channel:
        stmt = stmt.where(Review.channel == ReviewChannel(channel))
    if bad_only:
        stmt = stmt.where(Review.score <= rules.BAD_MAX)
    if flagged_only:
        stmt = stmt.where(Review.flag.is_not(None))
    if start:
        stmt = stmt.where(Review.created_at >= start)
    if end:
        stmt = stmt.where(Review.created_at < end)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.options(selectinload(Review.ticket), selectinload(Review.appeal))
                           .order_by(Review.created_at.desc(), Review.id.desc()).limit(limit).offset(offset))
    return list(rows), total
