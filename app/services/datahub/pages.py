"""Pages: "who used my data" for applicants; data source switches for administrators."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from app.core import audit
from app.core.db import SessionDep
from app.core.errors import ValidationFailed
from app.core.templating import render
from app.core.i18n import bilingual
from app.identity import service as identity_service
from app.identity.deps import ApplicantUser, client_ip, require_roles, verify_csrf
from app.identity.models import Role, User
from app.matters.data_sources import DATA_SOURCE_NAMES
from app.services.datahub import service
from app.services.datahub.service import SOURCES

router = APIRouter(include_in_schema=False)


@router.get("/me/data-access")
def my_data_access(request: Request, session: SessionDep, user: ApplicantUser):
    """Every read of the applicant's government data: who, when, which source, for which application."""
    rows = service.access_log(session, subject_key=user.subject_key, limit=200)
    # Who read it: the person's name (or "the system"), not a login name.
    people = identity_service.full_names(session, {r.actor for r in rows} - {"system"})
    return render(request, "datahub/access.html", {"rows": rows, "names": DATA_SOURCE_NAMES, "people": people,
                                                   "purpose": bilingual})


@router.get("/admin/datahub")
def sources_page(request: Request, session: SessionDep, admin: User = Depends(require_roles(Role.admin))):
    statuses = {s.source: s for s in service.source_statuses(session)}
    return render(request, "datahub/sources.html", {"sources": SOURCES, "statuses": statuses, "names": DATA_SOURCE_NAMES,
                                                    "recent": service.access_log(session, limit=50)})


@router.post("/admin/datahub/{source}", dependencies=[Depends(verify_csrf)])
def set_source(source: str, request: Request, session: SessionDep, available: Annotated[str, Form()],
               admin: User = Depends(require_roles(Role.admin))):
    if source not in SOURCES:
        raise ValidationFailed("未知数据源 / Unknown data source")
    service.set_available(session, source, available == "1", note=f"set by {admin.username}")
    audit.record(session, actor=admin.username, action="datahub.availability", object_type="data_source",
                 object_id=source, ip=client_ip(request), detail={"available": available == "1"})
    return RedirectResponse("/admin/datahub", status_code=303)
