"""JSON API of online applications (contract §6)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from app.core import blobs
from app.core.blobs import read_upload
from app.core.db import RowId, SessionDep
from app.core.errors import NotFound
from app.identity import access
from app.identity.deps import AccessReason, ApplicantUser, CurrentUser, acting_person_of, client_ip, require_roles
from app.identity.models import Role, User
from app.matters import service as matter_service
from app.services.applications import esign, idempotency, sign_proof
from app.services.applications import service as svc
from app.services.applications.models import Status
from app.services.applications.presenters import list_out, to_out
from app.services.applications.schemas import (ApplicationCreate, ApplicationList, ApplicationOut,
                                                ApplicationUpdate, LookupRequest, SignRequest)
from app.services.applications.uploads import check_upload
from app.services.seals import api as seal_api, documents

router = APIRouter(prefix="/api/v1", tags=["applications"])


def _out(session, app) -> ApplicationOut:
    return to_out(session, app, matter_service.get_matter(session, app.matter_code))


@router.post("/applications", status_code=201, response_model=ApplicationOut,
             responses={409: {"description": "same Idempotency-Key still in flight"},
                        422: {"description": "invalid form, or Idempotency-Key reused with another body"}})
def create_application(body: ApplicationCreate, request: Request, session: SessionDep, user: ApplicantUser,
                       idempotency_key: Annotated[str | None, Header(max_length=200)] = None):
    """Create a draft, pre-filled from government data; exempt materials attached from the wallet."""
    claim = None
    if idempotency_key is not None:
        claim = idempotency.claim(session, user.id, idempotency_key, body.model_dump())
        if claim.is_replay:
            return JSONResponse(claim.replay_body, status_code=claim.replay_status)
    try:
        app = svc.create_draft(session, matter_code=body.matter_code, user=user, form=body.form, strict=True)
        out = _out(session, app)
        if claim is not None:
            idempotency.complete(session, claim, 201, out.model_dump(mode="json"), app.number)
    except Exception:
        if claim is not None:
            idempotency.release(claim)
        raise
    return out


@router.get("/applications", response_model=ApplicationList)
def my_applications(session: SessionDep, user: ApplicantUser, status: Status | None = None,
                    limit: Annotated[int, Query(ge=1, le=100)] = 20, offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0):
    rows, total = svc.list_for_applicant(session, user, status.value if status else None, limit, offset)
    return ApplicationList(items=list_out(session, rows, in_list=False), total=total, limit=limit, offset=offset)


READ_RESPONSES = {403: {"description": "administrator without a reason (`?reason=` or `X-Access-Reason`)"},
                  404: {"description": "no such application, or not yours to see"}}


@router.get("/applications/{number}", response_model=ApplicationOut, responses=READ_RESPONSES)
def get_application(number: str, request: Request, session: SessionDep, user: CurrentUser, reason: AccessReason):
    """One application with its timeline; someone else's answers 404."""
    return _out(session, svc.get_for_user(session, number, user, reason=reason, ip=client_ip(request)))


@router.post("/window/lookup", response_model=ApplicationOut, responses={404: {"description": "no match"}})
def lookup_application(body: LookupRequest, request: Request, session: SessionDep,
                       user: User = Depends(require_roles(Role.window_officer))):
    """A window officer finds an application by number *with* the applicant's ID number; audited."""
    app = svc.lookup(session, body.number, body.applicant_id_number, user, ip=client_ip(request))
    if app is None:  # answered, not raised: the audit record of the failed attempt is kept
        return JSONResponse({"error": "application_not_found",
                             "detail": "办件编号与申请人证件号码不匹配 / No application matches that number and ID number"},
                            status_code=404)
    return _out(session, app)


@router.patch("/applications/{number}", response_model=ApplicationOut)
def update_application(number: str, body: ApplicationUpdate, session: SessionDep, user: ApplicantUser):
    """Save a draft's answers (resumable from any device); `version` guards against concurrent edits."""
    app = svc.get_own_draft(session, number, user)
    errors = svc.update_form(session, app, body.form, actor=user.username, expected_version=body.version)
    out = _out(session, app)
    if errors:
        return JSONResponse({**out.model_dump(mode="json"), "field_errors": errors}, status_code=200)
    return out


@router.post("/applications/{number}/materials/{material_id}", status_code=201, response_model=ApplicationOut)
def upload_material(number: str, material_id: RowId, session: SessionDep, user: CurrentUser,
                    file: UploadFile = File(...)):
    """Upload one material (PDF, JPEG or PNG, at most 10 MB, type judged from the content); the
    window officer scans paper originals of a walk-in application."""
    checked = check_upload(read_upload(file))
    app = svc.get_draft_to_prepare(session, number, user)
    svc.attach_upload(session, app, material_id, checked, original_name=file.filename or "", actor=user.username)
    return _out(session, app)


