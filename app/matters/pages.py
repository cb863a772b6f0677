"""Pages of the catalogue: home, matter list with filters, the official guide, bundles."""
from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from app.core.db import SessionDep, run_page
from app.core.i18n import get_locale
from app.core.templating import render
from app.identity.deps import OptionalUser
from app.identity.models import User
from app.matters import content, service
from app.matters.presenters import channels, guide_for

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20


def _flag(value: str | None) -> bool | None:
    return {"1": True, "true": True, "0": False, "false": False}.get((value or "").lower())


@router.get("/")
def home(request: Request, session: SessionDep, user: OptionalUser, tab: str = "person"):
    tab = tab if tab in ("person", "enterprise") else "person"
    hf, _total = service.list_matters(session, service.MatterFilter(subject=tab, high_freq=True), limit=20)
    return render(request, "matters/home.html", {
        "tab": tab, "themes": service.list_themes(session), "high_freq": hf,
        "bundles": [b for b in service.list_bundles(session) if b.subject == tab]})


@router.get("/matters")
def matter_list(request: Request, session: SessionDep, user: OptionalUser, q: str = "", theme: str = "",
                department: str = "", subject: str = "", online: str = "", on_the_spot: str = "",
                auto_approval: str = "", cross_region: str = "", page: int = 1):
    page = max(1, min(page, 1000))
    q = q.strip()[:100]
    flt = service.MatterFilter(theme=theme or None, department=department or None,
                               subject=subject if subject in ("person", "enterprise") else None, q=q or None,
                               online=_flag(online), on_the_spot=_flag(on_the_spot),
                               auto_approval=_flag(auto_approval), cross_region=_flag(cross_region))
    rows, total = service.list_matters(session, flt, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    params = {k: v for k, v in {"q": q, "theme": theme, "department": department, "subject": subject,
                                "online": online, "on_the_spot": on_the_spot, "auto_approval": auto_approval,
                                "cross_region": cross_region}.items() if v}
    return render(request, "matters/list.html", {
        "matters": rows, "total": total, "page": page, "pages": max(1, -(-total // PAGE_SIZE)),
        "params": params, "themes": service.list_themes(session),
        "departments": service.list_departments(session)})


@router.get("/matters/{code}", name="matter_page")
async def matter_page_route(code: str, request: Request, session: SessionDep, user: OptionalUser):
    """`async`: everything the page shows comes from the catalogue snapshot and the kept review panel;
    on SQLite its only reads (the unread count; the panel when it is rebuilt) run where the request
    is, with no trip through the thread pool (see db.run_page)."""
    return await run_page(session, matter_page, code, request, session, user)


def matter_page(code: str, request: Request, session: Session, user: User | None):
    # The matter, its materials and the licence names come from the process's catalogue snapshot
    # (app.matters.cache: rebuilt on seeding and after its TTL), not from the database per view.
    m = service.cached_matter(code)
    return render(request, "matters/detail.html", {
        "m": m, "channels": channels(m), "licence_names": service.cached_licence_type_names(en=get_locale() == "en"),
        "guide": guide_for(m.code, [(x.name, x.source) for x in m.materials]),
        "guide_is_personal": content.guide_is_personal})


@router.get("/bundles")
def bundle_list(request: Request, session: SessionDep, user: OptionalUser):
    return render(request, "matters/bundles.html", {"bundles": service.list_bundles(session)})


@router.get("/bundles/{code}")
def bundle_page(code: str, request: Request, session: SessionDep, user: OptionalUser):
    bundle, matters = service.get_bundle(session, code)
    return render(request, "matters/bundle.html", {"b": bundle, "matters": matters,
                                                   "guide": guide_for(bundle.code, [])})
