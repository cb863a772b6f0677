"""The enterprise centre (企业专属网页): an enterprise's applications, licences, e-seal, authorised staff
(who did what for it) and messages on one page."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import RowId, SessionDep
from app.core.errors import Forbidden, PortalError
from app.core.i18n import bilingual, pick
from app.core.templating import render
from app.identity import service as identity_service
from app.identity.deps import CsrfProtected, require_roles
from app.identity.models import Role, User
from app.services.applications import lifecycle
from app.services.applications import service as svc
from app.services.applications.models import Application, ApplicationEvent
from app.services.applications.page_context import china_time, matter_names
from app.services.seals import licences
from app.services.seals import service as seal_service

router = APIRouter(include_in_schema=False)
EnterpriseUser = Annotated[User, Depends(require_roles(Role.applicant_enterprise))]
SHOWN = 8


def _activity(session: Session, enterprise: User) -> list[dict]:
    """What people did on the enterprise's applications, newest first, named as people."""
    rows = session.execute(
        select(ApplicationEvent, Application.number, Application.matter_code)
        .join(Application, Application.id == ApplicationEvent.application_id)
        .where(Application.applicant_user_id == enterprise.id)
        .order_by(ApplicationEvent.id.desc()).limit(SHOWN)).all()
    names = identity_service.full_names(session, {e.actor for e, _, _ in rows})
    return [{"at": china_time(e.at), "who": names.get(e.actor, e.actor if e.actor != "system" else None),
             "action": pick(*lifecycle.ACTION_LABELS.get(e.action, (e.action, e.action))),
             "number": number, "matter": matter_names(code)} for e, number, code in rows]


def _centre(request: Request, session: Session, enterprise: User, errors: dict | None = None,
            notice: str = "", status_code: int = 200):
    apps, total = svc.list_for_applicant(session, enterprise, limit=SHOWN)
    wallet = licences.list_licences(session, enterprise.uscc) if enterprise.uscc else []
    wallet.sort(key=lambda lic: lic.licence_type != licences.BUSINESS_LICENCE)  # the e-business licence first
    messages, _total = svc.inbox(session, enterprise, limit=5)
    legal_rep = session.get(User, enterprise.legal_rep_user_id) if enterprise.legal_rep_user_id else None
    return render(request, "enterprise/centre.html", {
        "enterprise": enterprise, "legal_rep": legal_rep,
        "applications": [{"number": a.number, "matter": matter_names(a.matter_code), "status": a.status.value,
                          "status_label": pick(*lifecycle.STATUS_LABELS[a.status]),
                          "updated": china_time(a.submitted_at or a.created_at)} for a in apps],
        "total": total, "licences": wallet, "licence_labels": licences.labels(session, wallet),
        "seals": seal_service.list_seals(session, owner_code=enterprise.uscc) if enterprise.uscc else [],
        "agents": identity_service.agents_of(session, enterprise), "activity": _activity(session, enterprise),
        "messages": messages, "unread": svc.unread_count(session, enterprise),
        "may_manage": _may_manage(request, enterprise), "errors": errors or {}, "notice": notice},
        status_code=status_code)


def _may_manage(request: Request, enterprise: User) -> bool:
    """Staff are authorised by the enterprise itself or its legal representative, not by other agents."""
    person = getattr(request.state, "acting_person", None)
    return person is None or person.id == enterprise.legal_rep_user_id


@router.get("/enterprise")
def centre(request: Request, session: SessionDep, user: EnterpriseUser, notice: str = ""):
    notices = {"added": ("已授权该人员代表本企业办事。", "The person may now act for the enterprise."),
               "removed": ("已取消该人员的授权。", "The person's authorisation has ended.")}
    return _centre(request, session, user, notice=pick(*notices[notice]) if notice in notices else "")


@router.post("/enterprise/agents", dependencies=[CsrfProtected])
def add_agent(request: Request, session: SessionDep, user: EnterpriseUser,
              id_number: Annotated[str, Form(max_length=18)] = ""):
    if not _may_manage(request, user):
        raise Forbidden("只有企业或其法定代表人可以授权经办人 / Only the enterprise or its legal representative "
                        "may authorise staff")
    person = identity_service.person_by_id_number(session, id_number) if id_number.strip() else None
    if person is None:
        message = ("请填写经办人的身份证号" if not id_number.strip() else "找不到使用该身份证号注册的个人账户，请先让对方注册",
                   "Enter the person's ID number" if not id_number.strip() else
                   "No person account is registered with this ID number; ask them to register first")
        return _centre(request, session, user, errors={"id_number": pick(*message)}, status_code=422)
    try:
        identity_service.add_agent(session, user, person, actor=_actor(request, user))
    except PortalError as e:
        session.rollback()
        return _centre(request, session, user, errors={"id_number": bilingual(e.message)},
                       status_code=e.status_code)
    return RedirectResponse("/enterprise?notice=added#staff", status_code=303)


@router.post("/enterprise/agents/{person_id}/remove", dependencies=[CsrfProtected])
def remove_agent(person_id: RowId, request: Request, session: SessionDep, user: EnterpriseUser):
    if not _may_manage(request, user):
        raise Forbidden("只有企业或其法定代表人可以取消授权 / Only the enterprise or its legal representative "
                        "may end an authorisation")
    identity_service.remove_agent(session, user, person_id, actor=_actor(request, user))
    return RedirectResponse("/enterprise?notice=removed#staff", status_code=303)


def _actor(request: Request, enterprise: User) -> str:
    person = getattr(request.state, "acting_person", None)
    return person.username if person else enterprise.username
