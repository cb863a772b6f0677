"""JSON API of "one thing" bundle applications."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel, Field

from app.core.db import SessionDep
from app.identity.deps import AccessReason, ApplicantUser, CurrentUser, client_ip
from app.matters import service as matter_service
from app.services.applications import bundles
from app.services.applications.presenters import to_out
from app.core.blobs import read_upload
from app.services.applications.uploads import check_upload

router = APIRouter(prefix="/api/v1", tags=["bundles"])


class BundleApplicationCreate(BaseModel):
    form: dict[str, Any] = Field(default_factory=dict)
    answers: dict[str, Any] = Field(default_factory=dict, description="answers to the bundle guide's questions")


def _out(session, ba, apps) -> dict:
    return {"number": ba.number, "bundle_code": ba.bundle_code, "status": bundles.overall_status(apps),
            "submitted_at": ba.submitted_at, "pending_uploads": bundles.pending_uploads(apps),
            "applications": [to_out(session, a, matter_service.get_matter(session, a.matter_code)).model_dump(mode="json")
                             for a in apps]}


@router.post("/bundles/{code}/applications", status_code=201)
def create_bundle_application(code: str, body: BundleApplicationCreate, session: SessionDep, user: ApplicantUser):
    """One combined form → linked draft applications of every matter that applies to you."""
    ba = bundles.create(session, code, user, body.form, body.answers, strict=True)
    return _out(session, *bundles.get_for_user(session, ba.number, user))


@router.get("/bundle-applications/{number}")
def get_bundle_application(number: str, request: Request, session: SessionDep, user: CurrentUser,
                           reason: AccessReason):
    return _out(session, *bundles.get_for_user(session, number, user, reason=reason, ip=client_ip(request)))


@router.post("/bundle-applications/{number}/materials")
def upload_bundle_material(number: str, session: SessionDep, user: ApplicantUser,
                           material_name: str = Form(max_length=200), file: UploadFile = File(...)):
    """Upload a material once for every application of the bundle that needs it."""
    checked = check_upload(read_upload(file))
    ba, apps = bundles.get_for_user(session, number, user)
    bundles.upload(session, apps, material_name, checked, original_name=file.filename or "", actor=user.username)
    return _out(session, ba, apps)


@router.post("/bundle-applications/{number}/submit")
def submit_bundle_application(number: str, request: Request, session: SessionDep, user: ApplicantUser):
    """One submission of every application of the bundle; each must first be signed on its own
    (`POST /api/v1/applications/{number}/sign` with a password or code)."""
    ba, apps = bundles.get_for_user(session, number, user)
    bundles.submit(session, ba, apps, user, ip=client_ip(request))
    return _out(session, ba, apps)
