"""The bad-review loop (整改): awaiting contact → verified (reasonable / unreasonable / malicious) →
rectifying → answered → rated by the reviewer → closed, with working-day deadlines ("1、5、15")."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.core import audit
from app.core.clock import CHINA_TZ
from app.core.db import utcnow
from app.identity.models import Role, User
from app.evaluation import rollups, rules
from app.evaluation.exceptions import TicketNotFound, TicketStateError
from app.evaluation.models import (AnswerRating, Complexity, Rectification, Review, TicketStatus, Verdict)
from app.services.applications import deadlines

T = TicketStatus
# A ticket with its review, the review's appeal and (for presenters) the review's own ticket link.
WITH_REVIEW = selectinload(Rectification.review).options(selectinload(Review.appeal), selectinload(Review.ticket))


def china_date(at: datetime) -> date:
    return at.astimezone(CHINA_TZ).date()


def open_ticket(session: Session, review: Review, now: datetime) -> Rectification:
    """A bad review opens a ticket for the responsible department: contact within 1 working day,
    fixed within 5 (simple; 15 once judged complex)."""
    opened = china_date(now)
    ticket = Rectification(review_id=review.id, department_code=review.department_code, opened_on=opened,
                           contact_due=deadlines.add_working_days(opened, rules.CONTACT_DAYS),
                           rectify_due=deadlines.add_working_days(opened, rules.RECTIFY_DAYS[Complexity.simple]),
                           status=T.awaiting_contact, complexity=Complexity.simple)
    session.add(ticket)
    session.flush()
    review.ticket = ticket
    return ticket


def _review_of(session: Session, ticket: Rectification) -> Review:
    return session.get(Review, ticket.review_id)


def _may_work(user: User, ticket: Rectification) -> bool:
    if user.role == Role.reviewer:
        return user.department_code == ticket.department_code
    return user.role == Role.admin


def get_ticket(session: Session, ticket_id: int, user: User) -> Rectification:
    """A ticket the user's unit answers for (or any, for evaluators and admins); others: 404."""
    ticket = session.scalar(select(Rectification).where(Rectification.id == ticket_id).options(WITH_REVIEW))
    if ticket is None or not (_may_work(user, ticket) or user.role == Role.evaluator):
        raise TicketNotFound()
    return ticket


def list_tickets(session: Session, department: str | None, *, open_only: bool = True, overdue_only: bool = False,
                 limit: int = 50, offset: int = 0) -> tuple[list[Rectification], int]:
    stmt = select(Rectification)
    if department:
        stmt = stmt.where(Rectification.department_code == department)
    if open_only:
        stmt = stmt.where(Rectification.status != T.closed)
    if overdue_only:
        stmt = stmt.where(Rectification.overdue.is_(True))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.options(WITH_REVIEW)
                           .order_by(Rectification.overdue.desc(), Rectification.rectify_due, Rectification.id)
                           .limit(limit).offset(offset))
    return list(rows), total


def _require(ticket: Rectification, user: User, *states: TicketStatus) -> None:
    if not _may_work(user, ticket):
        raise TicketNotFound()
    if ticket.status not in states:
        raise TicketStateError(f"工单当前状态为“{rules.TICKET_STATUS[ticket.status][0]}”，不能执行此操作 / "
                               f"not possible while the ticket is {ticket.status.value}")


def _audit(session: Session, ticket: Rectification, user: User | str, action: str, detail: dict | None = None):
    actor = user if isinstance(user, str) else user.username
    audit.record(session, actor=actor, action=f"rectification.{action}", object_type="rectification",
                 object_id=str(ticket.id), detail=detail or {})


def contact(session: Session, ticket: Rectification, user: User, *, note: str, verdict: Verdict,
            complexity: Complexity = Complexity.simple, now: datetime | None = None) -> Rectification:
    """The unit called the reviewer back and judged the review (核实)."""
    _require(ticket, user, T.awaiting_contact)
    now = now or utcnow()
    review = _review_of(session, ticket)
    before = rollups.contribution(review, ticket)
    ticket.contact_note, ticket.verdict, ticket.complexity = note.strip(), verdict, complexity
    ticket.contacted_at, ticket.contacted_by = now, user.username
    ticket.rectify_due = deadlines.add_working_days(ticket.opened_on, rules.RECTIFY_DAYS[complexity])
    ticket.status = T.rectifying if verdict == Verdict.reasonable else T.verified
    session.flush()
    rollups.settle(session, review, ticket, before)
    _audit(session, ticket, user, "contact", {"verdict": verdict.value, "complexity": complexity.value})
    return ticket


def answer(session: Session, ticket: Rectification, user: User, text: str,
           now: datetime | None = None) -> Rectification:
    """The unit's answer to the reviewer (整改结果或解释说明), published with the review."""
    _require(ticket, user, T.rectifying, T.verified)
    now = now or utcnow()
    review = _review_of(session, ticket)
    before = rollups.contribution(review, ticket)
    ticket.answer, ticket.answered_at, ticket.answered_by = text.strip(), now, user.username
    ticket.answered_on_time = china_date(now) <= ticket.rectify_due
    ticket.status = T.answered
    session.flush()
    rollups.settle(session, review, ticket, before)
    _audit(session, ticket, user, "answer", {"on_time": ticket.answered_on_time})
    return ticket


def rate_answer(session: Session, review: Review, user: User, rating: AnswerRating,
                now: datetime | None = None) -> Rectification:
    """The reviewer rates the answer (满意 / 基本满意 / 不满意); the ticket closes."""
    ticket = review.ticket
    if ticket is None or user.id != review.reviewer_user_id:
        raise TicketNotFound()
    if ticket.status != T.answered:
        raise TicketStateError("尚未答复，不能评价答复 / The ticket has not been answered yet")
    ticket.answer_rating, ticket.status, ticket.closed_at = rating, T.closed, now or utcnow()
    session.flush()
    _audit(session, ticket, user, "rate", {"rating": rating.value})
    return ticket


def close_for_appeal(session: Session, ticket: Rectification, actor: str) -> None:
    """An upheld appeal ends the ticket (the review no longer counts)."""
    if ticket.status != T.closed:
        ticket.status, ticket.closed_at = T.closed, utcnow()
        session.flush()
        _audit(session, ticket, actor, "close_appeal_upheld")


def escalate_overdue(session: Session, today: date) -> list[Rectification]:
    """Flag tickets past a deadline (contact or rectification) and escalate them to the evaluators once."""
    late = session.scalars(select(Rectification).where(
        Rectification.overdue.is_(False),
        or_(Rectification.status == T.awaiting_contact,
            Rectification.status.in_([T.rectifying, T.verified]) & (Rectification.rectify_due < today)),
    )).all()
    flagged = []
    for t in late:
        due = t.contact_due if t.status == T.awaiting_contact else t.rectify_due
        if due >= today:
            continue
        t.overdue, t.escalated_at = True, utcnow()
        flagged.append(t)
        _audit(session, t, "system", "escalate", {"status": t.status.value, "due": due.isoformat()})
    session.flush()
    return flagged


def auto_close_unrated(session: Session, today: date) -> int:
    """An answer the reviewer leaves unrated for 5 working days closes itself (no rating recorded)."""
    n = 0
    for t in session.scalars(select(Rectification).where(Rectification.status == T.answered)).all():
        if deadlines.add_working_days(china_date(t.answered_at), rules.ANSWER_AUTO_CLOSE_DAYS) < today:
            t.status, t.closed_at = T.closed, utcnow()
            _audit(session, t, "system", "auto_close")
            n += 1
    session.flush()
    return n
