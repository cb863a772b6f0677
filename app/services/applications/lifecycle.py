"""The one state machine of an application; every transition appends an event."""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.core import audit
from app.core.db import utcnow
from app.core.i18n import Text, texts
from app.services.applications.exceptions import IllegalTransition
from app.services.applications.models import Application, ApplicationEvent, Status

S = Status
# action -> {from status: to status}
TRANSITIONS: dict[str, dict[Status, Status]] = {
    "submit": {S.draft: S.submitted},
    "accept": {S.submitted: S.accepted, S.resubmitted: S.accepted},
    "refuse": {S.submitted: S.refused, S.resubmitted: S.refused},
    "start_review": {S.accepted: S.in_review, S.resubmitted: S.in_review},
    "request_correction": {S.submitted: S.correction_requested, S.accepted: S.correction_requested,
                           S.in_review: S.correction_requested, S.resubmitted: S.correction_requested},
    # 退回窗口: the department sends a window application back as an intake error (窗口收件有误)
    "return_to_window": {S.submitted: S.correction_requested, S.accepted: S.correction_requested,
                         S.in_review: S.correction_requested, S.resubmitted: S.correction_requested},
    "resubmit": {S.correction_requested: S.resubmitted},
    "approve": {S.in_review: S.approved},
    "deny": {S.in_review: S.denied},
    "issue": {S.approved: S.issued},
    "withdraw": {S.draft: S.withdrawn, S.submitted: S.withdrawn, S.accepted: S.withdrawn,
                 S.correction_requested: S.withdrawn, S.resubmitted: S.withdrawn},
}
TERMINAL = {S.issued, S.denied, S.refused, S.withdrawn}
OPEN = {S.submitted, S.accepted, S.in_review, S.resubmitted}  # the department's clock runs
STATUS_LABELS = {
    S.draft: ("草稿", "Draft"), S.submitted: ("已提交", "Submitted"), S.accepted: ("已受理", "Accepted"),
    S.in_review: ("审批中", "In review"), S.approved: ("已批准", "Approved"), S.denied: ("不予批准", "Denied"),
    S.issued: ("已办结出件", "Completed and issued"), S.correction_requested: ("待补正", "Correction requested"),
    S.resubmitted: ("已补正", "Resubmitted"), S.refused: ("不予受理", "Refused"), S.withdrawn: ("已撤回", "Withdrawn"),
}
ACTION_LABELS = {
    "create": ("创建草稿", "Draft created"), "submit": ("提交申请", "Submitted"), "accept": ("受理", "Accepted"),
    "refuse": ("不予受理", "Refused"), "start_review": ("开始审批", "Review started"),
    "request_correction": ("要求补正", "Correction requested"), "resubmit": ("补正后重新提交", "Resubmitted"),
    "approve": ("批准", "Approved"), "deny": ("不予批准", "Denied"), "issue": ("出件", "Issued"),
    "withdraw": ("撤回", "Withdrawn"), "sign": ("电子签名", "E-signed"), "upload": ("上传材料", "Material uploaded"),
    "notice": ("一次性告知", "One-time notice"),
    "return_to_window": ("退回窗口（收件有误）", "Returned to the window (intake error)"),
    "review_opinion": ("审核", "Reviewed (first level)"), "assign": ("分派", "Assigned"),
    "take": ("领办", "Taken"), "release": ("退回待分派", "Released"),
    "original_seen": ("核验原件", "Original seen"),
}
CORRECTION_ACTIONS = ("request_correction", "return_to_window")  # both wait for a corrected resubmission


def allowed_actions(status: Status) -> list[str]:
    return [a for a, moves in TRANSITIONS.items() if status in moves]


def transition(session: Session, app: Application, action: str, *, actor: str, note: Text = "",
               ip: str = "") -> ApplicationEvent:
    """Move the application by `action` or raise IllegalTransition (409). The application's row and the
    event are written at the session's next flush (with the unit's other writes, in one round)."""
    moves = TRANSITIONS.get(action)
    if moves is None or app.status not in moves:
        raise IllegalTransition(
            f"当前状态“{STATUS_LABELS[app.status][0]}”下不能执行“{ACTION_LABELS.get(action, (action,))[0]}” / "
            f"cannot {action} an application that is {app.status.value}")
    old = app.status
    app.status = moves[old]
    app.updated_at = utcnow()
    zh, en = texts(note)
    event = ApplicationEvent(application_id=app.id, at=utcnow(), actor=actor, action=action, from_status=old.value,
                             to_status=app.status.value, note=zh, note_en=en)
    app.events.append(event)
    audit.record(session, actor=actor, action=f"application.{action}", object_type="application",
                 object_id=app.number, ip=ip, detail={"from": old.value, "to": app.status.value})
    return event


def note_event(session: Session, app: Application, action: str, *, actor: str, note: Text = "") -> None:
    """An event that does not change the status (created, signed, material uploaded)."""
    zh, en = texts(note)
    app.events.append(ApplicationEvent(application_id=app.id, at=utcnow(), actor=actor, action=action, from_status=None,
                                       to_status=app.status.value, note=zh, note_en=en))
