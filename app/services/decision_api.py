"""JSON routes of the back office (后台分类审批): the decision (受理 / 不予受理 / 批准 / 不予批准 / 补正,
审核 of two-level matters, 退回窗口), the department inbox and assignment. The decision calls the
flows, so this sits above both `app.services.flows` and `app.services.applications` (contract §6,
URL unchanged)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from app.core.db import SessionDep
from app.identity.deps import client_ip, require_roles
from app.identity.models import Role, User
from app.matters import service as matter_service
from app.services import flows
from app.services.applications import service as svc
from app.services.applications import workbench
from app.services.applications.presenters import list_out, to_out
from app.services.applications.schemas import ApplicationList, ApplicationOut, AssignmentCreate, DecisionCreate

router = APIRouter(prefix="/api/v1", tags=["applications"])
Reviewer = Annotated[User, Depends(require_roles(Role.reviewer))]


@router.post("/applications/{number}/decision", response_model=ApplicationOut)
def decide_application(number: str, body: DecisionCreate, request: Request, session: SessionDep,
                       user: User = Depends(require_roles(Role.reviewer, Role.window_officer))):
    """Intake first (accept, refuse with reasons, or ask for correction), then approve, deny (with reasons)
    or ask for correction. Approve/deny on an application not yet taken in performs the intake first as its
    own recorded step (an `accept` event "accepted together with the decision"). Approval seals and
    issues the result. Two-level matters: `review` + `opinion` first (审核), then approve/deny by another
    reviewer (审批; the same person → 409 `second_person_required`). `return_to_window` sends a window
    application back to the window as an intake error. A decision that loses a race answers 409."""
    app = svc.get_for_user(session, number, user)
    flows.decide(session, app, user, body.outcome, body.reasons, opinion=body.opinion, version=body.version,
                 ip=client_ip(request))
    return to_out(session, app, matter_service.get_matter(session, app.matter_code))


@router.post("/applications/{number}/assignment", response_model=ApplicationOut)
def assign_application(number: str, body: AssignmentCreate, request: Request, session: SessionDep, user: Reviewer):
    """Take, assign to a named reviewer of the department, or release (back to unassigned); audited."""
    app = svc.get_for_user(session, number, user)
    workbench.assign(session, app, user, body.action, body.assignee, version=body.version, ip=client_ip(request))
    return to_out(session, app, matter_service.get_matter(session, app.matter_code))


@router.get("/review/inbox", response_model=ApplicationList)
def department_inbox(session: SessionDep, user: Reviewer, matter: str = "", channel: str = "", status: str = "",
                     overdue: bool = False, assigned: str = "", limit: Annotated[int, Query(ge=1, le=100)] = 20,
                     offset: Annotated[int, Query(ge=0, le=100000)] = 0):
    """The reviewer's department inbox, earliest due first; filters matter, channel (online | window),
    status (intake | accepted | in_review | second_level | resubmitted | correction_requested), overdue,
    assigned (me | none | others)."""
    f = workbench.clean_filter(matter, channel, status, overdue, assigned)
    rows, total = workbench.inbox(session, user, f, limit=limit, offset=offset)
    return ApplicationList(items=list_out(session, rows), total=total, limit=limit, offset=offset)
