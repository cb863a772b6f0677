"""Service centres and windows, walk-in intake (前台综合受理), the one-time notice (一次性告知),
result hand-out (统一窗口出件) and the window's own figures (comprehensive share, intake accuracy,
on-the-spot completion)."""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from app.core import audit, blobs
from app.core.clock import CHINA_TZ, china_today
from app.core.db import utcnow
from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.identity import access
from app.identity import service as identity
from app.identity.models import Role, User
from app.identity.validation import InvalidIdentifier, mask_id, validate_id_number, validate_uscc
from app.matters import service as matter_service
from app.matters.models import Matter
from app.services.applications import lifecycle
from app.services.applications import service as applications
from app.services.applications.models import Application, Channel, Status
from app.services.seals import pdf
from app.services.window.exceptions import ApplicantNotFound, InvalidIdNumber, MatterNotAuthorised, NoWindow, \
    NotForHandout
from app.services.window.models import ServiceCentre, ServiceWindow, WindowIntake, WindowKind

_LOADED = (selectinload(Application.materials), selectinload(Application.events))
CENTRES_FILE = Path(__file__).parent / "data" / "centres.yaml"


# -- centres and windows -------------------------------------------------------------------------

def seed_centres(session: Session) -> int:
    """Create or update the centres and windows of centres.yaml; returns how many rows changed."""
    changed = 0
    columns = set(ServiceCentre.__table__.columns.keys())
    for c in _centres_data():
        values = {k: v for k, v in c.items() if k in columns}
        changed += _upsert(session, ServiceCentre, c["code"], values)
        for pos, w in enumerate(c["windows"]):
            changed += _upsert(session, ServiceWindow, w["code"], {
                "centre_code": c["code"], "name": w["name"], "name_en": w.get("name_en", ""),
                "kind": WindowKind(w["kind"]), "departments": list(w.get("departments", [])),
                "matters": list(w.get("matters", [])), "handout": bool(w.get("handout", False)), "position": pos})
    session.flush()
    return changed


@lru_cache
def _centres_data() -> list[dict[str, Any]]:
    return yaml.safe_load(CENTRES_FILE.read_text(encoding="utf-8"))["centres"]


def centre_subdistricts() -> dict[str, str]:
    """The subdistrict (街道/镇) each centre serves, from the centres file (for the service map)."""
    return {c["code"]: c.get("subdistrict", "") for c in _centres_data()}


def _upsert(session: Session, model, key: str, values: dict) -> int:
    row = session.get(model, key)
    if row is None:
        session.add(model(**values, **({"code": key} if "code" not in values else {})))
        return 1
    if all(getattr(row, k) == v for k, v in values.items()):
        return 0
    for k, v in values.items():
        setattr(row, k, v)
    return 1


def list_centres(session: Session) -> list[ServiceCentre]:
    return list(session.scalars(select(ServiceCentre).order_by(ServiceCentre.kind, ServiceCentre.code)))


def get_centre(session: Session, code: str) -> ServiceCentre:
    centre = session.get(ServiceCentre, code)
    if centre is None:
        raise NotFound(f"没有该服务中心：{code[:40]} / No such service centre")
    return centre


def windows_of(session: Session, centre_code: str | None = None) -> list[ServiceWindow]:
    stmt = select(ServiceWindow).order_by(ServiceWindow.centre_code, ServiceWindow.position)
    if centre_code:
        stmt = stmt.where(ServiceWindow.centre_code == centre_code)
    return list(session.scalars(stmt))


def comprehensive_share(session: Session) -> float:
    """综合窗口比例: comprehensive windows among all windows (0.0 when there are none)."""
    total = session.scalar(select(func.count()).select_from(ServiceWindow)) or 0
    comprehensive = session.scalar(select(func.count()).select_from(ServiceWindow)
                                   .where(ServiceWindow.kind == WindowKind.comprehensive)) or 0
    return comprehensive / total if total else 0.0


def officer_window(session: Session, user: User) -> ServiceWindow:
    """The window this officer is assigned to (`user.window_code`); 403 for anyone else."""
    if user.role != Role.window_officer or not user.window_code:
        raise NoWindow()
    window = session.get(ServiceWindow, user.window_code)
    if window is None:
        raise NoWindow()
    return window


def authorised(window: ServiceWindow, matter: Matter) -> bool:
    """May this window take in this matter? Its departments (none listed: all) and matters (none: all)."""
    if window.departments and matter.department_code not in window.departments:
        return False
    return not window.matters or matter.code in window.matters


def authorised_matters(session: Session, window: ServiceWindow) -> list[Matter]:
    return [m for m in session.scalars(select(Matter).order_by(Matter.position, Matter.code)) if authorised(window, m)]


