"""Journeys that cross domains, written once: decide → seal the result → issue → licence to
the wallet. API routes, pages and (later) the simulator all call these."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from app.core import audit
from app.core.db import utcnow
from app.core.errors import Forbidden, ValidationFailed
from app.core.i18n import Text
from app.identity import access
from app.identity.models import Role, User
from app.matters import service as matter_service
from app.matters.models import Matter
from app.services.applications import lifecycle, presenters
from app.services.applications import service as applications
from app.services.applications.exceptions import (ConcurrentEdit, IllegalTransition, IntakeDone, ReviewDone,
                                                   ReviewOpinionRequired, SecondPersonRequired)
from app.services.applications.models import Application, Channel, Status
from app.services.approval import service as approval
from app.services.seals import documents, licences
from app.services.seals.schemas import ResultDocumentInput
from app.services.window import service as window

OUTCOMES = ("approve", "deny", "correction", "accept", "refuse", "review", "return_to_window")
# accept / refuse: intake (受理 / 不予受理); review: the first-level opinion (审核) of a two-level matter;
# return_to_window: the department sends a window application back as an intake error (退回窗口)
OPINIONS = ("approve", "deny")
NEEDS_REASONS = ("deny", "correction", "refuse", "return_to_window")


LICENCE_YEARS = {"business-licence": None, "id-card": 20, "residence-permit": 1, "social-security-card": 10,
                 "food-business-licence": 5, "teacher-qualification": None, "foreign-work-permit": 1,
                 "construction-permit": 3, "marriage-certificate": None, "hukou-book": None,
                 "disability-certificate": 10, "veteran-card": None}


INTAKE_WITH_DECISION = ("与审批决定一并受理", "Accepted together with the decision")
OPINION_TEXT = {"approve": ("建议批准", "recommends approval"), "deny": ("建议不予批准", "recommends denial")}


def can_decide(user: User, app: Application, matter: Matter) -> bool:
    return access.can_decide(user, app, window_direct=matter.window_direct)


def decide(session: Session, app: Application, user: User, outcome: str, reasons: list[str], *,
           opinion: str | None = None, version: int | None = None, ip: str = "") -> Application:
    """Intake first (accept / refuse / correction), then the decision (approve / deny / correction),
    by the department's reviewer or an authorised window officer. The reasons are kept whole.

    Two-level matters (`Matter.two_level`, 审核/审批): one reviewer records the first-level opinion
    (`review` with `opinion` approve | deny); approve / deny by a *different* reviewer then decides.
    `return_to_window` sends a window application back to the window as an intake error. `version`,
    when given, is the version the decider read: anything changed since answers 409."""
    matter = matter_service.get_matter(session, app.matter_code)
    if version is not None and version != app.version:
        raise ConcurrentEdit()
    at_intake = outcome in ("accept", "refuse") or (outcome == "correction" and applications.awaits_intake(app))
    if not (can_decide(user, app, matter) or (at_intake and access.takes_in(user, app))):
        raise Forbidden("您无权对该办件作出决定 / You are not authorised to decide this application")
    if outcome not in OUTCOMES:
        raise ValidationFailed("决定须为 accept、refuse、approve、deny、correction、review 或 return_to_window / "
                               "outcome must be accept, refuse, approve, deny, correction, review or "
                               "return_to_window", fields={"outcome": "invalid"})
    if outcome in ("review", "return_to_window") and user.role != Role.reviewer:
        raise Forbidden("审核意见和退回窗口由部门审批人员作出 / Only the department's reviewers give a first-level "
                        "opinion or return an application to the window")
    reasons = [r.strip()[:500] for r in reasons if r and r.strip()][:20]
    if outcome == "review" and opinion not in OPINIONS:
        raise ValidationFailed("审核意见须为 approve（建议批准）或 deny（建议不予批准） / opinion must be approve or deny",
                               fields={"opinion": "invalid"})
    if (outcome in NEEDS_REASONS or (outcome == "review" and opinion == "deny")) and not reasons:
        raise ValidationFailed("不予批准、不予受理、要求补正或退回窗口时须说明理由 / Give the reasons for a denial, a "
                               "refusal, a correction request or a return to the window", fields={"reasons": "required"})
    _decide(session, app, user, matter, outcome, reasons, ip, opinion=opinion)
    window.record_decision(session, app, user, outcome, reasons, at_intake=at_intake)
    return app


def _clear_review(app: Application) -> None:
    """A correction (or a return to the window) brings new material: the first-level opinion starts over."""
    app.review_opinion, app.review_by, app.review_reasons, app.reviewed_at = None, None, [], None


def _review(session: Session, app: Application, user: User, matter: Matter, opinion: str, reasons: list[str],
            ip: str) -> None:
    """审核: the first-level opinion of a two-level matter; the application stays in review for 审批."""
    if not matter.two_level:
        raise ValidationFailed("该事项由一人审批，无需审核意见：请直接作出决定 / This matter is decided by one person: "
                               "approve, deny or ask for correction directly", fields={"outcome": "single_level"})
    if app.status not in lifecycle.OPEN:
        raise IllegalTransition(f"当前状态下不能签署审核意见 / cannot review an application that is {app.status.value}")
    if app.review_opinion is not None:
        raise ReviewDone()
    _start_review(session, app, user, ip)
    app.review_opinion, app.review_by, app.review_reasons, app.reviewed_at = opinion, user.username, reasons, utcnow()
    zh, en = OPINION_TEXT[opinion]
    typed = "\n".join(reasons)
    lifecycle.note_event(session, app, "review_opinion", actor=user.username,
                         note=(f"审核意见：{zh}" + (f"\n{typed}" if typed else ""),
                               f"First-level opinion: {en}" + (f"\n{typed}" if typed else "")))
    audit.record(session, actor=user.username, action="application.review_opinion", object_type="application",
                 object_id=app.number, ip=ip, detail={"opinion": opinion})


def _decide(session: Session, app: Application, user: User, matter: Matter, outcome: str, reasons: list[str],
            ip: str, *, opinion: str | None = None) -> None:
    note = "\n".join(reasons)  # what the reviewer typed, whole (one reason per line)
    if outcome in ("accept", "refuse"):
        _intake(session, app, user, outcome, reasons, ip)
        return
    if outcome == "review":
        _review(session, app, user, matter, opinion or "", reasons, ip)
        return
    if outcome == "return_to_window":
        if app.channel != Channel.window or not app.window_code:
            raise ValidationFailed("只有窗口收件的办件才能退回窗口 / Only an application taken in at a window can be "
                                   "returned to it", fields={"outcome": "not_window"})
        lifecycle.transition(session, app, "return_to_window", actor=user.username, note=note, ip=ip)
        applications.pause_clock(app, applications.today_china())
        _clear_review(app)
        applications.notify(session, app, ("窗口收件有误，请到窗口补正", "Intake error: please complete it at the window"),
                            note)
        return
    if outcome == "correction":
        lifecycle.transition(session, app, "request_correction", actor=user.username, note=note, ip=ip)
        applications.pause_clock(app, applications.today_china())
        _clear_review(app)
        applications.notify(session, app, ("请补正材料", "Correction requested"), note)
        return
    if matter.two_level:  # 审批: only on a first-level opinion, and by someone else
        if app.review_opinion is None:
            raise ReviewOpinionRequired()
        if app.review_by == user.username:
            raise SecondPersonRequired()
    _start_review(session, app, user, ip)
    lifecycle.transition(session, app, outcome, actor=user.username, note=note, ip=ip)
    app.decided_at = utcnow()
    app.decision_outcome = "approved" if outcome == "approve" else "denied"
    app.decision_by = user.username
    app.decision_reasons = reasons
    if outcome == "approve":
        issue_result(session, app, matter, actor=user.username)
    else:
        issue_denial(session, app, matter, actor=user.username)
        applications.notify(session, app, ("申请未获批准", "Application denied"), note)


def _intake(session: Session, app: Application, user: User, outcome: str, reasons: list[str],
            ip: str, note: Text = "") -> Application:
    """受理 / 不予受理: the intake check of a (re)submitted application, once."""
    if not applications.awaits_intake(app):
        raise IntakeDone()
    lifecycle.transition(session, app, outcome, actor=user.username, note=note or "\n".join(reasons), ip=ip)
    app.intake_due_date = None
    if outcome == "accept":
        app.accepted_at = utcnow()
        applications.notify(session, app, ("申请已受理", "Application accepted"), app.number)
    else:
        app.decided_at = utcnow()
        app.decision_outcome, app.decision_by, app.decision_reasons = "refused", user.username, reasons
        applications.notify(session, app, ("申请不予受理", "Application refused"), "\n".join(reasons))
    return app


def _start_review(session: Session, app: Application, user: User, ip: str) -> None:
    """A decision follows acceptance: accepted (or resubmitted after acceptance) → in review. A
    decision on an application not yet taken in performs the intake first, as its own recorded
    step (event, audit record, the applicant told), never silently."""
    if applications.awaits_intake(app):
        _intake(session, app, user, "accept", [], ip, note=INTAKE_WITH_DECISION)
    if app.status in (Status.accepted, Status.resubmitted):
        lifecycle.transition(session, app, "start_review", actor=user.username, ip=ip)


def _valid_to(licence_type: str | None, start: date) -> date | None:
    years = LICENCE_YEARS.get(licence_type or "", 5)
    if years is None:
        return None
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


# Shanghai's elderly allowance (老年综合津贴) by age band: (from age, yuan a month).
ELDERLY_ALLOWANCE_BANDS = [(100, 600), (90, 350), (80, 180), (70, 150), (65, 75)]


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def granted_terms(app: Application, matter: Matter, today: date) -> list[tuple[str, str]]:
    """What an approval grants, as the decision states it: the amount, the period, when and how it
    is paid (benefits paid into the applicant's bank account, card shown by its last four digits)."""
    form = app.form or {}
    account = str(form.get("bank_account") or "")
    to_card = f"发放至申请人本人银行账户（{form.get('bank_name') or '开户银行'}，尾号{account[-4:]}）" if account else ""
    if matter.code == "elderly-allowance" and form.get("birth_date"):
        age = _age_on(date.fromisoformat(str(form["birth_date"])), today)
        amount = next((yuan for start, yuan in ELDERLY_ALLOWANCE_BANDS if age >= start), None)
        if amount is None:
            return []
        first = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        return [("金额 Amount", f"每月人民币{amount}元（{age}周岁，按年龄段标准）"),
                ("期间 Period", f"自{first.year}年{first.month}月起按月发放，年龄段变化时自动调整"),
                ("发放 Payment", f"每月10日前{to_card or '按月发放'}")]
    if matter.code == "temporary-assistance" and form.get("amount_requested"):
        return [("金额 Amount", f"一次性救助人民币{form['amount_requested']}元"),
                ("期间 Period", "一次性发放"),
                ("发放 Payment", f"决定之日起10个工作日内{to_card or '发放'}")]
    return []


def issue_denial(session: Session, app: Application, matter: Matter, *, actor: str) -> None:
    """A denial is a decision too: a sealed 不予…决定书 with the reasons, the authority's full name
    and how to appeal (行政复议 within 60 days, 行政诉讼 within 6 months)."""
    department = matter_service.get_department(session, matter.department_code)
    doc = documents.issue_result(session, ResultDocumentInput(
        number=app.number, matter_code=matter.code, matter_name=matter.name, result_type="decision",
        department_code=department.code, department_name=department.full_name, applicant_name=app.applicant_name,
        applicant_id_number=app.subject_key, outcome="deny", reasons=list(app.decision_reasons or []),
        decided_at=app.decided_at), actor=actor)
    app.result_document_id = doc.id


def issue_result(session: Session, app: Application, matter: Matter, *, actor: str) -> None:
    """Seal the result PDF with the department's e-seal; online results are issued at once and
    licences land in the holder's wallet."""
    department = matter_service.get_department(session, matter.department_code)
    licence_name = None
    if matter.issues_licence:
        licence_name = matter_service.licence_type_names(session).get(matter.issues_licence)
    today = applications.today_china()
    valid_to = _valid_to(matter.issues_licence, today) if matter.issues_licence else None
    licence_number = licences.licence_number(matter.department_code) if matter.issues_licence else None
    doc = documents.issue_result(session, ResultDocumentInput(
        number=app.number, matter_code=matter.code, matter_name=matter.name, result_type=matter.result,
        department_code=department.code, department_name=department.full_name, applicant_name=app.applicant_name,
        applicant_id_number=app.subject_key, outcome="approve", reasons=list(app.decision_reasons or []),
        decided_at=app.decided_at, licence_type=matter.issues_licence, licence_name=licence_name,
        licence_number=licence_number, valid_to=valid_to,
        granted=granted_terms(app, matter, today) if not matter.issues_licence else []), actor=actor)
    app.result_document_id = doc.id
    if matter.issues_licence:
        lic = licences.issue_licence(session, holder_key=app.subject_key, holder_name=app.applicant_name,
                                     licence_type=matter.issues_licence, licence_name=licence_name or matter.name,
                                     issuer_code=department.code, issuer_name=department.full_name, valid_from=today,
                                     valid_to=valid_to, sealed_document_id=doc.id, application_number=app.number,
                                     number=licence_number, actor=actor)
        app.licence_id = lic.id
    if app.channel == Channel.online:
        lifecycle.transition(session, app, "issue", actor="system", note=("电子结果已送达", "Delivered electronically"))
        app.issued_at = utcnow()
        applications.notify(session, app, ("办结：结果已出件", "Completed: result issued"),
                            (f"{matter.name}（{app.number}）已批准，可下载加盖电子印章的结果文件",
                             f"{matter.name_en or matter.name} ({app.number}) was approved; the e-sealed result "
                             "can be downloaded"))
    else:
        applications.notify(session, app, ("已批准，请到窗口领取", "Approved: collect at the window"), app.number)


def after_submit(session: Session, app: Application) -> None:
    """秒批: an auto-approval matter is decided by its model at once; approvals are sealed and issued,
    definitive denials explained, everything else stays in the department's queue with the reasons."""
    decision = approval.auto_decide(session, app)
    if decision is None or decision.outcome == "refer":
        return
    matter = matter_service.get_matter(session, app.matter_code)
    note = "；".join(approval.reason_texts(decision.reasons, "zh"))
    model = (f"自动审批模型 v{decision.model_version}", f"decision model v{decision.model_version}")
    lifecycle.transition(session, app, "accept", actor="system", note=model)
    app.accepted_at = utcnow()
    lifecycle.transition(session, app, "start_review", actor="system", note=model)
    note_en = "; ".join(approval.reason_texts(decision.reasons, "en"))
    lifecycle.transition(session, app, decision.outcome, actor="system", note=(note, note_en) if note else model)
    app.decided_at = utcnow()
    app.decision_by = "system"
    app.decision_reasons = approval.reason_texts(decision.reasons, "zh")
    if decision.outcome == "approve":
        app.decision_outcome = "approved"
        issue_result(session, app, matter, actor="system")
    else:
        app.decision_outcome = "denied"
        applications.notify(session, app, ("申请未获批准", "Application denied"), (note, note_en))



def register() -> None:
    """Hand the auto-approval to applications, which sits below it: run it after every submit and show
    its decision with the application. Called by the app at start-up; idempotent."""
    for hooks, hook in ((applications.AFTER_SUBMIT, after_submit),
                        (presenters.AUTO_APPROVAL, approval.auto_approval_out)):
        if hook not in hooks:
            hooks.append(hook)
