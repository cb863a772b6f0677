"""Pages of online applications: the personal guide, the application form, the application page
with its actions (save, upload, sign, submit, withdraw), my applications and the inbox.
The reviewer's workbench and the decision form are in review_pages.py (mounted here)."""
from __future__ import annotations

import secrets
import time
from typing import Annotated, Any, Callable

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.core.db import RowId, SessionDep, run_page
from app.core.errors import Conflict, NotFound, PortalError, ValidationFailed
from app.core.i18n import get_locale, gettext as _, pick
from app.core import templating
from app.core.blobs import read_upload
from app.core.templating import render
from app.identity import access
from app.identity.deps import (AccessReason, ApplicantUser, CsrfProtected, CurrentUser, OptionalUser, caller_extra,
                               client_ip)
from app.identity.models import User
from app.matters import content
from app.matters import service as matter_service
from app.matters.models import Matter
from app.services.applications import idempotency, lifecycle, review_pages, sign_pages
from app.services.applications import service as svc
from app.services.applications.models import Application, Channel, Status
from app.services.applications.page_context import (bilingual, china_time, draft_errors, errors_from, field_views,
                                                    matter_names, parse_posted, reason_page, render_application,
                                                    source_label)
from app.services.applications.uploads import check_upload

router = APIRouter(include_in_schema=False)


def _inbox_unread(request: Request, user: User) -> int:
    """The header's unread count: as read with the caller (one query for both), else read now."""
    known = caller_extra(request, user, "inbox_unread")
    if known is not None:
        return known
    db = getattr(request.state, "db", None)
    return svc.unread_count(db, user) if db is not None else 0


# The header's unread count (registered here so that core does not import services).
templating.env.globals["inbox_unread"] = _inbox_unread
router.include_router(review_pages.router)
router.include_router(sign_pages.router)
PAGE_SIZE = 20
CLAIM_WAIT_S = 5.0  # a double click on PostgreSQL: wait for the first request rather than fail


async def posted_form(request: Request) -> dict[str, str]:
    """The posted text fields (parsed once; the CSRF check reads the same parsed form)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


PostedForm = Annotated[dict[str, str], Depends(posted_form)]


def _see(number: str, done: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/applications/{number}?done={done}" + (f"#{anchor}" if anchor else ""),
                            status_code=303)


def _page(page: int) -> int:
    return max(1, min(page, 1000))


# -- personal guide (个性指南) -----------------------------------------------------------------------

def _material_source(source: str, licence_names: dict[str, str]) -> str:
    kind, _sep, ref = source.partition(":")
    if kind == "licence":
        return _("电子证照：{name}", name=licence_names.get(ref, ref))
    if kind == "data":
        return _("数据共享：{name}", name=source_label(ref))
    return _("申请人提供")


@router.get("/matters/{code}/guide")
def guide_page(code: str, request: Request, session: SessionDep, user: OptionalUser):
    matter = matter_service.get_matter(session, code)
    materials = [(m.name, m.source, m.name_en) for m in matter.materials]
    guide = content.guide_for(matter.code, materials)
    questions = guide.get("questions", [])
    params = request.query_params
    answers = {q["id"]: params[q["id"]] for q in questions
               if params.get(q["id"]) in {o["value"] for o in q.get("options", [])}}
    errors: dict[str, str] = {}
    checklist = None
    if params.get("answered") == "1":
        errors = {q["id"]: _("请回答：{question}", question=pick(q["text"], q.get("text_en")))
                  for q in questions if q["id"] not in answers}
        if not errors:
            checklist = content.personal_checklist(matter.code, answers, materials)
            names = matter_service.licence_type_names(session, en=get_locale() == "en")
            for m in checklist["materials"]:
                m["source_label"] = _material_source(m["source"], names)
    return render(request, "applications/guide.html", {
        "m": matter, "guide": guide, "questions": questions, "answers": answers, "errors": errors,
        "checklist": checklist})


# -- apply ---------------------------------------------------------------------------------------------

def _apply_page(request: Request, session: Session, matter: Matter, user: User, *, token: str,
                posted: dict[str, Any] | None = None, errors: dict[str, str] | None = None, status_code: int = 200):
    values, sources = svc.prefill(session, matter.code, user, None)
    posted, editable = posted or {}, svc.editable_prefill(matter.code)
    shown = {**posted, **{k: v for k, v in values.items() if k not in editable or posted.get(k) in (None, "")}}
    materials = [(x.name, x.source, x.name_en) for x in matter.materials]
    return render(request, "applications/apply.html", {
        "m": matter, "fields": field_views(matter.code, shown, sources, errors, mask=True), "token": token,
        "errors": errors or {}, "prefilled": len(sources), "blocked": None,
        "personal_guide": content.guide_is_personal(content.guide_for(matter.code, materials))},
        status_code=status_code)


def _blocked(request: Request, matter: Matter, user: User):
    """Why this applicant cannot apply online for this matter (a page, not a bare error), or None."""
    try:
        svc.check_eligible(matter, user, Channel.online)
    except PortalError as e:
        return render(request, "applications/apply.html", {
            "m": matter, "fields": [], "token": "", "errors": {}, "prefilled": 0, "blocked": bilingual(e.message)},
            status_code=e.status_code)
    return None


@router.get("/matters/{code}/apply")
def apply_page(code: str, request: Request, session: SessionDep, user: ApplicantUser):
    matter = matter_service.get_matter(session, code)
    return _blocked(request, matter, user) or _apply_page(request, session, matter, user,
                                                          token=secrets.token_urlsafe(24))


def claim_with_wait(session: Session, user: User, key: str, body: dict) -> idempotency.Claim:
    """Claim a page's one-time token; a double click waits for the first request, then replays."""
    deadline = time.monotonic() + CLAIM_WAIT_S
    while True:
        try:
            return idempotency.claim(session, user.id, key, body)
        except Conflict as e:
            if e.code != "idempotency_in_flight" or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _claim(session: Session, user: User, token: str, code: str) -> idempotency.Claim:
    # The token names one form as served: any resubmission of it (double click, back button and
    # send again) leads to the application it created, so the body is the matter alone.
    return claim_with_wait(session, user, f"page:{token}", {"matter_code": code})


