"""预约 pages: an applicant books a half-hour slot for a matter that needs them on site (centre,
working day, time, places left shown), cancels or reschedules it from "my appointments"; the officer
sees the day's bookings at the centre and records no-shows."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.core.clock import china_today
from app.core.db import RowId, SessionDep
from app.core.errors import PortalError
from app.core.i18n import gettext as _, pick
from app.core.templating import render
from app.identity.deps import ApplicantUser, CsrfProtected, client_ip
from app.identity.models import User
from app.matters import service as matter_service
from app.matters.models import Matter
from app.services.applications.page_context import matter_names
from app.services.window import appointments
from app.services.window import service as window_service
from app.services.window.models import Appointment, AppointmentStatus
from app.services.window_pages.common import Officer, desk_context, message

router = APIRouter()
STATUS = {"booked": "已预约", "cancelled": "已取消", "attended": "已到场", "no_show": "未到场"}
DONE = {"booked": "预约成功。请在预约时段到服务中心，在取号机输入预约码取号。", "cancelled": "预约已取消。",
        "rescheduled": "已改约，原预约已取消。", "no_show": "已记为未到场。"}
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _day_label(d: date) -> str:
    return f"{d.isoformat()} {_(WEEKDAYS[d.weekday()])}"


def _picker(request: Request, session: Session, matter: Matter, *, action: str, base: str, centre: str, day: str,
            errors: dict | None = None, start: str = "", current: Appointment | None = None, status_code: int = 200):
    centres = window_service.list_centres(session)
    days = appointments.bookable_days()
    chosen_centre = next((c for c in centres if c.code == centre), None)
    chosen_day = _day(day)
    errors = dict(errors or {})
    if day and chosen_day not in days:
        errors.setdefault("day", _("请选择今后30天内的工作日"))
        chosen_day = None
    slots = appointments.slots(session, chosen_centre.code, chosen_day) if chosen_centre and chosen_day else []
    return render(request, "window/appointment_book.html", {
        "matter": matter, "matter_name": pick(matter.name, matter.name_en), "action": action, "base": base,
        "centres": [(c.code, pick(c.name, c.name_en), pick(c.address, c.address_en)) for c in centres],
        "days": [(d.isoformat(), _day_label(d)) for d in days], "centre": chosen_centre.code if chosen_centre else "",
        "centre_name": pick(chosen_centre.name, chosen_centre.name_en) if chosen_centre else "",
        "day": chosen_day.isoformat() if chosen_day else "", "slots": slots, "start": start,
        "capacity": chosen_centre.slot_capacity if chosen_centre else 0, "current": current,
        "errors": errors}, status_code=status_code)


def _onsite(session: Session, code: str) -> Matter:
    return matter_service.get_matter(session, code)


@router.get("/matters/{code}/appointment")
def book_page(code: str, request: Request, session: SessionDep, user: ApplicantUser, centre: str = "",
              day: str = ""):
    matter = _onsite(session, code)
    return _picker(request, session, matter, action=f"/matters/{matter.code}/appointment",
                   base=f"/matters/{matter.code}/appointment", centre=centre[:40], day=day[:10])


def _booking_errors(e: PortalError) -> dict[str, str]:
    if e.code in ("slot_full", "already_booked"):
        return {"start": message(e)}
    key = next(iter(e.fields), "form") if e.fields else "form"
    return {key if key in ("day", "start") else "form": message(e)}


def _try_book(request: Request, session: Session, matter: Matter, user: User, *, action: str, base: str,
              centre: str, day: str, start: str, book, done: str, current: Appointment | None = None):
    chosen = _day(day)
    errors = {}
    if not centre:
        errors["centre"] = _("请选择服务中心")
    if chosen is None:
        errors["day"] = _("请选择日期")
    if not start:
        errors["start"] = _("请选择时段")
    if not errors:
        try:
            with session.begin_nested():
                book(chosen)
        except PortalError as e:
            session.expire_all()
            errors = _booking_errors(e)
            return _picker(request, session, matter, action=action, base=base, centre=centre, day=day, start=start,
                           errors=errors, current=current, status_code=e.status_code)
        return RedirectResponse(f"/me/appointments?done={done}", status_code=303)
    return _picker(request, session, matter, action=action, base=base, centre=centre, day=day, start=start,
                   errors=errors, current=current, status_code=422)


@router.post("/matters/{code}/appointment", dependencies=[CsrfProtected])
def book(code: str, request: Request, session: SessionDep, user: ApplicantUser,
         centre: Annotated[str, Form(max_length=40)] = "", day: Annotated[str, Form(max_length=10)] = "",
         start: Annotated[str, Form(max_length=5)] = ""):
    """Book the slot; a full slot or a second booking that day is explained on the page (409)."""
    matter = _onsite(session, code)
    url = f"/matters/{matter.code}/appointment"
    return _try_book(request, session, matter, user, action=url, base=url, centre=centre, day=day, start=start,
                     done="booked", book=lambda d: appointments.book(
                         session, user, matter_code=matter.code, centre_code=centre, day=d, start=start,
                         ip=client_ip(request)))


def _row(session: Session, a: Appointment, centres: dict[str, str]) -> dict:
    return {"id": a.id, "matter": matter_names(a.matter_code), "centre": centres.get(a.centre_code, a.centre_code),
            "day": _day_label(a.day), "start": a.start, "status": a.status.value, "status_label": _(STATUS[a.status.value]),
            "code": appointments.code_of(a), "active": a.status == AppointmentStatus.booked and a.day >= china_today()}


def _centre_names(session: Session) -> dict[str, str]:
    return {c.code: pick(c.name, c.name_en) for c in window_service.list_centres(session)}


@router.get("/me/appointments")
def mine(request: Request, session: SessionDep, user: ApplicantUser, done: str = ""):
    names = _centre_names(session)
    return render(request, "window/my_appointments.html", {
        "rows": [_row(session, a, names) for a in appointments.mine(session, user)],
        "done": _(DONE[done]) if done in DONE else ""})


@router.post("/me/appointments/{appointment_id}/cancel", dependencies=[CsrfProtected])
def cancel(appointment_id: RowId, request: Request, session: SessionDep, user: ApplicantUser):
    appointments.cancel(session, user, appointment_id, ip=client_ip(request))
    return RedirectResponse("/me/appointments?done=cancelled", status_code=303)


@router.get("/me/appointments/{appointment_id}/reschedule")
def reschedule_page(appointment_id: RowId, request: Request, session: SessionDep, user: ApplicantUser,
                    centre: str = "", day: str = ""):
    appt = appointments.get_own(session, user, appointment_id)
    url = f"/me/appointments/{appt.id}/reschedule"
    return _picker(request, session, _onsite(session, appt.matter_code), action=url, base=url,
                   centre=(centre or appt.centre_code)[:40], day=day[:10], current=appt)


@router.post("/me/appointments/{appointment_id}/reschedule", dependencies=[CsrfProtected])
def reschedule(appointment_id: RowId, request: Request, session: SessionDep, user: ApplicantUser,
               centre: Annotated[str, Form(max_length=40)] = "", day: Annotated[str, Form(max_length=10)] = "",
               start: Annotated[str, Form(max_length=5)] = ""):
    appt = appointments.get_own(session, user, appointment_id)
    url = f"/me/appointments/{appt.id}/reschedule"
    return _try_book(request, session, _onsite(session, appt.matter_code), user, action=url, base=url,
                     centre=centre, day=day, start=start, done="rescheduled", current=appt,
                     book=lambda d: appointments.reschedule(session, user, appt.id, centre_code=centre, day=d,
                                                            start=start, ip=client_ip(request)))


@router.get("/window/appointments")
def todays(request: Request, session: SessionDep, user: Officer, day: str = "", done: str = ""):
    """The day's bookings at the officer's centre (today by default), with no-shows recorded."""
    ctx = desk_context(session, user)
    chosen = _day(day[:10]) or china_today()
    rows = []
    for a in appointments.for_day(session, user, chosen):
        person = session.get(User, a.user_id)
        rows.append({"id": a.id, "start": a.start, "matter": matter_names(a.matter_code),
                     "name": person.full_name if person else "", "status": a.status.value,
                     "status_label": _(STATUS[a.status.value]),
                     "can_no_show": a.status == AppointmentStatus.booked and a.day <= china_today()})
    return render(request, "window/appointments_day.html", {
        **ctx, "rows": rows, "day": chosen.isoformat(), "day_label": _day_label(chosen),
        "done": _(DONE[done]) if done in DONE else ""})


@router.post("/window/appointments/{appointment_id}/no-show", dependencies=[CsrfProtected])
def no_show(appointment_id: RowId, session: SessionDep, user: Officer):
    appt = appointments.mark_no_show(session, user, appointment_id)
    return RedirectResponse(f"/window/appointments?day={appt.day.isoformat()}&done=no_show", status_code=303)
