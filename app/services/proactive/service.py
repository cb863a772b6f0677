"""A person's proactive offers and grants: list, take up in one click (a pre-filled draft the person
confirms and signs), decline (never offered again), object to a grant. Every step is audited."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit
from app.core.db import utcnow
from app.identity.models import User
from app.matters import service as matter_service
from app.services.applications import service as applications
from app.services.applications.models import Application
from app.services.proactive.exceptions import OfferClosed, OfferNotFound
from app.services.proactive.models import OfferKind, OfferStatus, ProactiveOffer
from app.services.proactive.scan import proactive_matters
from app.services.seals import documents, licences
from app.services.seals.schemas import ResultDocumentInput


def offers_for(session: Session, user: User, *, seen: bool = True) -> list[ProactiveOffer]:
    """The account's offers and grants, newest first (an enterprise's are its own); shown to the
    account itself (`seen`), the first showing is kept for the reach figures (read)."""
    if not user.subject_key:
        return []
    rows = list(session.scalars(select(ProactiveOffer).where(ProactiveOffer.subject_key == user.subject_key)
                                .order_by(ProactiveOffer.id.desc())))
    if seen and any(o.seen_at is None for o in rows):
        now = utcnow()
        for o in rows:
            if o.seen_at is None:
                o.seen_at = now
        session.flush()
    return rows


def download_licence_id(session: Session, offer: ProactiveOffer) -> int | None:
    """For a licence-download offer: the wallet licence it is about (None for any other offer)."""
    spec = proactive_matters().get(offer.matter_code) or {}
    if not spec.get("licence"):
        return None
    lic = licences.find_active_licence(session, offer.subject_key, spec["licence"])
    if lic is None:
        raise OfferClosed("licence_gone")
    return lic.id


def _ensure_document(session: Session, lic) -> None:
    """A licence recorded before e-licences (no sealed PDF yet) gets its electronic copy, sealed by the
    issuing department, the first time it is taken up."""
    if lic.sealed_document_id:
        return
    department = matter_service.get_department(session, lic.issuer_code)
    doc = documents.issue_result(session, ResultDocumentInput(
        number=lic.application_number or lic.number, matter_code=lic.licence_type, matter_name=lic.licence_name,
        result_type="licence", department_code=department.code, department_name=department.full_name,
        applicant_name=lic.holder_name, applicant_id_number=lic.holder_key, outcome="approve",
        decided_at=lic.valid_from, licence_type=lic.licence_type, licence_name=lic.licence_name,
        licence_number=lic.number, valid_to=lic.valid_to), actor="system")
    lic.sealed_document_id = doc.id
    session.flush()


def take_up_download(session: Session, user: User, offer_id: int, *, ip: str = "") -> int:
    """A licence-download offer taken: the offer is done and the wallet licence's id returned."""
    offer = get_own(session, user, offer_id)
    if offer.kind != OfferKind.offer or offer.status not in (OfferStatus.offered, OfferStatus.applied):
        raise OfferClosed(offer.status.value)
    licence_id = download_licence_id(session, offer)
    if licence_id is None:
        raise OfferClosed("not_a_download")
    _ensure_document(session, licences.get_licence(session, licence_id, holder_key=offer.subject_key))
    if offer.status == OfferStatus.offered:
        offer.status = OfferStatus.applied
        session.flush()
        audit.record(session, actor=user.username, action="proactive.accept", object_type="proactive_offer",
                     object_id=str(offer.id), ip=ip, detail={"matter": offer.matter_code, "licence": licence_id})
    return licence_id


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
