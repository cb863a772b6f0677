from __future__ import annotations

from pydantic import BaseModel, Field


class OfferOut(BaseModel):
    id: int
    matter_code: str
    matter_name: str
    kind: str
    status: str
    reasons: list[str]
    application_number: str | None = None


class OfferList(BaseModel):
    items: list[OfferOut]


class ObjectionIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class PolicyOut(BaseModel):
    code: str
    name: str
    name_en: str
    tags: list[str]
    mode: str
    matter: str | None = None
    published_on: str
    matched: bool
    reasons: list[str]


class PolicyList(BaseModel):
    items: list[PolicyOut]


class ServicePointOut(BaseModel):
    id: str
    name: str
    name_en: str
    kind: str
    place: str
    address: str
    lat: float
    lng: float
    hours: str
    open_24h: bool
    open_now: bool = False
    matters: list[str]
    distance_m: int | None = None
    walk_minutes: int | None = None


class ServicePointList(BaseModel):
    items: list[ServicePointOut]
