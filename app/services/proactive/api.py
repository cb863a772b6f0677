"""JSON API (contract §6): the person's offers and grants, the enterprise's policies, the service map."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from app.core.clock import china_now, china_today
from app.core.db import RowId, SessionDep
from app.core.errors import ValidationFailed
from app.core.i18n import pick
from app.identity.deps import ApplicantUser, client_ip, require_roles
from app.identity.models import Role, User
from app.services.proactive import points, policies, reach, scan
from app.services.proactive import service as svc
from app.services.proactive.models import ProactiveOffer
from app.services.proactive.schemas import (ObjectionIn, OfferList, OfferOut, PolicyList, PolicyOut, ServicePointList,
                                            ServicePointOut)

router = APIRouter(prefix="/api/v1", tags=["proactive"])
EnterpriseUser = Annotated[User, Depends(require_roles(Role.applicant_enterprise))]
AdminUser = Annotated[User, Depends(require_roles(Role.admin))]


def offer_out(session, offer: ProactiveOffer) -> OfferOut:
    names = scan.matter_names(session, offer.matter_code)
    return OfferOut(id=offer.id, matter_code=offer.matter_code, matter_name=pick(*names),
                    kind=offer.kind.value, status=offer.status.value, application_number=offer.application_number,
                    reasons=[pick(r["zh"], r.get("en")) for r in offer.reasons])


@router.get("/me/offers", response_model=OfferList)
def my_offers(session: SessionDep, user: ApplicantUser):
    """What the portal found you qualify for (offer: 免申) or granted you (grant: 即享), with the reasons."""
    return OfferList(items=[offer_out(session, o) for o in svc.offers_for(session, user)])


@router.post("/me/offers/{offer_id}/accept", status_code=201)
def accept_offer(offer_id: RowId, request: Request, session: SessionDep, user: ApplicantUser):
    """Take up an offer: a pre-filled draft to confirm and sign (for a licence ready to download:
    the download's address)."""
    offer = svc.get_own(session, user, offer_id)
    if svc.download_licence_id(session, offer) is not None:
        licence_id = svc.take_up_download(session, user, offer_id, ip=client_ip(request))
        return {"download": f"/api/v1/me/licences/{licence_id}.pdf", "matter_code": offer.matter_code}
    app = svc.accept(session, user, offer_id, ip=client_ip(request))
    return {"number": app.number, "status": app.status.value, "matter_code": app.matter_code}


@router.post("/me/offers/{offer_id}/decline", response_model=OfferOut)
def decline_offer(offer_id: RowId, request: Request, session: SessionDep, user: ApplicantUser):
    return offer_out(session, svc.decline(session, user, offer_id, ip=client_ip(request)))


@router.post("/me/offers/{offer_id}/object", response_model=OfferOut)
def object_to_grant(offer_id: RowId, body: ObjectionIn, request: Request, session: SessionDep, user: ApplicantUser):
    return offer_out(session, svc.object_to(session, user, offer_id, body.reason, ip=client_ip(request)))


def policy_items(session, user: User) -> list[PolicyOut]:
    return [PolicyOut(code=p["code"], name=pick(p["name"], p.get("name_en")), name_en=p.get("name_en", ""),
                      tags=p.get("tags") or [], mode=p.get("mode", "apply"), matter=p.get("matter"),
                      published_on=p["published_on"], matched=matched,
                      reasons=[pick(r["zh"], r["en"]) for r in reasons])
            for p, matched, reasons in policies.match_all(session, user.uscc, actor=user.username, today=china_today())]


@router.get("/enterprise/policies", response_model=PolicyList)
def enterprise_policies(session: SessionDep, user: EnterpriseUser):
    """Every policy of the register, matched against this enterprise's records, with the reasons."""
    items = policy_items(session, user)
    policies.mark_read(session, user.uscc)
    return PolicyList(items=items)


def parse_near(near: str | None) -> tuple[float, float] | None:
    if not near:
        return None
    try:
        lat, lng = (float(x) for x in near.split(","))
    except ValueError:
        raise ValidationFailed("near 须为“纬度,经度” / near must be LAT,LNG", fields={"near": "invalid"}) from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationFailed("坐标超出范围 / Coordinates out of range", fields={"near": "invalid"})
    return lat, lng


def point_items(session, matter: str | None, near: str | None, within: int | None,
                open_now: bool = False) -> list[ServicePointOut]:
    at = china_now()
    found = points.find(session, matter=matter or None, near=parse_near(near), within_minutes=within,
                        open_at=at if open_now else None)
    return [ServicePointOut(id=p.id, name=pick(p.name, p.name_en), name_en=p.name_en, kind=p.kind, place=p.place,
                            address=pick(p.address, p.address_en), lat=p.lat, lng=p.lng,
                            hours=pick(p.hours, p.hours_en), open_24h=p.open_24h, open_now=points.is_open(p, at),
                            matters=list(p.matters or []),
                            distance_m=None if d is None else round(d),
                            walk_minutes=None if d is None else points.walk_minutes(d))
            for p, d in found]


@router.get("/service-points", response_model=ServicePointList)
def service_points(session: SessionDep, matter: Annotated[str | None, Query(max_length=80)] = None,
                   near: Annotated[str | None, Query(max_length=60)] = None,
                   within_minutes: Annotated[int | None, Query(ge=1, le=120)] = None, open_now: bool = False):
    """Service centres and self-service terminals (no login): by matter, nearest first with `near`,
    within so many minutes' walk (15: the 15-minute service circle), open now (China time)."""
    return ServicePointList(items=point_items(session, matter, near, within_minutes, open_now))


@router.get("/service-points.geojson", response_class=JSONResponse,
            responses={200: {"content": {"application/geo+json": {"schema": {"type": "object"}}},
                             "description": "GeoJSON"}})
def service_points_geojson(session: SessionDep, matter: Annotated[str | None, Query(max_length=80)] = None,
                           near: Annotated[str | None, Query(max_length=60)] = None,
                           within_minutes: Annotated[int | None, Query(ge=1, le=120)] = None,
                           open_now: bool = False):
    """The same points as GeoJSON (a FeatureCollection of Points, [lng, lat]) for the map."""
    items = point_items(session, matter, near, within_minutes, open_now)
    return JSONResponse({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": i.id, "geometry": {"type": "Point", "coordinates": [i.lng, i.lat]},
         "properties": i.model_dump(exclude={"lat", "lng"})} for i in items]},
        media_type="application/geo+json")


@router.get("/service-map/outline", response_class=JSONResponse,
            responses={200: {"content": {"application/geo+json": {"schema": {"type": "object"}}},
                             "description": "GeoJSON"}})
def district_outline():
    """The district's outline (approximate), GeoJSON: the map's base, no tile server needed."""
    return JSONResponse(points.district_outline(), media_type="application/geo+json")


@router.get("/admin/proactive/reach", tags=["admin"])
def proactive_reach(session: SessionDep, user: AdminUser):
    """Reach for administrators: per policy and per proactive matter, pushed, read, applied, granted
    (null where a step does not apply: a grant-mode policy is not applied for)."""
    pol, mat = reach.policy_reach(session), reach.matter_reach(session)
    return {"policies": pol, "matters": mat, "totals": {"policies": reach.totals(pol), "matters": reach.totals(mat)}}
