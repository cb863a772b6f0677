"""Carrying out what the scan found: a message for an offer (免申), and for a grant (即享) the
decision and the sealed result through the usual flow, with a notice and a way to decline or object."""
from __future__ import annotations

from app.core.db import utcnow
from app.identity.models import User
from app.matters.models import Matter
from app.services import flows
from app.services.applications import lifecycle
from app.services.applications import service as applications
from app.services.proactive.models import OfferStatus, ProactiveOffer

SYSTEM = "system"


def _reason_lines(offer: ProactiveOffer) -> tuple[str, str]:
    return ("\n".join(r["zh"] for r in offer.reasons), "\n".join(r["en"] for r in offer.reasons))


def announce(session, offer: ProactiveOffer, account: User, names: tuple[str, str], *, download: bool = False) -> None:
    """免申: tell the person they may qualify, why, and where to take it up in one click."""
    zh, en = _reason_lines(offer)
    if download:
        applications.notify_user(
            session, account.id, (f"您的{names[0]}已可下载", f"Ready for you: {names[1]}"),
            (f"{zh}\n在企业中心或“我的”页面一键下载；如不需要可选择不再提醒。",
             f"{en}\nDownload it in one click from your centre or “Me” page; or decline and we will not ask again."))
        return
    applications.notify_user(
        session, account.id, (f"您可能符合{names[0]}的条件", f"You may qualify: {names[1]}"),
        (f"{zh}\n在“我的”页面一键申请，表单已为您填好；如不需要可选择不再提醒。",
         f"{en}\nApply in one click on your “Me” page, the form filled in for you; or decline and we will not ask again."))


def grant(session, offer: ProactiveOffer, account: User, matter: Matter) -> None:
    """即享: an application is made for the person by the system, decided by the model's verdict and
    issued with the department's e-seal; the notice explains why and how to decline or object."""
    app = applications.create_draft(session, matter_code=matter.code, user=account, form={}, actor=SYSTEM)
    note = ("免申即享：依据共享数据主动办理，无需申请", "Granted from shared data without an application")
    lifecycle.transition(session, app, "submit", actor=SYSTEM, note=note)
    app.submitted_at = utcnow()
    lifecycle.transition(session, app, "accept", actor=SYSTEM, note=note)
    app.accepted_at = utcnow()
    lifecycle.transition(session, app, "start_review", actor=SYSTEM, note=note)
    zh, en = _reason_lines(offer)
    lifecycle.transition(session, app, "approve", actor=SYSTEM, note=(zh, en))
    app.decided_at = utcnow()
    app.decision_by = SYSTEM
    app.decision_outcome = "approved"
    app.decision_reasons = [r["zh"] for r in offer.reasons]
    flows.issue_result(session, app, matter, actor=SYSTEM)
    offer.status = OfferStatus.granted
    offer.application_number = app.number
    applications.notify(session, app, (f"已为您办理：{matter.name}", f"Granted to you: {matter.name_en or matter.name}"),
                        (f"{zh}\n如您不需要或有异议，可在“我的”页面拒绝或提出异议。",
                         f"{en}\nIf you do not want it or disagree, decline or object on your “Me” page."))
    session.flush()
