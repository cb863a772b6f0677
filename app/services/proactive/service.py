"""A person's proactive offers and grants: list, take up in one click (a pre-filled draft the person
confirms and signs), decline (never offered again), object to a grant. Every step is audited."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit
from app.identity.models import User
from app.services.applications import service as applications
from app.services.applications.models import Application
from app.services.proactive.exceptions import OfferClosed, OfferNotFound
from app.services.proactive.models import OfferKind, OfferStatus, ProactiveOffer


def offers_for(session: Session, user: User) -> list[ProactiveOffer]:
    """The account's offers and grants, newest first (an enterprise's are its own)."""
    if not user.subject_key:
        return []
    return list(session.scalars(select(ProactiveOffer).where(ProactiveOffer.subject_key == user.subject_key)
                                .order_by(ProactiveOffer.id.desc())))


def get_own(session: Session, user: User, offer_id: int) -> ProactiveOffer:
    offer = session.get(ProactiveOffer, offer_id)
    if offer is None or not user.subject_key or offer.subject_key != user.subject_key:
        raise OfferNotFound()
    return offer


def accept(session: Session, user: User, offer_id: int, *, ip: str = "") -> Application:
    """One click: a draft pre-filled from the data, to confirm and sign (taking it again opens the same draft)."""
    offer = get_own(session, user, offer_id)
    if offer.kind != OfferKind.offer or offer.status not in (OfferStatus.offered, OfferStatus.applied):
        raise OfferClosed(offer.status.value)
    if offer.status == OfferStatus.applied and offer.application_number:
        return applications.get_for_user(session, offer.application_number, user)
    app = applications.create_draft(session, matter_code=offer.matter_code, user=user, form={}, actor=user.username)
    offer.status = OfferStatus.applied
    offer.application_number = app.number
    session.flush()
    audit.record(session, actor=user.username, action="proactive.accept", object_type="proactive_offer",
                 object_id=str(offer.id), ip=ip, detail={"matter": offer.matter_code, "application": app.number})
    return app


def decline(session: Session, user: User, offer_id: int, *, ip: str = "") -> ProactiveOffer:
    """No, thank you: the offer stays on record as declined and the scan never makes it again."""
    offer = get_own(session, user, offer_id)
    if offer.status not in (OfferStatus.offered, OfferStatus.granted):
        raise OfferClosed(offer.status.value)
    offer.status = OfferStatus.declined
    session.flush()
    audit.record(session, actor=user.username, action="proactive.decline", object_type="proactive_offer",
                 object_id=str(offer.id), ip=ip, detail={"matter": offer.matter_code, "kind": offer.kind.value})
    return offer


def object_to(session: Session, user: User, offer_id: int, reason: str, *, ip: str = "") -> ProactiveOffer:
    """An objection to a grant, in the person's words, for the department to answer."""
    offer = get_own(session, user, offer_id)
    if offer.kind != OfferKind.grant or offer.status != OfferStatus.granted:
        raise OfferClosed(offer.status.value)
    offer.status = OfferStatus.objected
    offer.note = (reason or "").strip()[:1000]
    session.flush()
    audit.record(session, actor=user.username, action="proactive.object", object_type="proactive_offer",
                 object_id=str(offer.id), ip=ip, detail={"matter": offer.matter_code})
    applications.notify_user(session, user.id, ("异议已收到", "Objection received"),
                             ("我们已收到您对主动办理结果的异议，承办部门将与您联系。",
                              "We have your objection to the proactive grant; the department will contact you."),
                             application_number=offer.application_number)
    return offer
