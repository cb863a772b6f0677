"""Self-service terminal mode (/kiosk): large targets, no site chrome, a session of its own.

Sign in with the ID card (number) and the password; then print a sealed result or a licence, check
progress, apply for the simple matters this terminal serves, rate a completed service. After
`IDLE_SECONDS` without a request the server ends and deletes the session (and the page sends itself
back to the card reader); every answer is `no-store`, so the browser keeps nothing to go back to."""
from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from app.core.config import get_settings
from app.core.db import RowId, SessionDep
from app.core.errors import Forbidden, PortalError, Unauthorized
from app.core.i18n import pick
from app.core.templating import render
from app.evaluation import service as reviews
from app.evaluation.models import ReviewChannel
from app.evaluation.schemas import ReviewCreate
from app.identity.deps import client_ip
from app.identity.models import User
from app.kiosk import service as kiosk
from app.kiosk.models import KioskSession
from app.matters import service as matter_service
from app.services.applications import lifecycle
from app.services.applications import service as applications
from app.services.applications.models import Application
from app.services.proactive import service as proactive
from app.services.seals import documents, licences
from app.services.seals.api import pdf_response

router = APIRouter(include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class _Ended(Exception):
    def __init__(self, timed_out: bool):
        self.timed_out = timed_out


def _set_cookie(resp: Response, raw: str) -> None:
    resp.set_cookie(kiosk.COOKIE, raw, path="/kiosk", httponly=True, samesite="strict",
                    secure=get_settings().base_url.startswith("https"))


def _session(request: Request, session) -> tuple[KioskSession | None, bool]:
    ks, timed_out = kiosk.load(session, request.cookies.get(kiosk.COOKIE))
    request.state.kiosk = ks
    return ks, timed_out


def _person(request: Request, session) -> tuple[KioskSession, User]:
    ks, timed_out = _session(request, session)
    user = session.get(User, ks.user_id) if ks is not None and ks.user_id is not None else None
    if ks is None or user is None or not user.active:
        raise _Ended(timed_out)
    return ks, user


def _back_to_reader(timed_out: bool) -> RedirectResponse:
    resp = RedirectResponse("/kiosk?ended=timeout" if timed_out else "/kiosk", status_code=303, headers=NO_STORE)
    resp.delete_cookie(kiosk.COOKIE, path="/kiosk")
    return resp


def _check_csrf(ks: KioskSession, token: str) -> None:
    if not token or not hmac.compare_digest(token, ks.csrf_token):
        raise Forbidden("页面已过期，请重新操作 / The page has expired; please start again", code="csrf_failed")


def _page(request: Request, name: str, ks: KioskSession, ctx: dict, status_code: int = 200) -> Response:
    ctx = {"signed_in": ks.user_id is not None, **ctx, "user": None, "kiosk_csrf": ks.csrf_token,
           "idle": kiosk.IDLE_SECONDS,
           "terminal": kiosk.terminal_point(request.state.db_kiosk, ks.terminal)}
    resp = render(request, name, ctx, status_code=status_code)
    resp.headers.update(NO_STORE)
    return resp


def _signed_in(handler):
    """Run `handler(request, session, ks, user)`; a missing or timed-out session goes to the reader."""
    def run(request: Request, session, *args, **kwargs):
        request.state.db_kiosk = session
        try:
            ks, user = _person(request, session)
        except _Ended as ended:
            return _back_to_reader(ended.timed_out)
        return handler(request, session, ks, user, *args, **kwargs)
    return run


@router.get("/kiosk")
def reader(request: Request, session: SessionDep, terminal: Annotated[str, Query(max_length=40)] = "",
           ended: Annotated[str, Query(max_length=10)] = ""):
    """The card reader (signed out) or the menu (signed in)."""
    request.state.db_kiosk = session
    ks, timed_out = _session(request, session)
    raw = None
    if ks is None or (terminal and ks.user_id is None and ks.terminal != terminal):
        if ks is not None:
            session.delete(ks)
        raw, ks = kiosk.start(session, terminal or (ks.terminal if ks else ""))
    if ks.user_id is None:
        resp = _page(request, "kiosk/reader.html", ks, {"ended": ended == "timeout" or timed_out, "error": None})
    else:
        user = session.get(User, ks.user_id)
        offers = [o for o in proactive.offers_for(session, user) if o.status.value == "offered" and o.kind.value == "offer"]
        resp = _page(request, "kiosk/menu.html", ks, {"person": user, "offers": len(offers)})
    if raw:
        _set_cookie(resp, raw)
    return resp


@router.post("/kiosk/sign-in")
def sign_in(request: Request, session: SessionDep, id_number: Annotated[str, Form(max_length=40)] = "",
            password: Annotated[str, Form(max_length=200)] = "", csrf_token: Annotated[str, Form()] = ""):
    request.state.db_kiosk = session
    ks, timed_out = _session(request, session)
    if ks is None:
        return _back_to_reader(timed_out)
    _check_csrf(ks, csrf_token)
    try:
        raw, fresh = kiosk.sign_in(session, ks, id_number, password, client_ip(request))
    except Unauthorized:
        return _page(request, "kiosk/reader.html", ks, {"ended": False, "error": True}, status_code=401)
    resp = RedirectResponse("/kiosk", status_code=303, headers=NO_STORE)
    _set_cookie(resp, raw)
    return resp


@router.post("/kiosk/end")
def end(request: Request, session: SessionDep, csrf_token: Annotated[str, Form()] = ""):
    """退出: the session is deleted at once."""
    ks, timed_out = _session(request, session)
    if ks is not None:
        _check_csrf(ks, csrf_token)
        kiosk.wipe(session, ks, reason="sign_out")
    return _back_to_reader(False)


@router.get("/kiosk/timeout")
def timed_out_page(request: Request, session: SessionDep):
    """Where the page sends itself after the idle time: the session is ended if it is not already."""
    ks, _ = _session(request, session)
    if ks is not None:
        kiosk.wipe(session, ks, reason="timeout")
    return _back_to_reader(True)


# -- print (download) a sealed result or a licence ---------------------------------------------------

@router.get("/kiosk/print")
def print_list(request: Request, session: SessionDep):
    def page(request, session, ks, user):
        wallet = [lic for lic in licences.list_licences(session, user.subject_key)
                  if lic.status == "active" and lic.sealed_document_id]
        results = [a for a in applications.list_for_applicant(session, user, limit=50)[0] if a.result_document_id]
        return _page(request, "kiosk/print.html", ks, {"wallet": wallet, "results": results})
    return _signed_in(page)(request, session)


@router.get("/kiosk/print/licence/{licence_id}.pdf")
def print_licence(licence_id: RowId, request: Request, session: SessionDep):
    def pdf(request, session, ks, user):
        lic = licences.get_licence(session, licence_id, holder_key=user.subject_key)
        if not lic.sealed_document_id:
            raise PortalError("该证照没有电子文书 / this licence has no electronic document", 404)
        content = documents.document_pdf(session, lic.sealed_document_id)
        licences.record_download(session, lic, actor=user.username)
        resp = pdf_response(content, f"{lic.licence_type}-{lic.number}.pdf", f"{lic.licence_name}-{lic.number}.pdf")
        resp.headers.update(NO_STORE)
        return resp
    return _signed_in(pdf)(request, session)


@router.get("/kiosk/print/result/{number}.pdf")
def print_result(number: str, request: Request, session: SessionDep):
    def pdf(request, session, ks, user):
        app = session.scalar(select(Application).where(Application.number == number,
                                                       Application.applicant_user_id == user.id))
        if app is None or not app.result_document_id:
            raise PortalError("没有可打印的结果 / No result to print", 404)
        doc = documents.get_document(session, app.result_document_id)
        resp = pdf_response(documents.document_pdf(session, doc.id), f"result-{app.number}.pdf",
                            documents.download_name(doc))
        resp.headers.update(NO_STORE)
        return resp
    return _signed_in(pdf)(request, session)


# -- check progress ------------------------------------------------------------------------------------

@router.get("/kiosk/progress")
def progress(request: Request, session: SessionDep):
    def page(request, session, ks, user):
        rows, _ = applications.list_for_applicant(session, user, limit=20)
        names = {a.matter_code: _matter_name(session, a.matter_code) for a in rows}
        labels = {a.number: pick(*lifecycle.STATUS_LABELS[a.status]) for a in rows}
        return _page(request, "kiosk/progress.html", ks, {"rows": rows, "names": names, "labels": labels})
    return _signed_in(page)(request, session)


def _matter_name(session, code: str) -> str:
    m = matter_service.get_matter(session, code)
    return pick(m.name, m.name_en)


# -- apply for the simple matters of this terminal -------------------------------------------------

def _simple(session, ks: KioskSession) -> list:
    out = []
    for code in kiosk.terminal_matters(session, ks.terminal):
        m = matter_service.get_matter(session, code)
        if m.subject == "person" and m.online and not m.esign:  # no signature pad, no camera
            out.append(m)
    return out


@router.get("/kiosk/apply")
def apply_list(request: Request, session: SessionDep, done: Annotated[str, Query(max_length=32)] = ""):
    def page(request, session, ks, user):
        made = None
        if done:
            made = session.scalar(select(Application).where(Application.number == done,
                                                            Application.applicant_user_id == user.id))
        return _page(request, "kiosk/apply.html", ks, {"matters": _simple(session, ks), "made": made,
                                                       "names": {m.code: pick(m.name, m.name_en)
                                                                 for m in _simple(session, ks)}})
    return _signed_in(page)(request, session)


@router.post("/kiosk/apply/{code}")
def apply(code: str, request: Request, session: SessionDep, csrf_token: Annotated[str, Form()] = ""):
    def act(request, session, ks, user):
        _check_csrf(ks, csrf_token)
        if code not in {m.code for m in _simple(session, ks)}:
            raise PortalError("本终端不能办理该事项 / This terminal does not serve that matter", 404)
        app = applications.create_draft(session, matter_code=code, user=user, form={}, actor=user.username)
        matter = matter_service.get_matter(session, code)
        if applications.readiness(app, matter)["ready"]:
            applications.submit(session, app, user, ip=client_ip(request))
        return RedirectResponse(f"/kiosk/apply?done={app.number}", status_code=303, headers=NO_STORE)
    return _signed_in(act)(request, session)


# -- rate the service ------------------------------------------------------------------------------

@router.get("/kiosk/rate")
def rate_list(request: Request, session: SessionDep, done: Annotated[str, Query(max_length=32)] = ""):
    def page(request, session, ks, user):
        rows = [a for a in applications.list_for_applicant(session, user, limit=50)[0]
                if reviews.completed_at(a) is not None and reviews.can_review(a)
                and reviews.get_review_for(session, a.id) is None]
        names = {a.matter_code: _matter_name(session, a.matter_code) for a in rows}
        return _page(request, "kiosk/rate.html", ks, {"rows": rows, "names": names, "done": done})
    return _signed_in(page)(request, session)


@router.post("/kiosk/rate/{number}")
def rate(number: str, request: Request, session: SessionDep, score: Annotated[int, Form(ge=1, le=5)],
         csrf_token: Annotated[str, Form()] = ""):
    def act(request, session, ks, user):
        _check_csrf(ks, csrf_token)
        reviews.create_review(session, number, user, ReviewCreate(score=score, channel=ReviewChannel.terminal),
                              ip=client_ip(request))
        return RedirectResponse(f"/kiosk/rate?done={number}", status_code=303, headers=NO_STORE)
    return _signed_in(act)(request, session)