@router.post("/matters/{code}/apply", dependencies=[CsrfProtected])
def apply_submit(code: str, request: Request, session: SessionDep, user: ApplicantUser, posted: PostedForm):
    """Create the draft from the form (PRG); a replayed one-time token leads to the same application."""
    matter = matter_service.get_matter(session, code)
    blocked = _blocked(request, matter, user)
    if blocked is not None:
        return blocked
    token = posted.get("form_token", "")
    form = parse_posted(matter.code, posted, set())
    errors = draft_errors(matter.code, form)
    own = [f.name for f in content.form_fields(matter.code) if not f.prefill]
    if own and not errors and all(form.get(name) in (None, "", False) for name in own):
        # Nothing of the person's own was entered: say so, and create no draft behind their back.
        errors["form"] = _("您还没有填写任何内容。请至少填写一项再保存；如暂不办理，可直接离开本页，不会保存任何信息。")
    if not token or len(token) > 100:
        token, errors["form"] = secrets.token_urlsafe(24), _("表单已过期，请检查后重新提交")
    if errors:
        return _apply_page(request, session, matter, user, token=token, posted=form, errors=errors, status_code=422)
    claim = _claim(session, user, token, matter.code)
    if claim.is_replay:
        return _see(claim.replay_body["number"], "created")
    try:
        app = svc.create_draft(session, matter_code=matter.code, user=user,
                               form={k: v for k, v in form.items() if v != ""}, strict=False)
        idempotency.complete(session, claim, 201, {"number": app.number}, app.number)
    except Exception:
        idempotency.release(claim)
        raise
    return _see(app.number, "created")


# -- the application page and its actions ---------------------------------------------------------------

@router.get("/applications/{number}", name="application_page")
async def application_page_route(number: str, request: Request, session: SessionDep, user: CurrentUser,
                                 reason: AccessReason, done: str = ""):
    """`async`: on SQLite the page's reads run where the request is, with no trip through the thread
    pool (see db.run_page); an administrator's read, audited with its reason, runs in a thread."""
    return await run_page(session, application_page, number, request, session, user, reason=reason, done=done,
                          in_place=not access.needs_reason(user))


def application_page(number: str, request: Request, session: Session, user: User, *, reason: str | None,
                     done: str = ""):
    try:
        app = svc.view_for_user(session, number, user, reason=reason, ip=client_ip(request))
    except access.ReasonRequired:
        return reason_page(request, f"/applications/{number}", reason=reason)
    return render_application(request, session, app, user, notice=done[:20], reason=reason)


def _act(request: Request, session: Session, app: Application, user: User, action: Callable[[], Any],
         done: str | Callable[[Any], str], anchor: str, error_key: str | None = None):
    """Run one service action; a PortalError re-renders the page with its message, undoing its work."""
    number = app.number
    try:
        with session.begin_nested():
            result = action()
    except PortalError as e:
        session.expire_all()
        app = svc.get_for_user(session, number, user)
        errors = {error_key: bilingual(e.message)} if error_key else errors_from(e)
        return render_application(request, session, app, user, errors=errors, status_code=e.status_code)
    return _see(number, done(result) if callable(done) else done, anchor)


@router.post("/applications/{number}/form", dependencies=[CsrfProtected])
def save_form(number: str, request: Request, session: SessionDep, user: ApplicantUser, posted: PostedForm):
    """Save the answers; errors are shown at each field and the values kept."""
    app = svc.get_own_draft(session, number, user)
    form = parse_posted(app.matter_code, posted, svc.readonly_fields(app))
    version = posted.get("version", "")
    found: dict[str, str] = {}

    def save():
        found.update(svc.update_form(session, app, form, actor=user.username,
                                     # versions start at 1: a form without one is stale
                                     expected_version=int(version) if version.isdigit() else 0))

    response = _act(request, session, app, user, save, "saved", "form")
    if found:
        return render_application(request, session, app, user, errors=found, status_code=422)
    return response


