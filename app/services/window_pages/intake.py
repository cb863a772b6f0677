"""Walk-in intake at the desk (前台综合受理): identify the applicant by ID number (masked once found),
choose a matter the window is authorised for, fill in the form, go through the material checklist
(taken from the wallet and shared data as online, scans of paper originals, originals seen), the
applicant signs with their own second factor, then accept, refuse with reasons or request correction
(the one-time notice PDF); matters the window may decide (window_direct) are decided on the spot."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated, Any, Callable

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.core.blobs import read_upload
from app.core.config import get_settings
from app.core.db import SessionDep
from app.core.errors import Forbidden, PortalError, ValidationFailed
from app.core.i18n import gettext as _, pick
from app.core.templating import render
from app.identity import access
from app.identity.deps import CsrfProtected, client_ip
from app.identity.models import Role, User
from app.identity.validation import mask_id
from app.matters import service as matter_service
from app.matters.data_sources import DATA_SOURCE_NAMES
from app.matters.models import Matter
from app.services import flows
from app.services.applications import esign, idempotency, lifecycle, sign_proof
from app.services.applications import service as applications
from app.services.applications.models import Application, MaterialStatus, Status
from app.services.applications.page_context import (china_time, errors_from, field_views, parse_posted)
from app.services.applications.pages import PostedForm, claim_with_wait
from app.services.applications.uploads import check_upload
from app.services.window import service as window_service
from app.services.window.exceptions import MatterNotAuthorised
from app.services.window_pages.common import Officer, desk_context, message

router = APIRouter()
EDITABLE = (Status.draft, Status.correction_requested)
DONE = {"created": "已为申请人创建办件，请核对申请表和材料。", "saved": "申请表已保存。", "uploaded": "材料已上传。",
        "original": "已记录核验原件。", "refreshed": "已重新从电子证照库和数据共享获取材料。",
        "signed": "申请人已签名。", "code_sent": "验证码已发送到申请人的站内消息（模拟短信）。",
        "submitted": "已提交，请作出受理决定。", "notice": "已出具一次性告知书，请打印或交申请人下载。",
        "accept": "已受理。", "refuse": "已作出不予受理决定。", "correction": "已要求补正，一次性告知书已生成。",
        "approve": "已当场批准办结。", "deny": "已当场作出不予批准决定。"}


# -- the applicant, identified at the desk --------------------------------------------------------

def _sig(officer: User, applicant_id: int) -> str:
    key = hashlib.sha256(b"window-applicant:" + get_settings().secret_key.encode()).digest()
    return hmac.new(key, f"{officer.id}:{applicant_id}".encode(), hashlib.sha256).hexdigest()[:32]


def applicant_token(officer: User, applicant: User) -> str:
    """Names the identified applicant in the next form without the ID number (kept off the page)."""
    return f"{applicant.id}.{_sig(officer, applicant.id)}"


def applicant_from(session: Session, officer: User, token: str) -> User | None:
    uid, _sep, sig = (token or "").partition(".")
    if not uid.isdigit() or len(uid) > 12 or not hmac.compare_digest(sig, _sig(officer, int(uid))):
        return None
    return session.get(User, int(uid))


def _eligible(matter: Matter, applicant: User) -> bool:
    wanted = Role.applicant_enterprise if matter.subject == "enterprise" else Role.applicant_person
    return applicant.role == wanted


def _start_page(request: Request, session: Session, officer: User, *, applicant: User | None = None,
                id_number: str = "", matter_code: str = "", errors: dict | None = None, status_code: int = 200):
    ctx = desk_context(session, officer)
    matters = []
    if applicant is not None:
        matters = [{"code": m.code, "name": pick(m.name, m.name_en), "direct": m.window_direct,
                    "spot": m.promised_days == 0} for m in window_service.authorised_matters(session, ctx["window"])
                   if _eligible(m, applicant)]
    return render(request, "window/intake_start.html", {
        **ctx, "applicant": applicant, "masked": mask_id(applicant.subject_key) if applicant else "",
        "token": applicant_token(officer, applicant) if applicant else "", "form_token": secrets.token_urlsafe(24),
        "matters": matters, "matter_code": matter_code, "id_number": id_number if applicant is None else "",
        "errors": errors or {}}, status_code=status_code)


@router.get("/window/intake")
def start(request: Request, session: SessionDep, user: Officer):
    """Step 1: the applicant's ID number (the applicant shows the ID card)."""
    return _start_page(request, session, user)