# -- walk-in intake ------------------------------------------------------------------------------

def _normalise_key(raw: str) -> str:
    key = "".join((raw or "").split()).upper()
    try:
        return validate_id_number(key) if len(key) == 18 and key[:17].isdigit() else validate_uscc(key)
    except InvalidIdentifier:
        raise InvalidIdNumber() from None


def find_applicant(session: Session, id_number: str) -> User:
    """The applicant present at the window, by ID number (or an enterprise's credit code)."""
    user = identity.find_applicant(session, _normalise_key(id_number))
    if user is None:
        raise ApplicantNotFound()
    return user


def take_in(session: Session, officer: User, *, matter_code: str, applicant_id_number: str = "",
            form: dict[str, Any] | None, strict: bool = True, ip: str = "", applicant: User | None = None) -> Application:
    """Start an application at the officer's window for the applicant who is present (channel window).
    `applicant`: the person already identified by ID number at the desk (else looked up here)."""
    window = officer_window(session, officer)
    matter = matter_service.get_matter(session, matter_code)
    if not authorised(window, matter):
        raise MatterNotAuthorised(f"本窗口未获授权受理该事项：{matter.name} / This window may not take in {matter.code}")
    applicant = applicant or find_applicant(session, applicant_id_number)
    app = applications.create_draft(session, matter_code=matter.code, user=applicant, form=form, channel=Channel.window,
                                    strict=strict, actor=officer.username, window_code=window.code)
    session.add(WindowIntake(application_id=app.id, application_number=app.number, window_code=window.code,
                             officer=officer.username, department_code=app.department_code,
                             on_the_spot_matter=matter.promised_days == 0))
    session.flush()
    audit.record(session, actor=officer.username, action="window.take_in", object_type="application",
                 object_id=app.number, ip=ip, detail={"window": window.code, "matter": matter.code})
    return app


def _preparing(officer: User, app: Application) -> None:
    if not access.takes_in(officer, app):
        raise Forbidden("只有受理窗口可以办理 / Only the intake window can do this")
    if app.status not in (Status.draft, Status.correction_requested):
        raise NotForHandout("该办件已提交，不能再修改材料 / This application is submitted; its materials are final")


def mark_original_seen(session: Session, officer: User, app: Application, material_id: int) -> None:
    """The officer saw the paper original of a material (核验原件); recorded once as an event."""
    _preparing(officer, app)
    am = next((m for m in app.materials if m.material_id == material_id), None)
    if am is None:
        raise ValidationFailed(f"该事项没有编号为{material_id}的材料 / This matter has no material {material_id}",
                               code="material_not_found")
    if material_id in originals_seen(app):
        return
    lifecycle.note_event(session, app, "original_seen", actor=officer.username,
                         note=(f"已核验原件：{am.name}#{material_id}", f"Original seen: {am.name}#{material_id}"))


def originals_seen(app: Application) -> set[int]:
    """Material ids whose paper original the window saw."""
    seen = set()
    for e in app.events:
        if e.action == "original_seen" and "#" in (e.note or ""):
            tail = e.note.rsplit("#", 1)[1]
            if tail.isdigit():
                seen.add(int(tail))
    return seen


def refresh_materials(session: Session, officer: User, app: Application) -> None:
    """Take from the licence wallet and shared data again (as online does), e.g. after a licence was issued."""
    _preparing(officer, app)
    applicant = session.get(User, app.applicant_user_id)
    applications.resolve_materials(session, app, matter_service.get_matter(session, app.matter_code), applicant)


def intake_of(session: Session, app: Application) -> WindowIntake | None:
    return session.scalar(select(WindowIntake).where(WindowIntake.application_id == app.id))


def handled_by_window(session: Session, window_code: str, limit: int = 50) -> list[Application]:
    """What this window took in, newest first."""
    return list(session.scalars(select(Application).where(Application.window_code == window_code)
                                .options(*_LOADED).order_by(Application.id.desc()).limit(limit)))