@router.post("/applications/{number}/materials/{material_id}", dependencies=[CsrfProtected])
def upload_material(number: str, material_id: RowId, request: Request, session: SessionDep, user: ApplicantUser,
                    file: Annotated[UploadFile | None, File()] = None):
    """One material (PDF, JPEG or PNG, judged from the content); a refused file is explained by it."""
    app = svc.get_own_draft(session, number, user)

    def store():
        if file is None or not file.filename:
            raise ValidationFailed(_("请选择要上传的文件"))
        data = read_upload(file)
        svc.attach_upload(session, app, material_id, check_upload(data), original_name=file.filename,
                          actor=user.username)

    return _act(request, session, app, user, store, "uploaded", f"material-{material_id}",
                error_key=f"material_{material_id}")


@router.post("/applications/{number}", dependencies=[CsrfProtected])
def upload_material_here(number: str, request: Request, session: SessionDep, user: ApplicantUser,
                         material_id: Annotated[int, Form()], file: Annotated[UploadFile | None, File()] = None):
    """The page's own upload form posts to the page's address: a refused file is explained on the
    page at its own URL (reload, bookmark and back work), an accepted one redirects to it (PRG)."""
    return upload_material(number, material_id, request, session, user, file)


@router.post("/applications/{number}/submit", dependencies=[CsrfProtected])
def submit(number: str, request: Request, session: SessionDep, user: ApplicantUser):
    app = svc.get_own_draft(session, number, user)
    resubmit = app.status == Status.correction_requested
    return _act(request, session, app, user, lambda: svc.submit(session, app, user, ip=client_ip(request)),
                "resubmitted" if resubmit else "submitted", "timeline")


@router.get("/applications/{number}/withdraw")
def withdraw_confirm(number: str, request: Request, session: SessionDep, user: ApplicantUser):
    """No JavaScript confirm(): a page asks once more."""
    app = svc.get_own_draft(session, number, user)
    return render(request, "applications/withdraw.html", {
        "app": app, "matter_name": matter_names(app.matter_code), "errors": {},
        "allowed": app.status in lifecycle.TRANSITIONS["withdraw"],
        "status_label": pick(*lifecycle.STATUS_LABELS[app.status])})


@router.post("/applications/{number}/withdraw", dependencies=[CsrfProtected])
def withdraw(number: str, request: Request, session: SessionDep, user: ApplicantUser):
    app = svc.get_own_draft(session, number, user)
    return _act(request, session, app, user, lambda: svc.withdraw(session, app, user, ip=client_ip(request)),
                "withdrawn", "timeline")


@router.get("/applications/{number}/{action:path}")
def after_action(number: str, action: str):
    """The address of a re-rendered action page, opened again: back to the application."""
    if action.split("/")[0] not in ("form", "materials", "sign", "submit", "decision"):
        raise NotFound(_("找不到该页面"))
    return RedirectResponse(f"/applications/{number}", status_code=303)


# -- my applications and the inbox ------------------------------------------------------------------------

def _row(app: Application) -> dict[str, Any]:
    return {"number": app.number, "matter": matter_names(app.matter_code), "status": app.status.value,
            "status_label": pick(*lifecycle.STATUS_LABELS[app.status]), "applicant": app.applicant_name,
            "created": china_time(app.created_at, "%Y-%m-%d"), "submitted": china_time(app.submitted_at),
            "due": app.due_date, "overdue": svc.is_overdue(app), "paused": app.clock_paused_on is not None}


def status_options() -> list[tuple[str, str]]:
    return [(s.value, pick(*lifecycle.STATUS_LABELS[s])) for s in Status]


@router.get("/me/applications")
def my_applications(request: Request, session: SessionDep, user: ApplicantUser, status: str = "", page: int = 1):
    status = status if status in {s.value for s in Status} else ""
    page = _page(page)
    rows, total = svc.list_for_applicant(session, user, status or None, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    return render(request, "applications/list.html", {
        "rows": [_row(a) for a in rows], "total": total, "page": page, "pages": max(1, -(-total // PAGE_SIZE)),
        "status": status, "statuses": status_options(), "params": {"status": status} if status else {}})


@router.get("/me/inbox")
def inbox(request: Request, session: SessionDep, user: CurrentUser, page: int = 1, done: str = ""):
    page = _page(page)
    rows, total = svc.inbox(session, user, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    messages = [{"title": pick(m.title, m.title_en), "body": pick(m.body, m.body_en), "body_verbatim": bool(m.body) and not m.body_en, "number": m.application_number,
                 "at": china_time(m.created_at), "unread": m.read_at is None} for m in rows]
    return render(request, "applications/inbox.html", {
        "messages": messages, "total": total, "unread": svc.unread_count(session, user), "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)), "params": {}, "done": done == "read"})


@router.post("/me/inbox/read", dependencies=[CsrfProtected])
def inbox_mark_read(session: SessionDep, user: CurrentUser):
    svc.mark_read(session, user)
    return RedirectResponse("/me/inbox?done=read", status_code=303)