@router.post("/window/intake/identify", dependencies=[CsrfProtected])
def identify(request: Request, session: SessionDep, user: Officer,
             id_number: Annotated[str, Form(max_length=40)] = ""):
    """Find the applicant's account; the ID number is shown masked from here on."""
    desk_context(session, user)
    if not id_number.strip():
        return _start_page(request, session, user, errors={"id_number": _("请填写申请人的证件号码")}, status_code=422)
    try:
        applicant = window_service.find_applicant(session, id_number)
    except PortalError as e:
        text = _("证件号码格式不正确，请核对18位身份证号码（最后一位可能是X）或统一社会信用代码") \
            if e.status_code == 422 else message(e)
        return _start_page(request, session, user, id_number=id_number[:40], errors={"id_number": text},
                           status_code=e.status_code)
    return _start_page(request, session, user, applicant=applicant)


@router.post("/window/intake", dependencies=[CsrfProtected])
def create(request: Request, session: SessionDep, user: Officer, applicant: Annotated[str, Form(max_length=80)] = "",
           matter_code: Annotated[str, Form(max_length=80)] = "", form_token: Annotated[str, Form(max_length=100)] = ""):
    """Step 2: start the application for the chosen matter (a double click leads to the same one)."""
    person = applicant_from(session, user, applicant)
    if person is None:
        return _start_page(request, session, user, errors={"id_number": _("请先核验申请人的证件号码")}, status_code=422)
    if not matter_code:
        return _start_page(request, session, user, applicant=person, errors={"matter_code": _("请选择要办理的事项")},
                           status_code=422)
    if not form_token:
        return _start_page(request, session, user, applicant=person, matter_code=matter_code,
                           errors={"form": _("表单已过期，请检查后重新提交")}, status_code=422)
    claim = claim_with_wait(session, user, f"window:{form_token}", {"applicant": person.id})
    if claim.is_replay:
        return RedirectResponse(f"/window/intake/{claim.replay_body['number']}?done=created", status_code=303)
    try:
        with session.begin_nested():
            app = window_service.take_in(session, user, matter_code=matter_code, applicant=person, form={},
                                         strict=False, ip=client_ip(request))
        idempotency.complete(session, claim, 201, {"number": app.number}, app.number)
    except PortalError as e:
        idempotency.release(claim)
        text = message(e)
        if isinstance(e, MatterNotAuthorised):
            text = _("本窗口未获授权受理该事项，请引导申请人到有权受理的窗口")
        return _start_page(request, session, user, applicant=person, matter_code=matter_code,
                           errors={"matter_code": text}, status_code=e.status_code)
    except Exception:
        idempotency.release(claim)
        raise
    return RedirectResponse(f"/window/intake/{app.number}?done=created", status_code=303)


# -- one walk-in application ----------------------------------------------------------------------

def _load(session: Session, number: str, officer: User) -> Application:
    """A walk-in application of this officer's window (404 for others' or unknown numbers)."""
    app = applications.get_for_user(session, number, officer)
    if not access.takes_in(officer, app):
        raise Forbidden(_("该办件不是本窗口受理的，不能在此办理"))
    return app


def _exempt_note(m, name_en: str | None) -> str:
    """Where an exempt material comes from, in the reader's language (stored in Chinese)."""
    if m.status == MaterialStatus.exempt_licence:
        number = m.exempt_note.rsplit(" ", 1)[-1] if " " in m.exempt_note else ""
        return pick(m.exempt_note, f"{name_en or m.name} {number}".strip())
    if m.status == MaterialStatus.exempt_data:
        en = next((names[1] for names in DATA_SOURCE_NAMES.values() if names[0] == m.exempt_note), None)
        return pick(m.exempt_note, en)
    return m.exempt_note


def _material_views(app: Application, names_en: dict[int, str], seen: set[int]) -> list[dict]:
    editable = app.status in EDITABLE
    out = []
    for m in app.materials:
        exempt = m.status in (MaterialStatus.exempt_licence, MaterialStatus.exempt_data)
        out.append({"id": m.material_id, "name": pick(m.name, names_en.get(m.material_id)), "required": m.required,
                    "status": m.status.value, "exempt": exempt,
                    "exempt_note": _exempt_note(m, names_en.get(m.material_id)),
                    "file_name": m.original_name or m.stored_name, "seen": m.material_id in seen,
                    "can_upload": editable and not exempt, "can_tick": editable and m.material_id not in seen})
    return out


