"""Pages: offers and grants on /me (a panel), one-click take-up, decline and objection; the
enterprise's policy page; the public service map with the 15-minute service circle."""
from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup, escape

from app.core.clock import china_now, china_today
from app.core.db import RowId, SessionDep
from app.core.errors import Forbidden, PortalError
from app.core.i18n import pick
from app.core.templating import csrf_token, env, register_panel, render
from app.identity.deps import ApplicantUser, CsrfProtected, client_ip, require_roles
from app.identity.models import Role, User
from app.matters import service as matter_service
from app.matters.service import MatterFilter
from app.services.proactive import api as proactive_api
from app.services.proactive import points, policies, reach, scan
from app.services.proactive import service as svc
from app.services.proactive.models import OfferKind

router = APIRouter(include_in_schema=False)
MAP_BOUNDS = (31.115, 31.222, 121.395, 121.470)  # lat min, lat max, lng min, lng max of the district


def profile_panel(request: Request, *, user: User | None, **_ctx) -> Markup:
    """"You may qualify" and "granted to you" on the person's (or enterprise's) own page."""
    session = getattr(request.state, "db", None)
    if session is None or user is None or not user.role.is_applicant:
        return Markup("")
    offers = [proactive_api.offer_out(session, o) for o in svc.offers_for(session, user)]
    open_offers = [o for o in offers if o.kind == OfferKind.offer.value and o.status in ("offered", "applied")]
    granted = [o for o in offers if o.kind == OfferKind.grant.value and o.status in ("granted", "objected")]
    downloads = {code for code, spec in scan.proactive_matters().items() if spec.get("licence")}
    csrf = Markup(f'<input type="hidden" name="csrf_token" value="{escape(csrf_token(request))}">')
    return Markup(env.get_template("proactive/_profile_panel.html").render(
        request=request, user=user, offers=open_offers, granted=granted, downloads=downloads,
        csrf_input=lambda: csrf))


register_panel("profile", profile_panel)
register_panel("enterprise", profile_panel)


@router.post("/me/offers/{offer_id}/accept", dependencies=[CsrfProtected])
def accept(offer_id: RowId, request: Request, session: SessionDep, user: ApplicantUser):
    if svc.download_licence_id(session, svc.get_own(session, user, offer_id)) is not None:
        licence_id = svc.take_up_download(session, user, offer_id, ip=client_ip(request))
        return RedirectResponse(f"/me/licences/{licence_id}/download", status_code=303)
    app = svc.accept(session, user, offer_id, ip=client_ip(request))
    return RedirectResponse(f"/applications/{app.number}", status_code=303)


@router.post("/me/offers/{offer_id}/decline", dependencies=[CsrfProtected])
def decline(offer_id: RowId, request: Request, session: SessionDep, user: ApplicantUser):
    svc.decline(session, user, offer_id, ip=client_ip(request))
    return RedirectResponse("/me", status_code=303)


@router.post("/me/offers/{offer_id}/object", dependencies=[CsrfProtected])
def object_to(offer_id: RowId, request: Request, session: SessionDep, user: ApplicantUser,
              reason: Annotated[str, Form(max_length=1000)] = ""):
    if not reason.strip():
        raise PortalError("请说明异议理由 / Please state the objection", status_code=422, code="reason_required")
    svc.object_to(session, user, offer_id, reason, ip=client_ip(request))
    return RedirectResponse("/me", status_code=303)


@router.get("/enterprise/policies")
def policies_page(request: Request, session: SessionDep, user: ApplicantUser):
    if user.role != Role.applicant_enterprise:
        raise Forbidden("仅限企业 / For enterprises only")
    items = proactive_api.policy_items(session, user)
    items.sort(key=lambda p: not p.matched)
    policies.mark_read(session, user.uscc)
    return render(request, "proactive/policies.html", {"items": items, "today": china_today()})


def _project(lat: float, lng: float) -> tuple[float, float]:
    lat0, lat1, lng0, lng1 = MAP_BOUNDS
    return round((lng - lng0) / (lng1 - lng0) * 600, 1), round((lat1 - lat) / (lat1 - lat0) * 800, 1)


@router.get("/service-map")
def service_map(request: Request, session: SessionDep, matter: Annotated[str, Query(max_length=80)] = "",
                near: Annotated[str, Query(max_length=60)] = "", circle: Annotated[str, Query(max_length=3)] = "",
                open: Annotated[str, Query(max_length=3)] = ""):
    """The public map: every point as a list (works without JavaScript) and on a plain SVG of the
    district; with JavaScript a Leaflet map over the district's outline (no tiles, no CDN)."""
    within = points.CIRCLE_MINUTES if circle and near else None
    items = proactive_api.point_items(session, matter or None, near or None, within, bool(open))
    query = urlencode({k: v for k, v in (("matter", matter), ("near", near),
                                         ("within_minutes", within or ""), ("open_now", "true" if open else ""))
                       if v})
    here = proactive_api.parse_near(near) if near else None
    # a circle of 15 minutes' walk, in map units (the district is ~10 km tall: 800 units)
    lat_span = MAP_BOUNDS[1] - MAP_BOUNDS[0]
    radius = points.CIRCLE_MINUTES * points.WALK_M_PER_MIN / (lat_span * 111_195) * 800
    places = [(f"{p.lat},{p.lng}", pick(p.name, p.name_en)) for p, _ in points.find(session) if p.kind != "terminal"]
    served = {code for p, _ in points.find(session) for code in p.matters or []}
    matters = [(m.code, pick(m.name, m.name_en)) for m in matter_service.list_matters(session, MatterFilter(), limit=500)[0]
               if m.code in served]
    return render(request, "proactive/map.html", {
        "items": items, "matter": matter, "near": near, "circle": bool(circle), "open": bool(open),
        "places": places, "points_url": "/api/v1/service-points.geojson" + (f"?{query}" if query else ""),
        "circle_m": round(points.CIRCLE_MINUTES * points.WALK_M_PER_MIN), "now": china_now(),
        "matters": matters, "marks": [(p, *_project(p.lat, p.lng)) for p in items],
        "here": _project(*here) if here else None, "radius": round(radius, 1)})


@router.get("/admin/proactive")
def reach_page(request: Request, session: SessionDep, user: Annotated[User, Depends(require_roles(Role.admin))]):
    """Reach of proactive services for administrators (the same figures as the API)."""
    pol, mat = reach.policy_reach(session), reach.matter_reach(session)
    return render(request, "proactive/reach.html", {"policies": pol, "matters": mat,
                                                    "policy_totals": reach.totals(pol),
                                                    "matter_totals": reach.totals(mat)})
