"""The window officer's desk (/window): their window and centre, the queue with "call next", served
and no-show, waiting and service times, what the window took in today, and the staff dashboard."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from app.core.db import SessionDep
from app.core.i18n import gettext as _, pick
from app.core.templating import render
from app.identity.deps import CsrfProtected
from app.matters import service as matter_service
from app.services.applications import lifecycle
from app.services.applications.page_context import china_time, matter_names
from app.services.window import queue
from app.services.window import service as window_service
from app.services.window_pages.common import Officer, Staff, desk_context

router = APIRouter()
DONE = {"called": "已叫号，请在窗口等候该号的办事人。", "none": "现在没有人在等候。",
        "served": "该号已办结。", "no_show": "该号已记为未到。"}


def group_labels(session) -> dict[str, str]:
    """Ticket group → what the person came for, in the reader's language."""
    return {**{code: pick(*names) for code, names in queue.groups(session)}, "appointment": _("预约")}


def ticket_view(labels: dict[str, str], t) -> dict:
    return {"id": t.id, "number": t.number, "group": labels.get(t.group, t.group), "status": t.status.value,
            "taken": china_time(t.taken_at, "%H:%M"), "called": china_time(t.called_at, "%H:%M"),
            "waited": queue.waited_minutes(t), "serving": queue.served_minutes(t)}


@router.get("/window")
def desk(request: Request, session: SessionDep, user: Officer, done: str = ""):
    ctx = desk_context(session, user)
    centre = ctx["centre"]
    current = queue.current(session, user)
    taken = window_service.handled_by_window(session, ctx["window"].code, limit=10)
    recent = [{"number": a.number, "matter": matter_names(a.matter_code), "applicant": a.applicant_name,
               "status": a.status.value, "status_label": pick(*lifecycle.STATUS_LABELS[a.status]),
               "created": china_time(a.created_at, "%m-%d %H:%M")} for a in taken]
    labels = group_labels(session)
    return render(request, "window/desk.html", {
        **ctx, "current": ticket_view(labels, current) if current else None,
        "waiting": [ticket_view(labels, t) for t in queue.waiting(session, centre.code)],
        "figures": queue.figures(session, centre.code), "recent": recent,
        "done": _(DONE[done]) if done in DONE else ""})


@router.post("/window/call-next", dependencies=[CsrfProtected])
def call_next(session: SessionDep, user: Officer):
    """Call the next number to this window (appointments first)."""
    ticket = queue.call_next(session, user)
    return RedirectResponse(f"/window?done={'called' if ticket else 'none'}", status_code=303)


@router.post("/window/tickets/{ticket_id}/served", dependencies=[CsrfProtected])
def served(ticket_id: int, session: SessionDep, user: Officer):
    queue.finish(session, user, ticket_id, served=True)
    return RedirectResponse("/window?done=served", status_code=303)


@router.post("/window/tickets/{ticket_id}/no-show", dependencies=[CsrfProtected])
def no_show(ticket_id: int, session: SessionDep, user: Officer):
    queue.finish(session, user, ticket_id, served=False)
    return RedirectResponse("/window?done=no_show", status_code=303)


def _share(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@router.get("/window/dashboard")
def dashboard(request: Request, session: SessionDep, user: Staff, centre: str = ""):
    """Queue length, waiting and service times, intake accuracy, on-the-spot share, comprehensive-window
    share and overdue applications per department: the window service's figures (the API's too)."""
    centres = window_service.list_centres(session)
    if user.window_code and not centre:
        centre = window_service.officer_window(session, user).centre_code
    chosen = next((c for c in centres if c.code == centre), centres[0] if centres else None)
    figures = window_service.dashboard(session, chosen.code)
    departments = {d.code: pick(d.name, d.name_en) for d in matter_service.list_departments(session)}
    overdue = sorted(((departments.get(code, code), n) for code, n in figures["overdue_by_department"].items()),
                     key=lambda r: -r[1])
    intake = figures["intake"]
    return render(request, "window/dashboard.html", {
        "centres": [(c.code, pick(c.name, c.name_en)) for c in centres], "centre": chosen,
        "centre_name": pick(chosen.name, chosen.name_en), "q": figures["queue"], "intake": intake,
        "accuracy": _share(intake["intake_accuracy"]), "on_the_spot": _share(intake["on_the_spot_share"]),
        "comprehensive": _share(figures["comprehensive_share"]), "overdue": overdue})
