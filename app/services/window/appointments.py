"""预约: half-hour slots per centre and working day for matters that need the applicant on site; a
slot's capacity holds under concurrency (an atomic conditional update), one booking per person per day."""
from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core import audit
from app.core.clock import china_today
from app.core.config import get_settings
from app.core.db import utcnow
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.identity.models import User
from app.matters import service as matter_service
from app.services.applications import deadlines
from app.services.window import service as window_service
from app.services.window.exceptions import AlreadyBooked, SlotFull
from app.services.window.models import Appointment, AppointmentSlot, AppointmentStatus

STARTS = ("09:00", "09:30", "10:00", "10:30", "11:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30")
BOOK_AHEAD_DAYS = 30


def bookable_days(today: date | None = None) -> list[date]:
    """The working days from tomorrow up to BOOK_AHEAD_DAYS ahead (chinese-calendar)."""
    today = today or china_today()
    return [d for d in (today + timedelta(days=i) for i in range(1, BOOK_AHEAD_DAYS + 1)) if deadlines.is_workday(d)]


def slots(session: Session, centre_code: str, day: date) -> list[dict]:
    """Each slot of a day with its capacity and what is left."""
    centre = window_service.get_centre(session, centre_code)
    booked = {s.start: s.booked for s in session.scalars(select(AppointmentSlot).where(
        AppointmentSlot.centre_code == centre_code, AppointmentSlot.day == day)
        .execution_options(populate_existing=True))}
    return [{"start": s, "capacity": centre.slot_capacity, "left": max(0, centre.slot_capacity - booked.get(s, 0))}
            for s in STARTS]


def _slot(session: Session, centre_code: str, day: date, start: str, capacity: int) -> AppointmentSlot:
    """The slot row, created on first use; a concurrent creation is absorbed by the savepoint."""
    stmt = select(AppointmentSlot).where(AppointmentSlot.centre_code == centre_code, AppointmentSlot.day == day,
                                         AppointmentSlot.start == start)
    row = session.scalar(stmt)
    if row is None:
        try:
            with session.begin_nested():
                session.add(AppointmentSlot(centre_code=centre_code, day=day, start=start, capacity=capacity, booked=0))
        except IntegrityError:
            pass
        row = session.scalar(stmt)
    return row


