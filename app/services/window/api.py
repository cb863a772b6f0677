"""JSON API of the service centres: walk-in intake (contract §6), hand-out, queue, appointments, figures."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.core.db import RowId, SessionDep
from app.core.errors import NotFound
from app.identity.deps import ApplicantUser, client_ip, require_roles
from app.identity.models import Role, User
from app.matters import service as matter_service
from app.services.applications import service as applications
from app.services.applications.presenters import list_out, to_out
from app.services.applications.schemas import ApplicationList, ApplicationOut
from app.services.window import appointments, queue
from app.services.window import service as svc
from app.services.window.schemas import (AppointmentCreate, AppointmentOut, CentreOut, HandOut, NoticeCreate, TicketCreate,
                                         TicketFinish, TicketOut, WindowIntakeCreate, WindowOut)

router = APIRouter(prefix="/api/v1", tags=["window"])
Officer = Annotated[User, Depends(require_roles(Role.window_officer))]
Staff = Annotated[User, Depends(require_roles(Role.window_officer, Role.evaluator, Role.admin))]


def _out(session, app) -> ApplicationOut:
    return to_out(session, app, matter_service.get_matter(session, app.matter_code))


@router.post("/window/applications", status_code=201, response_model=ApplicationOut,
             responses={403: {"description": "not a window officer, or the window may not take in this matter"},
                        404: {"description": "no account uses this ID number"},
                        422: {"description": "invalid ID number or form"}})
def take_in(body: WindowIntakeCreate, request: Request, session: SessionDep, user: Officer):
    """前台综合受理: start an application for the applicant present, for any matter the window is authorised for.
    Then upload materials, let the applicant sign from their own account, submit, and accept (受理)."""
    app = svc.take_in(session, user, matter_code=body.matter_code, applicant_id_number=body.applicant_id_number,
                      form=body.form, ip=client_ip(request))
    return _out(session, app)


@router.get("/window/applications", response_model=ApplicationList)
def handled(session: SessionDep, user: Officer):
    """What the officer's window took in, newest first."""
    rows = svc.handled_by_window(session, svc.officer_window(session, user).code)
    return ApplicationList(items=list_out(session, rows),
                           total=len(rows), limit=50, offset=0)


@router.post("/window/applications/{number}/notice", status_code=201)
def give_notice(number: str, body: NoticeCreate, request: Request, session: SessionDep, user: Officer):
    """一次性告知 for a draft at the desk: every missing material and the officer's points, in one PDF."""
    app = applications.get_for_user(session, number, user)
    svc.issue_notice(session, user, app, body.reasons, ip=client_ip(request))
    return {"number": app.number, "notice_pdf": f"/api/v1/window/applications/{app.number}/notice.pdf"}


@router.get("/window/applications/{number}/notice.pdf")
def correction_notice(number: str, session: SessionDep, user: Annotated[User, Depends(require_roles(
        Role.window_officer, Role.applicant_person, Role.applicant_enterprise, Role.reviewer))]):
    """The one-time correction notice (一次性告知书) made when the window asked for correction."""
    app = applications.get_for_user(session, number, user)
    content = svc.notice_pdf(session, app)
    if content is None:
        raise NotFound("该办件没有一次性告知书 / This application has no one-time notice")
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{app.number}-notice.pdf"'})


@router.get("/window/handout", response_model=ApplicationList)
def handout_list(session: SessionDep, user: Officer):
    """统一窗口出件: approved window applications of the officer's centre, waiting to be collected."""
    rows = svc.ready_for_handout(session, user)
    return ApplicationList(items=list_out(session, rows), total=len(rows), limit=len(rows), offset=0)


@router.post("/window/handout/{number}", response_model=ApplicationOut)
def hand_out(number: str, request: Request, session: SessionDep, user: Officer, body: HandOut | None = None):
    """The result is collected: the application is issued; the officer may then download the result."""
    app = svc.hand_out(session, user, number, collected_by=body.collected_by if body else "", ip=client_ip(request))
    return _out(session, app)


@router.get("/window/centres")
def centres(session: SessionDep):
    """The service centres, their hours and windows (no login)."""
    return {"items": [{**CentreOut.model_validate(c).model_dump(),
                       "windows": [WindowOut.model_validate(w).model_dump() for w in svc.windows_of(session, c.code)]}
                      for c in svc.list_centres(session)],
            "comprehensive_share": round(svc.comprehensive_share(session), 4)}


@router.get("/window/figures")
def figures(session: SessionDep, user: Staff, centre: str = "XH"):
    """Staff figures: queue today, intake accuracy, on-the-spot share, comprehensive-window share,
    overdue applications per department (the dashboard page shows the same)."""
    return svc.dashboard(session, centre)


# -- queue -----------------------------------------------------------------------------------------

@router.post("/window/tickets", status_code=201, response_model=TicketOut)
def take_ticket(body: TicketCreate, session: SessionDep):
    """取号 at a kiosk (no login): by matter group (theme or `handout`), or with today's appointment."""
    return queue.take_ticket(session, body.centre_code, body.group, appointment_id=body.appointment_id)


@router.post("/window/queue/next", response_model=TicketOut | None)
def call_next(session: SessionDep, user: Officer):
    """Call the next number to the officer's window (null when nobody waits)."""
    return queue.call_next(session, user)


@router.post("/window/tickets/{ticket_id}/finish", response_model=TicketOut)
def finish(ticket_id: RowId, session: SessionDep, user: Officer, body: TicketFinish | None = None):
    return queue.finish(session, user, ticket_id, served=body.served if body else True)


@router.get("/window/display/{centre_code}", response_model=list[TicketOut])
def display(centre_code: str, session: SessionDep):
    """The numbers called at a centre today, newest first (the public display)."""
    svc.get_centre(session, centre_code)
    return queue.display(session, centre_code)


# -- appointments ----------------------------------------------------------------------------------

@router.get("/window/centres/{centre_code}/slots")
def slots(centre_code: str, day: date, session: SessionDep):
    return {"centre_code": centre_code, "day": day, "slots": appointments.slots(session, centre_code, day)}


@router.post("/appointments", status_code=201, response_model=AppointmentOut,
             responses={409: {"description": "slot full, or a booking that day already"}})
def book(body: AppointmentCreate, request: Request, session: SessionDep, user: ApplicantUser):
    return appointments.book(session, user, matter_code=body.matter_code, centre_code=body.centre_code,
                             day=body.day, start=body.start, ip=client_ip(request))


@router.delete("/appointments/{appointment_id}", response_model=AppointmentOut)
def cancel(appointment_id: RowId, request: Request, session: SessionDep, user: ApplicantUser):
    return appointments.cancel(session, user, appointment_id, ip=client_ip(request))


@router.get("/me/appointments", response_model=list[AppointmentOut])
def my_appointments(session: SessionDep, user: ApplicantUser):
    return appointments.mine(session, user)


@router.get("/window/appointments", response_model=list[AppointmentOut])
def todays_appointments(session: SessionDep, user: Officer, day: date | None = None):
    """The day's bookings at the officer's centre."""
    return appointments.for_day(session, user, day)


@router.post("/window/appointments/{appointment_id}/no-show", response_model=AppointmentOut)
def no_show(appointment_id: RowId, session: SessionDep, user: Officer):
    return appointments.mark_no_show(session, user, appointment_id)
