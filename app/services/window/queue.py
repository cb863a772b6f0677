"""取号: tickets taken at a centre's kiosk, called to a window, served or not shown; the times recorded
make the waiting and service times."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.clock import china_today
from app.core.db import utcnow
from app.core.errors import ValidationFailed
from app.identity.models import User
from app.matters import service as matter_service
from app.services.window import service as window_service
from app.services.window.exceptions import NoTicket
from app.services.window.models import Appointment, AppointmentStatus, QueueTicket, TicketStatus

# Ticket letters: A for a matter group (theme), C for collecting a result, Y for an appointment.
PREFIX = {"handout": "C", "appointment": "Y"}
DISPLAYED = 8  # called numbers shown on the public display


def groups(session: Session) -> list[tuple[str, tuple[str, str]]]:
    """What a kiosk offers: one button per theme, plus collecting a result."""
    return [(t.code, (t.name, t.name_en or t.name)) for t in matter_service.list_themes(session)] + [
        ("handout", ("领取办理结果", "Collect a result"))]


def take_ticket(session: Session, centre_code: str, group: str, *, appointment_id: int | None = None) -> QueueTicket:
    """A new number for today at this centre. An appointment's holder gets a Y number (called first)."""
    window_service.get_centre(session, centre_code)
    if appointment_id is not None:
        appt = session.get(Appointment, appointment_id)
        if appt is None or appt.centre_code != centre_code or appt.day != china_today() \
                or appt.status != AppointmentStatus.booked:
            raise ValidationFailed("预约不存在或不是今天在本中心 / No booking for today at this centre",
                                   code="appointment_invalid")
        appt.status = AppointmentStatus.attended
        group = "appointment"
    elif group not in dict(groups(session)):
        raise ValidationFailed("请选择办事类别 / Choose what you have come for", fields={"group": "invalid"})
    day = china_today()
    prefix = PREFIX.get(group, "A")
    count = session.scalar(select(func.count()).select_from(QueueTicket).where(
        QueueTicket.centre_code == centre_code, QueueTicket.day == day,
        QueueTicket.number.like(f"{prefix}%"))) or 0
    # Two kiosks taking the same number at once: the unique (centre, day, number) makes one a 409.
    ticket = QueueTicket(centre_code=centre_code, day=day, number=f"{prefix}{count + 1:03d}", group=group,
                         appointment_id=appointment_id)
    session.add(ticket)
    session.flush()
    return ticket


def call_next(session: Session, officer: User) -> QueueTicket | None:
    """The officer's "call next": appointments first, then the earliest ticket; hand-out tickets go to
    hand-out windows only. None when nobody is waiting."""
    window = window_service.officer_window(session, officer)
    stmt = select(QueueTicket).where(QueueTicket.centre_code == window.centre_code, QueueTicket.day == china_today(),
                                     QueueTicket.status == TicketStatus.waiting)
    if not window.handout:
        stmt = stmt.where(QueueTicket.group != "handout")
    tickets = list(session.scalars(stmt.order_by(QueueTicket.id)))
    if not tickets:
        return None
    ticket = min(tickets, key=lambda t: (t.group != "appointment", t.id))
    # Two officers calling the same ticket: the version column makes the second flush a 409.
    ticket.status, ticket.called_at = TicketStatus.called, utcnow()
    ticket.window_code, ticket.officer = window.code, officer.username
    session.flush()
    return ticket


def finish(session: Session, officer: User, ticket_id: int, *, served: bool = True) -> QueueTicket:
    """Served (the service time ends) or not shown."""
    ticket = session.get(QueueTicket, ticket_id)
    if ticket is None or ticket.officer != officer.username or ticket.status != TicketStatus.called:
        raise NoTicket("没有您正在办理的这个号 / You are not serving this ticket")
    ticket.status = TicketStatus.served if served else TicketStatus.no_show
    ticket.served_at = utcnow()
    session.flush()
    return ticket


def waiting(session: Session, centre_code: str) -> list[QueueTicket]:
    """Who waits at a centre today, in the order they will be called (appointments first)."""
    rows = list(session.scalars(select(QueueTicket).where(
        QueueTicket.centre_code == centre_code, QueueTicket.day == china_today(),
        QueueTicket.status == TicketStatus.waiting).order_by(QueueTicket.id)))
    return sorted(rows, key=lambda t: (t.group != "appointment", t.id))


def waited_minutes(ticket: QueueTicket) -> int:
    """Minutes from taking the ticket to being called (or to now while waiting)."""
    return max(0, int(_seconds(ticket.called_at or utcnow(), ticket.taken_at) // 60))


def served_minutes(ticket: QueueTicket) -> int | None:
    """Minutes at the window so far (or in all, once served)."""
    if ticket.called_at is None:
        return None
    return max(0, int(_seconds(ticket.served_at or utcnow(), ticket.called_at) // 60))


def current(session: Session, officer: User) -> QueueTicket | None:
    return session.scalar(select(QueueTicket).where(QueueTicket.officer == officer.username,
                                                    QueueTicket.status == TicketStatus.called,
                                                    QueueTicket.day == china_today()).order_by(QueueTicket.id.desc()))


def display(session: Session, centre_code: str) -> list[QueueTicket]:
    """The latest numbers called to a window today, newest first."""
    return list(session.scalars(select(QueueTicket).where(
        QueueTicket.centre_code == centre_code, QueueTicket.day == china_today(), QueueTicket.called_at.is_not(None))
        .order_by(QueueTicket.called_at.desc(), QueueTicket.id.desc()).limit(DISPLAYED)))


def _seconds(later: datetime, earlier: datetime) -> float:
    fix = lambda d: d if d.tzinfo else d.replace(tzinfo=timezone.utc)  # noqa: E731 (SQLite returns naive UTC)
    return (fix(later) - fix(earlier)).total_seconds()


def figures(session: Session, centre_code: str) -> dict[str, Any]:
    """Today at a centre: how many wait, and the mean waiting and service times in minutes."""
    rows = list(session.scalars(select(QueueTicket).where(QueueTicket.centre_code == centre_code,
                                                          QueueTicket.day == china_today())))
    waits = [_seconds(t.called_at, t.taken_at) for t in rows if t.called_at]
    services = [_seconds(t.served_at, t.called_at) for t in rows if t.served_at and t.status == TicketStatus.served]
    return {"waiting": sum(t.status == TicketStatus.waiting for t in rows), "taken": len(rows),
            "served": len(services), "no_show": sum(t.status == TicketStatus.no_show for t in rows),
            "mean_wait_minutes": round(sum(waits) / len(waits) / 60, 1) if waits else None,
            "mean_service_minutes": round(sum(services) / len(services) / 60, 1) if services else None}
