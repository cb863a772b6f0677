"""Who may read what: the one access policy, asked by API routes and pages alike.

- Applicants see their own applications; an enterprise its own (also when a person acts for it).
- Reviewers see the applications routed to their department, and decide them.
- Window officers see what their window took in or they acted on (events), and any other
  application only by number *with* the applicant's ID number (a lookup, audited).
- Evaluators see aggregates only: no application, form, material or document.
- Administrators see personal data only after stating a reason, which the audit log records.
- A sealed document downloads for its holder, the department that issued it (and an
  administrator with a reason); everyone else gets the public registry record, which holds
  no personal data.

The policy judges objects by a few attributes (see the Protocols), so that every layer can ask it
without importing the layers above.
"""
from __future__ import annotations

from typing import Iterable, Protocol

from sqlalchemy.orm import Session

from app.core import audit
from app.core.errors import Forbidden
from app.identity.models import Role, User

REASON_MIN, REASON_MAX = 4, 500


class Event(Protocol):
    actor: str


class Case(Protocol):
    """An application as far as the policy needs it."""
    applicant_user_id: int
    subject_key: str
    department_code: str
    window_code: str | None
    channel: str  # "online" | "window"

    @property
    def events(self) -> Iterable[Event]: ...


class ReasonRequired(Forbidden):
    code = "reason_required"

    def __init__(self):
        super().__init__("查看个人信息须先说明理由（reason 参数或 X-Access-Reason 请求头，至少 4 个字） / "
                         "State a reason before reading personal data (the `reason` parameter or the "
                         "X-Access-Reason header, at least 4 characters)")


def clean_reason(reason: str | None) -> str | None:
    """The stated reason, trimmed; None when it is missing or too short to mean anything."""
    reason = " ".join((reason or "").split())[:REASON_MAX]
    return reason if len(reason) >= REASON_MIN else None


def needs_reason(user: User) -> bool:
    """Administrators read personal data only through the audited reason-for-access step."""
    return user.role == Role.admin


def owns(user: User, case: Case) -> bool:
    return user.role.is_applicant and (case.applicant_user_id == user.id
                                       or (bool(user.subject_key) and case.subject_key == user.subject_key))


def handled_by(user: User, case: Case) -> bool:
    """A window officer's own work: taken in at their window, or any step they performed."""
    if user.role != Role.window_officer:
        return False
    if user.window_code and case.window_code == user.window_code:
        return True
    return any(e.actor == user.username for e in case.events)


def can_view(user: User, case: Case, *, reason: str | None = None) -> bool:
    """The application, its form, materials, signed summary and timeline."""
    if user.role.is_applicant:
        return owns(user, case)
    if user.role == Role.reviewer:
        return bool(user.department_code) and case.department_code == user.department_code
    if user.role == Role.window_officer:
        return handled_by(user, case)
    if user.role == Role.admin:
        return clean_reason(reason) is not None
    return False  # evaluators: aggregates only


def can_decide(user: User, case: Case, *, window_direct: bool) -> bool:
    """Intake and decision: the department's reviewer, or a window officer (窗口事务官) on a
    window_direct matter his window handled."""
    if user.role == Role.reviewer:
        return bool(user.department_code) and case.department_code == user.department_code
    if user.role == Role.window_officer:
        return window_direct and handled_by(user, case)
    return False


def works_inbox(user: User, department_code: str | None) -> bool:
    """后台分类审批: a department's inbox is open to that department's reviewers only."""
    return user.role == Role.reviewer and bool(user.department_code) and user.department_code == department_code


def can_assign(user: User, case: Case, assignee: User | None = None) -> bool:
    """Assign, take or release an application: a reviewer of its department, and only to a reviewer of
    the same department (None: releasing or taking it oneself)."""
    if not works_inbox(user, case.department_code):
        return False
    return assignee is None or works_inbox(assignee, case.department_code)


def takes_in(user: User, case: Case) -> bool:
    """前台受理: the officer of the window that took a walk-in application in prepares it with the
    applicant present (materials, submission) and takes the intake step (accept / refuse / correction)."""
    return (user.role == Role.window_officer and bool(user.window_code) and case.channel == "window"
            and case.window_code == user.window_code)


def sees_scores(user: User | None) -> bool:
    """Raw ranking scores (consultation) are for staff and administrators, not for citizens."""
    return user is not None and user.role.is_staff


def shows_rating_pad(user: User, *, window_code: str, applicant_user_id: int) -> bool:
    """评价器: the rating pad of a window transaction shows on the desk screen of that window (turned
    to the applicant); never when the officer would be rating a transaction of their own."""
    return (user.role == Role.window_officer and bool(user.window_code) and user.window_code == window_code
            and user.id != applicant_user_id)


def can_lookup(user: User) -> bool:
    """Lookup by number with the applicant's ID number (the applicant is at the window)."""
    return user.role == Role.window_officer


def can_download_document(user: User, *, holder_key: str, issuer_code: str, reason: str | None = None,
                          handed_out_by: str | None = None) -> bool:
    """A sealed result document: its holder, the issuing department and the window officer who handed
    it out (plus an administrator with a reason); the public sees only the registry record."""
    if user.role == Role.window_officer:
        return bool(handed_out_by) and handed_out_by == user.username
    if user.role.is_applicant:
        return bool(holder_key) and user.subject_key == holder_key
    if user.role == Role.reviewer:
        return bool(user.department_code) and user.department_code == issuer_code
    if user.role == Role.admin:
        return clean_reason(reason) is not None
    return False


def record_reason(session: Session, user: User, *, object_type: str, object_id: str, reason: str | None,
                  ip: str = "") -> None:
    """Audit an administrator's read of personal data with the reason given (no-op for others)."""
    if needs_reason(user):
        audit.record(session, actor=user.username, action="personal_data.read", object_type=object_type,
                     object_id=object_id, ip=ip, detail={"reason": clean_reason(reason) or ""})