def record_decision(session: Session, app: Application, user: User, outcome: str, reasons: list[str],
                    *, at_intake: bool) -> None:
    """After any intake step or decision on a window application: keep the intake record current.
    Only a return to the window (退回窗口: the back office finds the intake itself wrong) counts
    against intake accuracy — a correction or a refusal by the back office is a decision on the
    case, not an intake error; a correction at the window makes the one-time notice; an
    on-the-spot matter decided at the window is completed there."""
    if app.channel != Channel.window:
        return  # only a window intake (`take_in`) has an intake record: an online application has none to read
    intake = intake_of(session, app)
    if intake is None:
        return
    if outcome == "return_to_window":
        if intake.returned is None:
            intake.returned, intake.returned_by = "window", user.username
        officer = identity.get_by_username(session, intake.officer)
        if officer is not None:  # the officer who took it in hears of it (the applicant is told too)
            applications.notify_user(session, officer.id, ("办件退回窗口：收件有误", "Returned to the window: intake error"),
                                     "\n".join([app.number, *reasons]), application_number=app.number)
        session.flush()
        return
    if user.role == Role.window_officer:
        if outcome == "accept":
            intake.accepted_at = utcnow()
        elif outcome == "correction" and at_intake:
            intake.notice_blob = blobs.put(session, correction_notice_pdf(session, app, reasons), "application/pdf")
        elif outcome in ("approve", "deny") and intake.on_the_spot_matter:
            intake.completed_on_spot = True
    session.flush()


def correction_notice_pdf(session: Session, app: Application, reasons: list[str]) -> bytes:
    """一次性告知书: everything still missing, at once — the materials not yet provided and the
    officer's reasons — so the applicant comes back only once."""
    matter = matter_service.get_matter(session, app.matter_code)
    missing = [m.name for m in applications.missing_materials(app)]
    rows = [("办件编号 Number", app.number), ("申请人 Applicant", app.applicant_name),
            ("事项 Matter", f"{matter.name} {matter.name_en}".strip()),
            ("窗口 Window", app.window_code or "")]
    rows += [(f"缺少材料 Missing material {i}", name) for i, name in enumerate(missing, 1)]
    rows += [(f"补正事项 To correct {i}", text) for i, text in enumerate(reasons, 1)]
    return pdf.render_notice_pdf(
        "补正材料一次性告知书", f"One-time notice of everything to correct · 办件编号 {app.number}", rows,
        ("请一次性补齐上列全部材料和事项后重新提交；办理时限自补正材料提交之日起重新计算。",
         "Provide everything listed above in one go and resubmit; the time limit runs again from the resubmission."))


def issue_notice(session: Session, officer: User, app: Application, reasons: list[str], *, ip: str = "") -> None:
    """一次性告知 at the desk: the applicant came without everything; the draft waits for their return
    and they leave with the notice of all that is missing."""
    if not access.takes_in(officer, app) or app.status != Status.draft:
        raise NotForHandout("只能为本窗口受理中的草稿出具告知书 / Only a draft taken in at this window gets a notice")
    reasons = [r.strip()[:500] for r in reasons if r and r.strip()][:20]
    if not reasons and not applications.missing_materials(app):
        raise ValidationFailed("没有需要告知的缺项 / Nothing is missing to give notice of", fields={"reasons": "required"})
    intake = intake_of(session, app)
    intake.notice_blob = blobs.put(session, correction_notice_pdf(session, app, reasons), "application/pdf")
    lifecycle.note_event(session, app, "notice", actor=officer.username, note=("出具一次性告知书", "One-time notice issued"))
    audit.record(session, actor=officer.username, action="window.notice", object_type="application",
                 object_id=app.number, ip=ip)


def notice_pdf(session: Session, app: Application) -> bytes | None:
    intake = intake_of(session, app)
    if intake is None or not intake.notice_blob:
        return None
    return blobs.get(session, intake.notice_blob).content


# -- unified hand-out ----------------------------------------------------------------------------

def _handout_window(session: Session, officer: User) -> ServiceWindow:
    window = officer_window(session, officer)
    if not window.handout:
        raise Forbidden("本窗口不办理出件 / This window does not hand out results")
    return window


def ready_for_handout(session: Session, officer: User) -> list[Application]:
    """Approved window applications of this officer's centre, waiting to be collected."""
    window = _handout_window(session, officer)
    codes = [w.code for w in windows_of(session, window.centre_code)]
    return list(session.scalars(select(Application).where(
        Application.channel == Channel.window, Application.status == Status.approved,
        Application.window_code.in_(codes)).options(*_LOADED).order_by(Application.decided_at)))


