"""JSON API of the e-seal platform: verification, sealed documents, seals, the licence wallet."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from app.core.config import get_settings
from app.core.blobs import read_upload
from app.core.db import RowId, SessionDep
from app.core.errors import Forbidden
from app.identity import access
from app.identity.deps import AccessReason, CurrentUser, client_ip, require_roles
from app.identity.models import Role, User
from app.services.seals import documents, licences, service
from app.services.seals.exceptions import DocumentNotFound
from app.services.seals.models import OwnerType, SealedDocument
from app.services.seals.schemas import LicenceRead, SealCreate, SealRead

router = APIRouter(prefix="/api/v1", tags=["e-seal"])
AdminUser = Annotated[User, Depends(require_roles(Role.admin))]
EnterpriseUser = Annotated[User, Depends(require_roles(Role.applicant_enterprise))]


def may_download(session, user: User, doc: SealedDocument, reason: str | None = None) -> bool:
    """The access policy for a sealed document: its holder and the issuing department (an
    administrator with a reason); anyone else gets a 404 (no probing)."""
    return access.can_download_document(user, holder_key=doc.holder_key,
                                        issuer_code=documents.document_seal(session, doc).owner_code, reason=reason)


def pdf_response(content: bytes, filename: str, readable: str = "") -> Response:
    """A PDF download named `filename` (ASCII), or `readable` (e.g. 临时救助申请决定书-XH….pdf) where the
    browser supports RFC 6266 names."""
    disposition = f'attachment; filename="{filename}"'
    if readable:
        disposition += f"; filename*=UTF-8''{quote(readable, safe='')}"
    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"})


@router.post("/verify")
def verify_document(session: SessionDep, file: Annotated[UploadFile, File(description="PDF to verify")]):
    """Verify an e-sealed / e-signed PDF (no login). Non-PDF bytes answer `unsigned`."""
    return service.verify_pdf(session, read_upload(file)).to_json()


@router.get("/documents/{document_id}.pdf")
def download_document(document_id: str, request: Request, session: SessionDep, user: CurrentUser,
                      reason: AccessReason):
    """The sealed PDF for its holder and the issuing department; an administrator states a reason."""
    if access.needs_reason(user) and access.clean_reason(reason) is None:
        raise access.ReasonRequired()
    doc = documents.get_document(session, document_id)
    if not may_download(session, user, doc, reason):
        raise DocumentNotFound("文书不存在 / document not found")
    access.record_reason(session, user, object_type="sealed_document", object_id=doc.id, reason=reason,
                         ip=client_ip(request))
    return pdf_response(documents.document_pdf(session, document_id), f"{document_id}.pdf",
                        documents.download_name(doc))


@router.get("/documents/{document_id}")
def document_record(document_id: str, session: SessionDep):
    """The public registry record a QR code points to (no personal data)."""
    doc = documents.get_document(session, document_id)
    seal = documents.document_seal(session, doc)
    return {"id": doc.id, "title": doc.title, "matter_code": doc.matter_code, "result_type": doc.result_type,
            "sha256": doc.sha256, "size": doc.size, "issued_at": doc.issued_at.isoformat(),
            "seal": {"number": seal.number, "owner_name": seal.owner_name, "status": seal.status},
            "url": f"{get_settings().base_url.rstrip('/')}/verify/documents/{doc.id}"}


@router.get("/seals")
def list_seals(session: SessionDep, user: AdminUser, owner_code: str | None = None, status: str | None = None):
    rows = service.list_seals(session, owner_code=owner_code, status=status)
    return {"items": [SealRead.model_validate(s).model_dump(mode="json") for s in rows], "total": len(rows)}


@router.post("/seals", status_code=201)
def create_seal(body: SealCreate, request: Request, session: SessionDep, user: AdminUser):
    seal = service.create_active_seal(session, owner_type=OwnerType(body.owner_type).value,
                                      owner_code=body.owner_code, owner_name=body.owner_name,
                                      owner_name_en=body.owner_name_en, actor=user.username,
                                      ip=client_ip(request))
    return SealRead.model_validate(seal).model_dump(mode="json")


class RevokeBody(BaseModel):
    reason: str


@router.post("/seals/{seal_id}/revoke")
def revoke_seal(seal_id: RowId, body: RevokeBody, request: Request, session: SessionDep, user: AdminUser):
    seal = service.revoke_seal(session, service.get_seal(session, seal_id), reason=body.reason,
                               actor=user.username, ip=client_ip(request))
    return SealRead.model_validate(seal).model_dump(mode="json")


@router.post("/enterprise/seal", status_code=201)
def apply_enterprise_seal(request: Request, session: SessionDep, user: EnterpriseUser):
    """An enterprise applies for its e-seal (the platform then makes, files and activates it)."""
    if not user.uscc:
        raise Forbidden("企业账号缺少统一社会信用代码 / the enterprise account has no credit code")
    seal = service.apply_seal(session, owner_type=OwnerType.enterprise.value, owner_code=user.uscc,
                              owner_name=user.full_name, actor=user.username, ip=client_ip(request))
    return SealRead.model_validate(seal).model_dump(mode="json")


@router.get("/me/licences")
def my_licences(session: SessionDep, user: CurrentUser):
    rows = licences.list_licences(session, user.subject_key) if user.subject_key else []
    return {"items": [LicenceRead.model_validate(x).model_dump(mode="json") for x in rows], "total": len(rows)}


@router.get("/me/licences/{licence_id}.pdf")
def download_licence(licence_id: RowId, session: SessionDep, user: CurrentUser):
    lic = licences.get_licence(session, licence_id, holder_key=user.subject_key or "-")
    if not lic.sealed_document_id:
        raise DocumentNotFound("该证照没有电子文书 / this licence has no electronic document")
    content = documents.document_pdf(session, lic.sealed_document_id)
    licences.record_download(session, lic, actor=user.username)
    return pdf_response(content, f"{lic.licence_type}-{lic.number}.pdf", f"{lic.licence_name}-{lic.number}.pdf")