def book(session: Session, user: User, *, matter_code: str, centre_code: str, day: date, start: str,
         ip: str = "") -> Appointment:
    """Book one slot for an on-site matter; 409 when the slot is full or the person has a booking that day."""
    if not user.role.is_applicant:
        raise Forbidden("仅限申请人预约 / Only applicants book appointments")
    matter = matter_service.get_matter(session, matter_code)
    if not matter.onsite:
        raise ValidationFailed("该事项无需到现场，无需预约 / This matter needs no visit and no booking",
                               code="not_onsite")
    centre = window_service.get_centre(session, centre_code)
    if day not in bookable_days():
        raise ValidationFailed("请选择今后30天内的工作日 / Choose a working day within the next 30 days",
                               fields={"day": "invalid"})
    if start not in STARTS:
        raise ValidationFailed("没有该时段 / No such time slot", fields={"start": "invalid"})
    active_key = f"{user.id}:{day.isoformat()}"
    if session.scalar(select(Appointment.id).where(Appointment.active_key == active_key)):
        raise AlreadyBooked()
    slot = _slot(session, centre.code, day, start, centre.slot_capacity)
    taken = session.execute(update(AppointmentSlot).where(AppointmentSlot.id == slot.id,
                                                           AppointmentSlot.booked < AppointmentSlot.capacity)
                            .values(booked=AppointmentSlot.booked + 1).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise SlotFull()
    appt = Appointment(slot_id=slot.id, centre_code=centre.code, day=day, start=start, matter_code=matter.code,
                       user_id=user.id, active_key=active_key)
    session.add(appt)
    session.flush()  # a concurrent second booking of this person that day: unique active_key → 409
    audit.record(session, actor=user.username, action="appointment.book", object_type="appointment",
                 object_id=str(appt.id), ip=ip, detail={"centre": centre.code, "day": day.isoformat(), "start": start})
    return appt


def cancel(session: Session, user: User, appointment_id: int, *, ip: str = "") -> Appointment:
    appt = session.get(Appointment, appointment_id)
    if appt is None or appt.user_id != user.id:
        raise NotFound("没有该预约 / No such booking")
    if appt.status != AppointmentStatus.booked:
        raise ValidationFailed("该预约已取消或已到场 / This booking is already cancelled or used", code="not_booked")
    appt.status, appt.active_key, appt.cancelled_at = AppointmentStatus.cancelled, None, utcnow()
    session.execute(update(AppointmentSlot).where(AppointmentSlot.id == appt.slot_id, AppointmentSlot.booked > 0)
                    .values(booked=AppointmentSlot.booked - 1).execution_options(synchronize_session=False))
    session.flush()
    audit.record(session, actor=user.username, action="appointment.cancel", object_type="appointment",
                 object_id=str(appt.id), ip=ip)
    return appt


def reschedule(session: Session, user: User, appointment_id: int, *, centre_code: str, day: date, start: str,
               ip: str = "") -> Appointment:
    """改约: the old booking is cancelled and the new one booked together, or neither (a full slot
    or a clash leaves the old booking as it was)."""
    old = session.get(Appointment, appointment_id)
    if old is None or old.user_id != user.id:
        raise NotFound("没有该预约 / No such booking")
    matter_code = old.matter_code
    with session.begin_nested():
        cancel(session, user, appointment_id, ip=ip)
        return book(session, user, matter_code=matter_code, centre_code=centre_code, day=day, start=start, ip=ip)


def get_own(session: Session, user: User, appointment_id: int) -> Appointment:
    appt = session.get(Appointment, appointment_id)
    if appt is None or appt.user_id != user.id:
        raise NotFound("没有该预约 / No such booking")
    return appt


def code_of(appt: Appointment) -> str:
    """The booking code the applicant types at the kiosk: the number and a keyed check (not guessable)."""
    key = hashlib.sha256(b"appointment:" + get_settings().secret_key.encode()).digest()
    check = hmac.new(key, str(appt.id).encode(), hashlib.sha256).hexdigest()[:4].upper()
    return f"{appt.id}-{check}"


def find_by_code(session: Session, code: str) -> Appointment | None:
    """The booking a kiosk code names, or None (unknown number or wrong check)."""
    number, _sep, _check = "".join((code or "").split()).upper().partition("-")
    if not number.isdigit() or len(number) > 12:
        return None
    appt = session.get(Appointment, int(number))
    return appt if appt is not None and hmac.compare_digest(code_of(appt), "".join(code.split()).upper()) else None


def mine(session: Session, user: User) -> list[Appointment]:
    return list(session.scalars(select(Appointment).where(Appointment.user_id == user.id)
                                .order_by(Appointment.day.desc(), Appointment.start)))


def for_day(session: Session, officer: User, day: date | None = None) -> list[Appointment]:
    """The day's bookings at the officer's centre (today by default)."""
    window = window_service.officer_window(session, officer)
    return list(session.scalars(select(Appointment).where(
        Appointment.centre_code == window.centre_code, Appointment.day == (day or china_today()),
        Appointment.status != AppointmentStatus.cancelled).order_by(Appointment.start, Appointment.id)))


def mark_no_show(session: Session, officer: User, appointment_id: int) -> Appointment:
    window = window_service.officer_window(session, officer)
    appt = session.get(Appointment, appointment_id)
    if appt is None or appt.centre_code != window.centre_code or appt.status != AppointmentStatus.booked:
        raise NotFound("没有该预约 / No such booking")
    appt.status, appt.active_key = AppointmentStatus.no_show, None
    session.flush()
    return appt
