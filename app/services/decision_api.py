"""JSON route of the decision (受理 / 不予受理 / 批准 / 不予批准 / 补正): it calls the flows, so it sits
above both `app.services.flows` and `app.services.applications` (contract §6, URL unchanged)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from app.core.db import SessionDep
from app.identity.deps import client_ip, require_roles
from app.identity.models import Role, User
from app.matters import service as matter_service
from app.services import flows
from app.services.applications import service as svc
from app.services.applications.presenters import to_out
from app.services.applications.schemas import ApplicationOut, DecisionCreate

router = APIRouter(prefix="/api/v1", tags=["applications"])


@router.post("/applications/{number}/decision", response_model=ApplicationOut)
def decide_application(number: str, body: DecisionCreate, request: Request, session: SessionDep,
                       user: User = Depends(require_roles(Role.reviewer, Role.window_officer))):
    """Intake first (accept, refuse with reasons, or ask for correction), then approve, deny (with reasons)
    or ask for correction. Approve/deny on an application not yet taken in performs the intake first as its
    own recorded step (an `accept` event "accepted together with the decision"). Approval seals and
    issues the result."""
    app = svc.get_for_user(session, number, user)
    flows.decide(session, app, user, body.outcome, body.reasons, ip=client_ip(request))
    return to_out(session, app, matter_service.get_matter(session, app.matter_code))