def hand_out(session: Session, officer: User, number: str, *, collected_by: str, collector_id_number: str = "",
             downloaded: bool = False, ip: str = "") -> Application:
    """出件: the applicant (or whoever collects, ID checked) takes the result; the application is issued.
    With `collector_id_number` the collector's ID is checked: the applicant's own, or a named proxy's
    valid ID number (kept masked). `downloaded`: the applicant downloaded the e-sealed result instead."""
    ready = {a.number: a for a in ready_for_handout(session, officer)}
    app = ready.get(number)
    if app is None:
        raise NotForHandout("该办件不在本中心待出件清单中 / This application is not waiting for hand-out at this centre")
    collected_by = " ".join((collected_by or "").split())[:80]
    if downloaded:
        collected_by = "申请人自行下载电子结果"
        note = ("申请人已自行下载电子结果", "The applicant downloaded the e-sealed result")
    else:
        if collector_id_number:
            key = _normalise_key(collector_id_number)
            if key == app.subject_key:
                collected_by = collected_by or app.applicant_name
            elif not collected_by:
                raise ValidationFailed("代领人须填写姓名 / Give the name of the person collecting for the applicant",
                                       fields={"collected_by": "required"})
            collected_by = f"{collected_by}（{mask_id(key)}）"
        collected_by = collected_by or app.applicant_name
        note = (f"窗口出件，领取人：{collected_by}", f"Handed out at the window to {collected_by}")
    lifecycle.transition(session, app, "issue", actor=officer.username, ip=ip, note=note)
    app.issued_at = utcnow()
    intake = intake_of(session, app)
    if intake is not None:
        intake.handed_out_by, intake.handed_out_at, intake.collected_by = officer.username, utcnow(), collected_by
    applications.notify(session, app, ("办结：结果已领取", "Completed: result collected"), app.number)
    session.flush()
    return app


# -- figures -------------------------------------------------------------------------------------

def intake_figures(session: Session, window_code: str | None = None) -> dict[str, Any]:
    """Intake accuracy (收件准确率): window-accepted intakes the back office did not return to the
    window as intake errors ÷ all window-accepted intakes (at every window, or at `window_code`); the
    on-the-spot share (当场办结比例, `on_the_spot_share`): at the comprehensive windows (or at
    `window_code`). None when there is nothing to divide."""
    w = WindowIntake
    scope = [w.window_code == window_code] if window_code else []
    intakes, accepted, kept = session.execute(select(
        func.count(w.id), func.count(w.accepted_at),
        func.coalesce(func.sum(case((w.accepted_at.is_not(None) & w.returned.is_(None), 1), else_=0)), 0))
        .where(*scope)).one()
    done, taken = on_the_spot_totals(on_the_spot_by_day(session, window_code))
    return {"intakes": intakes, "accepted": accepted, "returned": accepted - kept,
            "intake_accuracy": kept / accepted if accepted else None,
            "on_the_spot_intakes": taken, "completed_on_spot": done,
            "on_the_spot_share": done / taken if taken else None}


def on_the_spot_by_day(session: Session, window_code: str | None = None) -> dict[date, tuple[int, int]]:
    """当场办结, one definition for the window dashboard, the KPI dashboard and the simulator's report:
    China day of the intake → (intakes completed on the spot, intakes), at the comprehensive windows
    (综合窗口), or at the window `window_code`. An intake is completed on the spot when the officer
    decided it at the window (an on-the-spot matter approved or denied there: `record_decision`)."""
    w = WindowIntake
    stmt = select(w.created_at, w.completed_on_spot)
    if window_code:
        stmt = stmt.where(w.window_code == window_code)
    else:
        stmt = stmt.join(ServiceWindow, ServiceWindow.code == w.window_code) \
            .where(ServiceWindow.kind == WindowKind.comprehensive)
    out: dict[date, tuple[int, int]] = {}
    for at, completed in session.execute(stmt.execution_options(yield_per=2000)):
        day = at.astimezone(CHINA_TZ).date()
        done, taken = out.get(day, (0, 0))
        out[day] = (done + bool(completed), taken + 1)
    return out


def on_the_spot_totals(by_day: dict[date, tuple[int, int]]) -> tuple[int, int]:
    """(completed on the spot, taken in) over the days of `on_the_spot_by_day`."""
    return sum(d for d, _ in by_day.values()), sum(t for _, t in by_day.values())


def overdue_by_department(session: Session, today=None) -> dict[str, int]:
    """Open applications past their promised date (clock not paused), per department code."""
    today = today or china_today()
    rows = session.execute(select(Application.department_code, func.count()).where(
        Application.status.in_(list(lifecycle.OPEN)), Application.due_date.is_not(None),
        Application.due_date < today, Application.clock_paused_on.is_(None)).group_by(Application.department_code))
    return {code: n for code, n in rows if n}


def dashboard(session: Session, centre_code: str) -> dict[str, Any]:
    """The staff dashboard's figures, one implementation for the page and the API: the queue today
    at a centre, intake accuracy and on-the-spot share, the comprehensive-window share, overdue per department."""
    from app.services.window import queue  # queue imports this module

    get_centre(session, centre_code)
    return {"queue": queue.figures(session, centre_code), "intake": intake_figures(session),
            "comprehensive_share": comprehensive_share(session),
            "overdue_by_department": overdue_by_department(session)}
