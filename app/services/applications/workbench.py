"""后台分类审批: the department's inbox (applications routed to it from windows and online, earliest due
first, with filters) and the assignment of an application to a named reviewer of the department
(assign / take / release), each step audited and on the application's timeline (by people's names)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.core import audit
from app.core.db import utcnow
from app.core.errors import Forbidden, ValidationFailed
from app.identity import access
from app.identity import service as identity
from app.identity.models import Role, User
from app.matters.models import Matter
from app.services.applications import lifecycle
from app.services.applications.exceptions import ConcurrentEdit, IllegalTransition
from app.services.applications.models import Application, Channel, Status
from app.services.applications.service import today_china

# The status filter: the open statuses, what waits on the applicant, and the stages of the back office.
STATUS_FILTERS = ("intake", "accepted", "in_review", "second_level", "resubmitted", "correction_requested")
ASSIGNED_FILTERS = ("me", "none", "others")
ASSIGN_ACTIONS = ("take", "assign", "release")


@dataclass
class InboxFilter:
    matter: str = ""
    channel: str = ""  # online | window
    status: str = ""  # one of STATUS_FILTERS; "" = every open application
    overdue: bool = False
    assigned: str = ""  # me | none | others


def clean_filter(matter: str = "", channel: str = "", status: str = "", overdue: str | bool = "",
                 assigned: str = "") -> InboxFilter:
    """Query parameters → a filter; unknown values are dropped (a stale link shows everything)."""
    return InboxFilter(matter=(matter or "")[:80], channel=channel if channel in ("online", "window") else "",
                       status=status if status in STATUS_FILTERS else "",
                       overdue=overdue in (True, "1", "true", "on"),
                       assigned=assigned if assigned in ASSIGNED_FILTERS else "")


def _require_inbox(user: User) -> str:
    if not access.works_inbox(user, user.department_code):
        raise Forbidden("只有部门审批人员可以查看本部门办件 / Only a department's reviewers see its inbox")
    return user.department_code or ""


def inbox(session: Session, user: User, f: InboxFilter | None = None, *, limit: int = 20,
          offset: int = 0) -> tuple[list[Application], int]:
    """The reviewer's own department only; earliest due date first (then the oldest)."""
    department = _require_inbox(user)
    f = f or InboxFilter()
    stmt = select(Application).where(Application.department_code == department)
    if f.status == "intake":
        stmt = stmt.where(or_(Application.status == Status.submitted,
                              and_(Application.status == Status.resubmitted, Application.accepted_at.is_(None))))
    elif f.status == "second_level":
        stmt = stmt.where(Application.status.in_(list(lifecycle.OPEN)), Application.review_opinion.is_not(None))
    elif f.status:
        stmt = stmt.where(Application.status == Status(f.status))
    else:
        stmt = stmt.where(Application.status.in_(list(lifecycle.OPEN)))
    if f.matter:
        stmt = stmt.where(Application.matter_code == f.matter)
    if f.channel:
        stmt = stmt.where(Application.channel == Channel(f.channel))
    if f.overdue:
        stmt = stmt.where(Application.status.in_(list(lifecycle.OPEN)), Application.clock_paused_on.is_(None),
                          Application.due_date < today_china())
    if f.assigned == "me":
        stmt = stmt.where(Application.assigned_to == user.username)
    elif f.assigned == "none":
        stmt = stmt.where(Application.assigned_to.is_(None))
    elif f.assigned == "others":
        stmt = stmt.where(Application.assigned_to.is_not(None), Application.assigned_to != user.username)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.options(selectinload(Application.materials), selectinload(Application.events))
                           .order_by(Application.due_date.asc().nulls_last(), Application.id)
                           .limit(limit).offset(offset)).all()
    return list(rows), total


def department_matters(session: Session, department_code: str) -> list[Matter]:
    return list(session.scalars(select(Matter).where(Matter.department_code == department_code)
                                .order_by(Matter.position, Matter.code)))


def reviewers_of(session: Session, department_code: str) -> list[User]:
    """The department's reviewers (active accounts), by name: whom an application may be assigned to."""
    return list(session.scalars(select(User).where(User.role == Role.reviewer, User.department_code == department_code,
                                                   User.active.is_(True)).order_by(User.full_name, User.username)))


def assign(session: Session, app: Application, user: User, action: str, assignee: str | None = None, *,
           version: int | None = None, ip: str = "") -> Application:
    """take: the reviewer takes it; assign: to a named reviewer of the department; release: back to
    unassigned. Only a reviewer of the application's department, only to one of its reviewers."""
    if action not in ASSIGN_ACTIONS:
        raise ValidationFailed("操作须为 take、assign 或 release / action must be take, assign or release",
                               fields={"action": "invalid"})
    if not access.can_assign(user, app):
        raise Forbidden("只有本部门审批人员可以分派该办件 / Only a reviewer of its department can assign it")
    if version is not None and version != app.version:
        raise ConcurrentEdit()
    if app.status in lifecycle.TERMINAL or app.status in (Status.draft, Status.approved):
        raise IllegalTransition("已办结或未提交的办件不能分派 / A decided or unsubmitted application cannot be assigned")
    target: User | None
    if action == "take":
        target = user
    elif action == "assign":
        target = identity.get_by_username(session, (assignee or "").strip()[:64]) if assignee else None
        if target is None or not target.active or not access.can_assign(user, app, target):
            raise ValidationFailed("只能分派给本部门的审批人员 / Assign only to a reviewer of the same department",
                                   fields={"assignee": "invalid"})
    else:
        target = None
        if app.assigned_to is None:
            raise IllegalTransition("该办件尚未分派 / This application is not assigned")
    if (target.username if target else None) == app.assigned_to:
        return app  # already so: nothing to record
    before = app.assigned_to
    app.assigned_to = target.username if target else None
    app.assigned_at = utcnow() if target else None
    names = identity.full_names(session, {u for u in (before, app.assigned_to) if u})
    if target is None:
        name = names.get(before or "", before or "")
        note = (f"退回待分派（原承办人：{name}）", f"Released (was with {name})")
    else:
        name = target.full_name or target.username
        note = (f"承办人：{name}", f"Assigned to {name}")
    lifecycle.note_event(session, app, "release" if target is None else ("take" if target.id == user.id else "assign"),
                         actor=user.username, note=note)
    audit.record(session, actor=user.username, action=f"application.{action}", object_type="application",
                 object_id=app.number, ip=ip, detail={"from": before or "", "to": app.assigned_to or ""})
    return app
