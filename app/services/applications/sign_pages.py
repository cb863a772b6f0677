"""The signing confirm page: exactly what is signed (the summary's rows and the declaration), then
the second factor — the password again, or a one-time code sent to the inbox (the simulated SMS)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.core.db import SessionDep
from app.core.errors import PortalError
from app.core.i18n import pick
from app.core.templating import render
from app.identity.deps import ApplicantUser, CsrfProtected, acting_person_of, client_ip
from app.identity.models import User
from app.matters import service as matter_service
from app.services.applications import esign, sign_proof
from app.services.applications import service as svc
from app.services.applications.models import Application, BundleApplication
from app.services.applications.page_context import bilingual

router = APIRouter(include_in_schema=False)


def _bundle_number(session: Session, app: Application) -> str | None:
    ba = session.get(BundleApplication, app.bundle_application_id) if app.bundle_application_id else None
    return ba.number if ba else None


def _confirm_page(request: Request, session: Session, app: Application, user: User, *,
                  errors: dict[str, str] | None = None, sent: bool = False, status_code: int = 200):
    matter = matter_service.get_matter(session, app.matter_code)
    acting = acting_person_of(request)
    blocked = ""
    try:
        esign.signable(session, app)
    except PortalError as e:
        blocked = bilingual(e.message)
    return render(request, "applications/sign.html", {
        "app": app, "matter_name": pick(matter.name, matter.name_en), "blocked": blocked,
        "rows": esign.summary_rows(app, matter, esign.signer_for(session, user, acting)),
        "declaration": (esign.DECLARATION_ZH, esign.DECLARATION_EN), "account": acting or user,
        "bundle_number": _bundle_number(session, app), "errors": errors or {}, "sent": sent,
        "code_minutes": int(sign_proof.CODE_TTL.total_seconds() // 60)}, status_code=status_code)


@router.get("/applications/{number}/sign")
def confirm_sign(number: str, request: Request, session: SessionDep, user: ApplicantUser, sent: str = ""):
    """Before signing: the summary as it will be signed, and the declaration."""
    app = svc.get_own_draft(session, number, user)
    if not matter_service.get_matter(session, app.matter_code).esign:
        return RedirectResponse(f"/applications/{number}#sign", status_code=303)
    return _confirm_page(request, session, app, user, sent=sent == "1")


def _failed(request: Request, session: Session, number: str, user: User, e: PortalError, field: str):
    if not isinstance(e, sign_proof.RECORDED):
        session.rollback()  # nothing half-done; a refused proof stays recorded
        session.expire_all()
    app = svc.get_own_draft(session, number, user)
    return _confirm_page(request, session, app, user, errors={field: bilingual(e.message)},
                         status_code=e.status_code)


@router.post("/applications/{number}/sign", dependencies=[CsrfProtected])
def sign(number: str, request: Request, session: SessionDep, user: ApplicantUser,
         password: Annotated[str, Form(max_length=256)] = "", code: Annotated[str, Form(max_length=12)] = ""):
    """Sign with the password or a one-time code; a refusal is explained on the confirm page."""
    app = svc.get_own_draft(session, number, user)
    proof = sign_proof.Proof(password=password or None, code=code.strip() or None)
    try:
        signed = esign.sign(session, app, user, proof, acting=acting_person_of(request), ip=client_ip(request))
    except PortalError as e:
        return _failed(request, session, number, user, e, "code" if proof.code and not password else "password")
    bundle_number = _bundle_number(session, app)
    if bundle_number:
        return RedirectResponse(f"/bundle-applications/{bundle_number}?done=signed", status_code=303)
    return RedirectResponse(f"/applications/{number}?done={'signed' if signed else 'sign_skipped'}#sign",
                            status_code=303)


@router.post("/applications/{number}/sign/code", dependencies=[CsrfProtected])
def send_code(number: str, request: Request, session: SessionDep, user: ApplicantUser):
    """Send a one-time code to the inbox, then back to the confirm page."""
    app = svc.get_own_draft(session, number, user)
    try:
        esign.send_code(session, app, user, acting=acting_person_of(request), ip=client_ip(request))
    except PortalError as e:
        return _failed(request, session, number, user, e, "code")
    return RedirectResponse(f"/applications/{number}/sign?sent=1", status_code=303)
