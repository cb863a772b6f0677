"""The kiosk (取号机) and the public display of called numbers: no login, big targets, no script
(the display refreshes itself with a meta refresh, which the content security policy allows)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.core.db import SessionDep
from app.core.errors import NotFound, PortalError
from app.core.i18n import gettext as _, pick
from app.core.templating import render
from app.identity.deps import CsrfProtected, OptionalUser
from app.services.window import appointments, queue
from app.services.window import service as window_service
from app.services.window.models import QueueTicket, ServiceCentre
from app.services.window_pages.common import china_time, message
from app.services.window_pages.desk import group_labels

router = APIRouter()
DISPLAY_REFRESH_S = 10


def _centre(session: Session, code: str) -> ServiceCentre:
    return window_service.get_centre(session, code[:40])


@router.get("/ticket")
def kiosk_centres(request: Request, session: SessionDep, _user: OptionalUser):
    return render(request, "window/kiosk_centres.html", {
        "centres": [(c.code, pick(c.name, c.name_en), pick(c.address, c.address_en), pick(c.hours, c.hours_en))
                    for c in window_service.list_centres(session)]})


def _kiosk(request: Request, session: Session, centre: ServiceCentre, *, errors: dict | None = None,
           status_code: int = 200):
    return render(request, "window/kiosk.html", {
        "centre": centre, "centre_name": pick(centre.name, centre.name_en),
        "groups": [(code, pick(*names)) for code, names in queue.groups(session)],
        "waiting": len(queue.waiting(session, centre.code)), "errors": dict(errors or {})}, status_code=status_code)


@router.get("/ticket/{centre_code}")
def kiosk(centre_code: str, request: Request, session: SessionDep, _user: OptionalUser):
    """One big button per matter group, and the booking code for those with an appointment."""
    return _kiosk(request, session, _centre(session, centre_code))


@router.post("/ticket/{centre_code}/ticket", dependencies=[CsrfProtected])
def take(centre_code: str, request: Request, session: SessionDep, _user: OptionalUser, group: Annotated[str, Form(max_length=40)] = ""):
    centre = _centre(session, centre_code)
    try:
        with session.begin_nested():
            ticket = queue.take_ticket(session, centre.code, group)
    except PortalError as e:
        session.expire_all()
        return _kiosk(request, session, centre, errors={"group": message(e)}, status_code=e.status_code)
    return RedirectResponse(f"/ticket/{centre.code}/tickets/{ticket.id}", status_code=303)


@router.post("/ticket/{centre_code}/appointment", dependencies=[CsrfProtected])
def take_booked(centre_code: str, request: Request, session: SessionDep, _user: OptionalUser,
                code: Annotated[str, Form(max_length=40)] = ""):
    """With today's booking at this centre: a Y number, called before the others."""
    centre = _centre(session, centre_code)
    appt = appointments.find_by_code(session, code)
    if appt is None:
        return _kiosk(request, session, centre, status_code=422,
                      errors={"code": _("预约码不正确，请核对预约短信或“我的预约”中的预约码")})
    try:
        with session.begin_nested():
            ticket = queue.take_ticket(session, centre.code, "appointment", appointment_id=appt.id)
    except PortalError:
        session.expire_all()
        return _kiosk(request, session, centre, status_code=422,
                      errors={"code": _("该预约不是今天在本中心的有效预约")})
    return RedirectResponse(f"/ticket/{centre.code}/tickets/{ticket.id}", status_code=303)


@router.get("/ticket/{centre_code}/tickets/{ticket_id}")
def ticket_page(centre_code: str, ticket_id: int, request: Request, session: SessionDep, _user: OptionalUser):
    centre = _centre(session, centre_code)
    ticket = session.get(QueueTicket, ticket_id)
    if ticket is None or ticket.centre_code != centre.code:
        raise NotFound(_("没有这个号"))
    waiting = queue.waiting(session, centre.code)
    ahead = next((i for i, t in enumerate(waiting) if t.id == ticket.id), None)
    return render(request, "window/ticket.html", {
        "centre": centre, "centre_name": pick(centre.name, centre.name_en), "ticket": ticket,
        "group": group_labels(session).get(ticket.group, ticket.group), "ahead": ahead,
        "taken": china_time(ticket.taken_at, "%H:%M")})


@router.get("/display/{centre_code}")
def display(centre_code: str, request: Request, session: SessionDep, _user: OptionalUser):
    """The hall's screen: the latest numbers called and to which window; refreshes itself."""
    centre = _centre(session, centre_code)
    windows = {w.code: pick(w.name, w.name_en) for w in window_service.windows_of(session, centre.code)}
    called = [{"number": t.number, "window": windows.get(t.window_code or "", t.window_code or ""),
               "at": china_time(t.called_at, "%H:%M")} for t in queue.display(session, centre.code)]
    return render(request, "window/display.html", {
        "centre": centre, "centre_name": pick(centre.name, centre.name_en), "called": called,
        "waiting": len(queue.waiting(session, centre.code)), "refresh": DISPLAY_REFRESH_S})