@router.get("/applications/{number}/materials/{material_id}", responses=READ_RESPONSES)
def download_material(number: str, material_id: RowId, request: Request, session: SessionDep, user: CurrentUser,
                      reason: AccessReason):
    app = svc.get_for_user(session, number, user, reason=reason, ip=client_ip(request))
    am = next((m for m in app.materials if m.material_id == material_id and m.blob_sha256), None)
    if am is None:
        raise NotFound("没有上传该材料 / This material has not been uploaded")
    blob = blobs.get(session, am.blob_sha256)
    return Response(blob.content, media_type=blob.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{am.stored_name}"'})


SIGN_ERRORS = {403: {"description": "wrong password or code, or the code expired or was used (nothing signed)"},
               422: {"description": "no password or code sent, or the application is incomplete"},
               429: {"description": "too many refused proofs (5 in 15 minutes) or codes sent"}}


@router.post("/applications/{number}/sign", responses=SIGN_ERRORS)
def sign_application(number: str, request: Request, session: SessionDep, user: ApplicantUser,
                     body: SignRequest | None = None):
    """The applicant's e-signature over the PDF summary (skipped for matters that need none).

    A deliberate act: send the account password again (`{"password"}`), or a one-time code
    (`{"code"}`, see `/sign/code`). A person acting for an enterprise signs with their own
    certificate, for the enterprise."""
    app = svc.get_own_draft(session, number, user)
    proof = sign_proof.Proof(**(body.model_dump() if body else {}))
    try:
        signed = esign.sign(session, app, user, proof, acting=acting_person_of(request), ip=client_ip(request))
    except sign_proof.RECORDED as e:
        # Returned, not raised: the refused attempt and its audit record must be committed.
        return JSONResponse({"error": e.code, "detail": e.message}, status_code=e.status_code)
    return {"number": app.number, "signed": signed, "skipped": not signed,
            "summary_pdf": f"/api/v1/applications/{app.number}/summary.pdf" if signed else None}


@router.post("/applications/{number}/sign/code", status_code=202, responses=SIGN_ERRORS)
def send_sign_code(number: str, request: Request, session: SessionDep, user: ApplicantUser):
    """Send a one-time signing code (6 digits, valid 10 minutes, single use) to the in-app inbox,
    the simulated SMS; read it with `GET /api/v1/me/inbox`."""
    app = svc.get_own_draft(session, number, user)
    expires_at = esign.send_code(session, app, user, acting=acting_person_of(request), ip=client_ip(request))
    return {"number": app.number, "sent": True, "delivered_to": "inbox", "expires_at": expires_at,
            "expires_in": int(sign_proof.CODE_TTL.total_seconds())}


@router.get("/applications/{number}/summary.pdf", responses=READ_RESPONSES)
def summary_pdf(number: str, request: Request, session: SessionDep, user: CurrentUser, reason: AccessReason):
    app = svc.get_for_user(session, number, user, reason=reason, ip=client_ip(request))
    if not app.summary_blob:
        raise NotFound("该办件尚未签名 / The application has not been signed")
    return Response(blobs.get(session, app.summary_blob).content, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{app.number}-summary.pdf"'})


@router.post("/applications/{number}/submit", response_model=ApplicationOut)
def submit_application(number: str, request: Request, session: SessionDep, user: CurrentUser):
    """Submit (the applicant, or the intake window for a walk-in application)."""
    app = svc.get_draft_to_prepare(session, number, user)
    svc.submit(session, app, user, ip=client_ip(request))
    return _out(session, app)


@router.post("/applications/{number}/withdraw", response_model=ApplicationOut)
def withdraw_application(number: str, request: Request, session: SessionDep, user: ApplicantUser):
    app = svc.get_own_draft(session, number, user)
    svc.withdraw(session, app, user, ip=client_ip(request))
    return _out(session, app)


@router.get("/applications/{number}/result.pdf", responses=READ_RESPONSES)
def result_pdf(number: str, request: Request, session: SessionDep, user: CurrentUser, reason: AccessReason):
    """The e-sealed result document, as a download: for its holder and the issuing department."""
    app = svc.get_for_user(session, number, user, reason=reason, ip=client_ip(request))
    if not app.result_document_id:
        raise NotFound("该办件还没有结果文件 / This application has no result document yet")
    doc = documents.get_document(session, app.result_document_id)
    handed_out_by = next((e.actor for e in app.events if e.action == "issue"), None)
    if not access.can_download_document(user, holder_key=doc.holder_key, reason=reason, handed_out_by=handed_out_by,
                                        issuer_code=documents.document_seal(session, doc).owner_code):
        raise NotFound("该办件还没有结果文件 / This application has no result document yet")
    return seal_api.pdf_response(documents.document_pdf(session, doc.id), f"{app.number}-result.pdf",
                                 documents.download_name(doc))


@router.get("/review/applications", response_model=ApplicationList)
def review_queue(session: SessionDep, user: User = Depends(require_roles(Role.reviewer)),
                 limit: Annotated[int, Query(ge=1, le=100)] = 50, offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0):
    """The reviewer's department queue, earliest due first."""
    rows, total = svc.list_for_department(session, user.department_code, limit=limit, offset=offset)
    return ApplicationList(items=list_out(session, rows), total=total, limit=limit, offset=offset)


@router.get("/me/inbox")
def my_inbox(session: SessionDep, user: CurrentUser, limit: Annotated[int, Query(ge=1, le=100)] = 50,
             offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0):
    rows, total = svc.inbox(session, user, limit, offset)
    return {"items": [{"id": m.id, "application_number": m.application_number, "title": m.title,
                       "title_en": m.title_en if m.title_en is not None else m.title, "body": m.body,
                       "body_en": m.body_en if m.body_en is not None else m.body,
                       "read": m.read_at is not None, "created_at": m.created_at} for m in rows], "total": total}


