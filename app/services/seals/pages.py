"""Pages: public verification, the QR registry record, seal administration, enterprise e-seal, wallet."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse

from app.core.db import RowId, SessionDep
from app.core.errors import PortalError
from app.core.templating import render
from app.identity.deps import AccessReason, CsrfProtected, CurrentUser, OptionalUser, client_ip, require_roles
from app.identity.models import Role, User
from app.services.seals import documents, licences, service
from app.services.seals import api as seal_api
from app.core.blobs import read_upload
from app.services.seals.api import may_download
from app.services.seals.models import OwnerType, SealStatus
from app.services.seals.schemas import STATUS_MESSAGES

router = APIRouter(include_in_schema=False)
AdminUser = Annotated[User, Depends(require_roles(Role.admin))]
EnterpriseUser = Annotated[User, Depends(require_roles(Role.applicant_enterprise))]


@router.get("/verify")
def verify_page(request: Request, session: SessionDep, user: OptionalUser):
    return render(request, "seals/verify.html", {"result": None, "messages": STATUS_MESSAGES})


@router.post("/verify", dependencies=[CsrfProtected])
def verify_upload(request: Request, session: SessionDep, user: OptionalUser,
                  file: Annotated[UploadFile | None, File()] = None):
    errors = {}
    data = b""
    if file is None or not file.filename:
        errors["file"] = "请选择要验证的 PDF 文件 / Choose a PDF file to verify"
    else:
        data = read_upload(file)
        if not data:
            errors["file"] = "文件是空的 / The file is empty"
    if errors:
        return render(request, "seals/verify.html", {"result": None, "errors": errors}, status_code=422)
    result = service.verify_pdf(session, data)
    return render(request, "seals/verify.html", {"result": result, "filename": file.filename})


@router.get("/verify/documents/{document_id}")
def document_page(document_id: str, request: Request, session: SessionDep, user: OptionalUser):
    doc = documents.get_document(session, document_id)
    seal = documents.document_seal(session, doc)
    return render(request, "seals/document.html", {
        "doc": doc, "seal": seal, "seal_ok": seal.status in (SealStatus.active.value, SealStatus.changed.value),
        "can_download": user is not None and may_download(session, user, doc)})


@router.get("/verify/documents/{document_id}/download")
def document_download(document_id: str, request: Request, session: SessionDep, user: CurrentUser,
                      reason: AccessReason):
    return seal_api.download_document(document_id, request, session, user, reason)


@router.get("/admin/seals")
def admin_seals(request: Request, session: SessionDep, user: AdminUser, status: str = ""):
    return render(request, "seals/admin.html", {
        "seals": service.list_seals(session, status=status or None), "status": status,
        "statuses": service.statuses(), "errors": {}, "form": {}})


@router.post("/admin/seals", dependencies=[CsrfProtected])
def admin_create_seal(request: Request, session: SessionDep, user: AdminUser,
                      owner_code: Annotated[str, Form()] = "", owner_name: Annotated[str, Form()] = "",
                      owner_type: Annotated[str, Form()] = "enterprise", owner_name_en: Annotated[str, Form()] = ""):
    form = {"owner_code": owner_code.strip(), "owner_name": owner_name.strip(), "owner_type": owner_type,
            "owner_name_en": owner_name_en.strip()}
    errors = {}
    if not form["owner_code"]:
        errors["owner_code"] = "请填写所有者代码（部门代码或统一社会信用代码） / Enter the owner code"
    if not form["owner_name"]:
        errors["owner_name"] = "请填写印章名称（单位中文全称） / Enter the organisation's Chinese name"
    if owner_type not in (t.value for t in OwnerType):
        errors["owner_type"] = "所有者类型无效 / Invalid owner type"
    if errors:
        return render(request, "seals/admin.html", {
            "seals": service.list_seals(session), "status": "", "statuses": service.statuses(),
            "errors": errors, "form": form}, status_code=422)
    service.create_active_seal(session, owner_type=owner_type, owner_code=form["owner_code"],
                               owner_name=form["owner_name"], owner_name_en=form["owner_name_en"],
                               actor=user.username, ip=client_ip(request))
    return RedirectResponse("/admin/seals?created=1", status_code=303)


@router.post("/admin/seals/{seal_id}/advance", dependencies=[CsrfProtected])
def admin_advance_seal(seal_id: RowId, request: Request, session: SessionDep, user: AdminUser):
    service.advance_seal(session, service.get_seal(session, seal_id), actor=user.username, ip=client_ip(request))
    return RedirectResponse("/admin/seals", status_code=303)


@router.post("/admin/seals/{seal_id}/revoke", dependencies=[CsrfProtected])
def admin_revoke_seal(seal_id: RowId, request: Request, session: SessionDep, user: AdminUser,
                      reason: Annotated[str, Form()] = ""):
    if not reason.strip():
        raise PortalError("请填写注销原因 / Enter a reason for the revocation", 422, "validation_failed")
    service.revoke_seal(session, service.get_seal(session, seal_id), reason=reason.strip(), actor=user.username,
                        ip=client_ip(request))
    return RedirectResponse("/admin/seals", status_code=303)


@router.get("/admin/seals/{seal_id}/image.png")
def admin_seal_image(seal_id: RowId, session: SessionDep, user: AdminUser):
    from fastapi.responses import Response

    return Response(service.seal_image(session, service.get_seal(session, seal_id)), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=300"})


@router.get("/enterprise/seal")
def enterprise_seal_page(request: Request, session: SessionDep, user: EnterpriseUser):
    seals = service.list_seals(session, owner_code=user.uscc) if user.uscc else []
    return render(request, "seals/enterprise.html", {"seals": seals, "applied": request.query_params.get("applied")})


@router.post("/enterprise/seal", dependencies=[CsrfProtected])
def enterprise_apply(request: Request, session: SessionDep, user: EnterpriseUser):
    if not user.uscc:
        raise PortalError("企业账号缺少统一社会信用代码 / the enterprise account has no credit code", 422)
    service.apply_seal(session, owner_type=OwnerType.enterprise.value, owner_code=user.uscc,
                       owner_name=user.full_name, actor=user.username, ip=client_ip(request))
    return RedirectResponse("/enterprise/seal?applied=1", status_code=303)


@router.get("/me/licences")
def wallet_page(request: Request, session: SessionDep, user: CurrentUser):
    rows = licences.list_licences(session, user.subject_key) if user.subject_key else []
    return render(request, "seals/wallet.html", {"licences": rows, "labels": licences.labels(session, rows)})


@router.get("/me/licences/{licence_id}/download")
def wallet_download(licence_id: RowId, session: SessionDep, user: CurrentUser):
    return seal_api.download_licence(licence_id, session, user)
