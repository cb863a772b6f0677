"""Appeals (申诉复核): the responsible unit says a review is mistaken or malicious, with evidence;
an evaluator decides. An upheld appeal excludes the review from statistics; it stays on record."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.core import audit
from app.core.db import utcnow
from app.identity.models import Role, User
from app.evaluation import rectification, rollups, rules
from app.evaluation.exceptions import AppealRefused, ReviewNotFound
from app.evaluation.models import Appeal, AppealReason, AppealStatus, Review
from app.services.applications import deadlines

WITH_REVIEW = selectinload(Appeal.review).selectinload(Review.ticket)


def file_appeal(session: Session, review: Review, user: User, reason: AppealReason, evidence: str,
                now: datetime | None = None) -> Appeal:
    """The responsible department appeals a review within 5 working days of it."""
    if user.role != Role.reviewer or user.department_code != review.department_code:
        raise ReviewNotFound()
    if session.scalar(select(Appeal.id).where(Appeal.review_id == review.id)) is not None:
        raise AppealRefused("该评价已申诉过 / This review has already been appealed")
    now = now or utcnow()
    filed_on = rectification.china_date(now)
    if filed_on > deadlines.add_working_days(rectification.china_date(review.created_at), rules.APPEAL_FILE_DAYS):
        raise AppealRefused(f"评价后{rules.APPEAL_FILE_DAYS}个工作日内才能申诉 / Appeals must be filed within "
                            f"{rules.APPEAL_FILE_DAYS} working days of the review")
    appeal = Appeal(review_id=review.id, department_code=review.department_code, reason=reason,
                    evidence=evidence.strip(), filed_by=user.username, filed_at=now,
                    decide_due=deadlines.add_working_days(filed_on, rules.APPEAL_DECIDE_DAYS))
    session.add(appeal)
    session.flush()
    audit.record(session, actor=user.username, action="appeal.file", object_type="review", object_id=str(review.id),
                 detail={"reason": reason.value})
    return appeal


def decide(session: Session, appeal: Appeal, user: User, upheld: bool, note: str = "") -> Appeal:
    """The evaluator's decision; upheld → the review is excluded from statistics (kept on record)."""
    if user.role not in (Role.evaluator, Role.admin):
        raise ReviewNotFound()
    if appeal.status != AppealStatus.pending:
        raise AppealRefused("该申诉已复核 / This appeal has already been decided")
    appeal.status = AppealStatus.upheld if upheld else AppealStatus.rejected
    appeal.decided_by, appeal.decided_at, appeal.decision_note = user.username, utcnow(), note.strip()
    review = session.scalar(select(Review).where(Review.id == appeal.review_id).options(selectinload(Review.ticket)))
    if upheld:
        before = rollups.contribution(review, review.ticket)
        review.excluded = True
        rollups.settle(session, review, review.ticket, before)
        if review.ticket is not None:
            rectification.close_for_appeal(session, review.ticket, user.username)
    session.flush()
    audit.record(session, actor=user.username, action="appeal.decide", object_type="review",
                 object_id=str(appeal.review_id), detail={"upheld": upheld})
    return appeal


def get_appeal(session: Session, appeal_id: int) -> Appeal:
    appeal = session.scalar(select(Appeal).where(Appeal.id == appeal_id).options(WITH_REVIEW))
    if appeal is None:
        raise ReviewNotFound()
    return appeal


def pending(session: Session, limit: int = 50) -> tuple[list[Appeal], int]:
    stmt = select(Appeal).where(Appeal.status == AppealStatus.pending)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.options(WITH_REVIEW).order_by(Appeal.decide_due, Appeal.id)
                           .limit(limit))
    return list(rows), total


def flag_overdue(session: Session, today: date) -> int:
    """Appeals the evaluators have not decided in time are flagged (shown first on the dashboard)."""
    rows = session.scalars(select(Appeal).where(Appeal.status == AppealStatus.pending, Appeal.overdue.is_(False),
                                                Appeal.decide_due < today)).all()
    for a in rows:
        a.overdue = True
        audit.record(session, actor="system", action="appeal.overdue", object_type="review", object_id=str(a.review_id))
    session.flush()
    return len(rows)