def _page(request: Request, session: Session, app: Application, officer: User, *, errors: dict | None = None,
          done: str = "", status_code: int = 200):
    from sqlalchemy import select

    from app.matters.models import Material

    matter = matter_service.get_matter(session, app.matter_code)
    intake = window_service.intake_of(session, app)
    applicant = session.get(User, app.applicant_user_id)
    names_en = dict(session.execute(select(Material.id, Material.name_en)
                                    .where(Material.matter_code == app.matter_code)).all())
    readiness = applications.readiness(app, matter) if app.status in EDITABLE else None
    missing = [pick(m.name, names_en.get(m.material_id)) for m in applications.missing_materials(app)]
    decided_here = app.status in (Status.accepted, Status.in_review, Status.resubmitted) and app.accepted_at
    return render(request, "window/intake.html", {
        **desk_context(session, officer), "app": app, "matter": matter, "matter_name": pick(matter.name, matter.name_en),
        "status_label": pick(*lifecycle.STATUS_LABELS[app.status]), "applicant_name": app.applicant_name,
        "masked": mask_id(app.subject_key), "editable": app.status in EDITABLE,
        "fields": field_views(app.matter_code, app.form, app.prefilled, errors, mask=True),
        "materials": _material_views(app, names_en, window_service.originals_seen(app)),
        "readiness": readiness, "missing": missing, "signer": applicant.username if applicant else "",
        "code_minutes": int(sign_proof.CODE_TTL.total_seconds() // 60),
        "signed_at": china_time(app.signed_at), "awaits_intake": applications.awaits_intake(app),
        "can_decide_here": bool(decided_here) and flows.can_decide(officer, app, matter),
        "notice_pdf": bool(intake and intake.notice_blob), "intake": intake,
        "rate": intake is not None and (app.status != Status.draft or bool(intake.notice_blob)),
        "errors": dict(errors or {}), "done": _(DONE[done]) if done in DONE else ""}, status_code=status_code)


@router.get("/window/intake/{number}")
def intake_page(number: str, request: Request, session: SessionDep, user: Officer, done: str = ""):
    return _page(request, session, _load(session, number, user), user, done=done[:20])


def _act(request: Request, session: Session, number: str, user: User, action: Callable[[Application], Any],
         done: str, anchor: str, error_key: str | None = None):
    """One step on the application; a refusal re-renders the page with its message, undoing the step."""
    app = _load(session, number, user)
    try:
        with session.begin_nested():
            action(app)
    except PortalError as e:
        session.expire_all()
        app = _load(session, number, user)
        errors = {error_key: message(e)} if error_key else errors_from(e)
        return _page(request, session, app, user, errors=errors, status_code=e.status_code)
    return RedirectResponse(f"/window/intake/{number}?done={done}#{anchor}", status_code=303)


@router.post("/window/intake/{number}/form", dependencies=[CsrfProtected])
def save_form(number: str, request: Request, session: SessionDep, user: Officer, posted: PostedForm):
    """The officer fills in the form with the applicant; errors shown at each field."""
    found: dict[str, str] = {}
    version = posted.get("version", "")

    def save(app: Application):
        form = parse_posted(app.matter_code, posted, set(app.prefilled))
        found.update(applications.update_form(session, app, form, actor=user.username,
                                              expected_version=int(version) if version.isdigit() else 0))

    response = _act(request, session, number, user, save, "saved", "form")
    if found:
        return _page(request, session, _load(session, number, user), user, errors=found, status_code=422)
    return response


@router.post("/window/intake/{number}/materials/refresh", dependencies=[CsrfProtected])
def refresh(number: str, request: Request, session: SessionDep, user: Officer):
    """Take from the licence wallet and the shared data again (as online does)."""
    return _act(request, session, number, user, lambda app: window_service.refresh_materials(session, user, app),
                "refreshed", "materials")


@router.post("/window/intake/{number}/materials/{material_id}", dependencies=[CsrfProtected])
def upload(number: str, material_id: int, request: Request, session: SessionDep, user: Officer,
           file: Annotated[UploadFile | None, File()] = None):
    """A scan of the paper material (PDF, JPEG or PNG)."""

    def store(app: Application):
        if file is None or not file.filename:
            raise ValidationFailed(_("请选择要上传的文件"))
        applications.attach_upload(session, app, material_id, check_upload(read_upload(file)),
                                   original_name=file.filename, actor=user.username)

    return _act(request, session, number, user, store, "uploaded", f"material-{material_id}",
                error_key=f"material_{material_id}")


@router.post("/window/intake/{number}/materials/{material_id}/original", dependencies=[CsrfProtected])
def original_seen(number: str, material_id: int, request: Request, session: SessionDep, user: Officer):
    """The officer ticks that the paper original was seen."""
    return _act(request, session, number, user,
                lambda app: window_service.mark_original_seen(session, user, app, material_id),
                "original", f"material-{material_id}", error_key=f"material_{material_id}")


def _signer(session: Session, app: Application) -> tuple[User, User | None]:
    """The applicant's account and, for an enterprise, the person who signs for it."""
    applicant = session.get(User, app.applicant_user_id)
    acting = applications.acting_person(session, applicant) if applicant.role == Role.applicant_enterprise else None
    return applicant, acting


@router.post("/window/intake/{number}/sign", dependencies=[CsrfProtected])
def sign(number: str, request: Request, session: SessionDep, user: Officer,
         password: Annotated[str, Form(max_length=256)] = "", code: Annotated[str, Form(max_length=12)] = ""):
    """The applicant, present, signs with their own second factor: their password typed by themselves
    on the signing pad, or the one-time code sent to their phone (the inbox)."""
    app = _load(session, number, user)
    applicant, acting = _signer(session, app)
    proof = sign_proof.Proof(password=password or None, code=code.strip() or None)
    try:
        esign.sign(session, app, applicant, proof, acting=acting, ip=client_ip(request))
    except PortalError as e:
        if not isinstance(e, sign_proof.RECORDED):
            session.rollback()  # nothing half-done; a refused proof stays recorded
            session.expire_all()
        field = "code" if proof.code and not password else "password"
        return _page(request, session, _load(session, number, user), user, errors={field: message(e)},
                     status_code=e.status_code)
    return RedirectResponse(f"/window/intake/{number}?done=signed#sign", status_code=303)


@router.post("/window/intake/{number}/sign/code", dependencies=[CsrfProtected])
def send_code(number: str, request: Request, session: SessionDep, user: Officer):
    app = _load(session, number, user)
    applicant, acting = _signer(session, app)
    return _act(request, session, number, user,
                lambda a: esign.send_code(session, a, applicant, acting=acting, ip=client_ip(request)),
                "code_sent", "sign", error_key="code")


@router.post("/window/intake/{number}/submit", dependencies=[CsrfProtected])
def submit(number: str, request: Request, session: SessionDep, user: Officer):
    return _act(request, session, number, user,
                lambda app: applications.submit(session, app, user, ip=client_ip(request)), "submitted", "decision")


def _reasons(text: str) -> list[str]:
    return [r.strip() for r in (text or "").splitlines() if r.strip()]


@router.post("/window/intake/{number}/notice", dependencies=[CsrfProtected])
def notice(number: str, request: Request, session: SessionDep, user: Officer,
           reasons: Annotated[str, Form(max_length=10000)] = ""):
    """一次性告知 for a draft the applicant cannot complete today: everything missing, in one PDF."""
    return _act(request, session, number, user,
                lambda app: window_service.issue_notice(session, user, app, _reasons(reasons), ip=client_ip(request)),
                "notice", "decision", error_key="reasons")


@router.post("/window/intake/{number}/decision", dependencies=[CsrfProtected])
def decide(number: str, request: Request, session: SessionDep, user: Officer,
           outcome: Annotated[str, Form(max_length=20)] = "", reasons: Annotated[str, Form(max_length=10000)] = ""):
    """受理 / 不予受理 / 要求补正 at intake; 批准 / 不予批准 on the spot for matters the window may decide."""
    if outcome not in flows.OUTCOMES:
        return _page(request, session, _load(session, number, user), user, errors={"outcome": _("请选择审批决定")},
                     status_code=422)
    return _act(request, session, number, user,
                lambda app: flows.decide(session, app, user, outcome, _reasons(reasons), ip=client_ip(request)),
                outcome, "decision", error_key="reasons")
