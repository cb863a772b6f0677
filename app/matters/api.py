"""JSON API of the catalogue: matters (filters, paging), matter detail, bundles."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.core.db import read_session
from app.core.i18n import get_locale
from app.matters import cache, service
from app.matters.presenters import bundle_detail, bundle_read, matter_detail, matter_summary
from app.matters.schemas import BundleDetail, BundleList, MatterDetail, MatterPage

router = APIRouter(prefix="/api/v1", tags=["catalogue"])


async def _cached(request: Request, build) -> Response:
    """Catalogue answers are the same for everyone: served from the per-process cache without
    touching the database or the threadpool; a miss is built in the threadpool on a read session.
    Each carries an ETag (of its bytes); a client that sends it back gets a 304."""
    key = cache.key(request.url.path, request.scope.get("query_string", b""), get_locale())
    body = cache.get(key)
    if body is None:
        def produce() -> bytes:
            with read_session() as session:
                return build(session).model_dump_json().encode()

        body = await run_in_threadpool(cache.get_or_build, key, produce)
    etag = cache.etag_of(body).decode()
    if etag in [t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, media_type="application/json", headers={"ETag": etag})


@router.get("/matters", response_model=MatterPage)
async def list_matters(request: Request, theme: str | None = None, department: str | None = None,
                       subject: Annotated[str | None, Query(pattern="^(person|enterprise)$")] = None,
                       q: Annotated[str | None, Query(max_length=100)] = None,
                       online: bool | None = None, on_the_spot: bool | None = None,
                       auto_approval: bool | None = None, cross_region: bool | None = None,
                       high_freq: bool | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 20,
                       offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0):
    """Service matters in catalogue order, filtered and paged."""
    flt = service.MatterFilter(theme=theme, department=department, subject=subject, q=q, online=online,
                               on_the_spot=on_the_spot, auto_approval=auto_approval,
                               cross_region=cross_region, high_freq=high_freq)

    def build(session):
        rows, total = service.list_matters(session, flt, limit, offset)
        return MatterPage(items=[matter_summary(m) for m in rows], total=total, limit=limit, offset=offset)

    return await _cached(request, build)


@router.get("/matters/{code}", response_model=MatterDetail)
async def get_matter(code: str, request: Request):
    """One matter's official guide: materials, channels, time limits, the form's JSON Schema."""
    return await _cached(request, lambda session: matter_detail(service.get_matter(session, code)))


@router.get("/bundles", response_model=BundleList)
async def list_bundles(request: Request):
    def build(session):
        bundles = service.list_bundles(session)
        return BundleList(items=[bundle_read(b) for b in bundles], total=len(bundles))

    return await _cached(request, build)


@router.get("/bundles/{code}", response_model=BundleDetail)
async def get_bundle(code: str, request: Request):
    return await _cached(request, lambda session: bundle_detail(*service.get_bundle(session, code)))
