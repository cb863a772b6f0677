"""JSON API of the catalogue: matters (filters, paging), matter detail, bundles."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.core.db import SessionDep
from app.matters import service
from app.matters.presenters import bundle_detail, bundle_read, matter_detail, matter_summary
from app.matters.schemas import BundleDetail, BundleList, MatterDetail, MatterPage

router = APIRouter(prefix="/api/v1", tags=["catalogue"])


@router.get("/matters", response_model=MatterPage)
def list_matters(session: SessionDep,
                 theme: str | None = None, department: str | None = None,
                 subject: Annotated[str | None, Query(pattern="^(person|enterprise)$")] = None,
                 q: Annotated[str | None, Query(max_length=100)] = None,
                 online: bool | None = None, on_the_spot: bool | None = None, auto_approval: bool | None = None,
                 cross_region: bool | None = None, high_freq: bool | None = None,
                 limit: Annotated[int, Query(ge=1, le=500)] = 20, offset: Annotated[int, Query(ge=0)] = 0):
    """Service matters in catalogue order, filtered and paged."""
    flt = service.MatterFilter(theme=theme, department=department, subject=subject, q=q, online=online,
                               on_the_spot=on_the_spot, auto_approval=auto_approval,
                               cross_region=cross_region, high_freq=high_freq)
    rows, total = service.list_matters(session, flt, limit, offset)
    return MatterPage(items=[matter_summary(m) for m in rows], total=total, limit=limit, offset=offset)


@router.get("/matters/{code}", response_model=MatterDetail)
def get_matter(code: str, session: SessionDep):
    """One matter's official guide: materials, channels, time limits, the form's JSON Schema."""
    return matter_detail(service.get_matter(session, code))


@router.get("/bundles", response_model=BundleList)
def list_bundles(session: SessionDep):
    bundles = service.list_bundles(session)
    return BundleList(items=[bundle_read(b) for b in bundles], total=len(bundles))


@router.get("/bundles/{code}", response_model=BundleDetail)
def get_bundle(code: str, session: SessionDep):
    bundle, matters = service.get_bundle(session, code)
    return bundle_detail(bundle, matters)
