"""统一窗口出件: the results ready for collection at this centre; the collector's ID is checked and
recorded (the applicant, or a named proxy), or the officer notes that the applicant downloaded it."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.core.db import SessionDep
from app.core.errors import PortalError
from app.core.i18n import gettext as _
from app.core.templating import render
from app.identity.deps import CsrfProtected, client_ip
from app.identity.models import User
from app.services.applications.page_context import china_time, matter_names
from app.services.window import service as window_service
from app.services.window.exceptions import InvalidIdNumber
from app.services.window_pages.common import Officer, desk_context, message

router = APIRouter()
DONE = {"collected": "已出件，领取记录已保存。", "downloaded": "已记录申请人自行下载结果。"}


def _page(request: Request, session: Session, user: User, *, errors: dict | None = None, done: str = "",
          number: str = "", status_code: int = 200):
    ctx = desk_context(session, user)
    rows = []
    if ctx["window"].handout:
        for a in window_service.ready_for_handout(session, user):
            intake = window_service.intake_of(session, a)
            rows.append({"number": a.number, "matter": matter_names(a.matter_code), "applicant": a.applicant_name,
                         "decided": china_time(a.decided_at), "intake_id": intake.id if intake else None})
    return render(request, "window/handout.html", {
        **ctx, "rows": rows, "errors": dict(errors or {}), "failed": number,
        "done": _(DONE[done]) if done in DONE else "", "last": request.query_params.get("n", "")[:32]},
        status_code=status_code)


@router.get("/window/handout")
def handout_page(request: Request, session: SessionDep, user: Officer, done: str = ""):
    return _page(request, session, user, done=done[:20])


def _do(request: Request, session: Session, user: User, number: str, done: str, **kwargs):
    try:
        with session.begin_nested():
            app = window_service.hand_out(session, user, number, ip=client_ip(request), **kwargs)
    except PortalError as e:
        session.expire_all()
        if isinstance(e, InvalidIdNumber):
            text = _("领取人证件号码格式不正确，请核对")
        elif e.fields.get("collected_by"):
            text = _("代领人须填写姓名")
        else:
            text = message(e)
        return _page(request, session, user, errors={number: text}, number=number, status_code=e.status_code)
    intake = window_service.intake_of(session, app)
    rate = f"&rate={intake.id}" if intake else ""
    return RedirectResponse(f"/window/handout?done={done}&n={app.number}{rate}", status_code=303)


@router.post("/window/handout/{number}", dependencies=[CsrfProtected])
def collect(number: str, request: Request, session: SessionDep, user: Officer,
            collector_id_number: Annotated[str, Form(max_length=40)] = "",
            collected_by: Annotated[str, Form(max_length=120)] = "",
            id_checked: Annotated[str, Form(max_length=10)] = ""):
    """Collected at the window: the collector's ID card is checked against the number typed in."""
    number = number[:32]
    if not collector_id_number.strip() or id_checked != "yes":
        return _page(request, session, user, number=number, status_code=422,
                     errors={number: _("请核验领取人身份证件，填写证件号码并勾选“已核验证件”")})
    return _do(request, session, user, number, "collected", collected_by=collected_by,
               collector_id_number=collector_id_number)


@router.post("/window/handout/{number}/downloaded", dependencies=[CsrfProtected])
def downloaded(number: str, request: Request, session: SessionDep, user: Officer):
    """The applicant downloaded the e-sealed result: nothing to hand over, the case is closed here."""
    return _do(request, session, user, number[:32], "downloaded", collected_by="", downloaded=True)
