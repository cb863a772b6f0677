"""The service map (服务地图): service centres and 24-hour self-service terminals as data, found by
matter and by distance (plain haversine); the 15-minute service circle is a walking radius."""
from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.matters.models import Matter
from app.services.proactive.models import ServicePoint

POINTS_FILE = Path(__file__).parent / "data" / "service_points.yaml"
EARTH_RADIUS_M = 6_371_000.0
WALK_M_PER_MIN = 80.0  # an unhurried walk: 15 minutes ≈ 1.2 km
CIRCLE_MINUTES = 15


@lru_cache
def _data() -> list[dict[str, Any]]:
    return yaml.safe_load(POINTS_FILE.read_text(encoding="utf-8"))["points"]


def _served(serves: Any, matters: list[tuple[str, str, str]]) -> list[str]:
    if serves == "all":
        return [code for code, _, _ in matters]
    if isinstance(serves, dict):
        depts = set(serves.get("departments") or [])
        return [code for code, dept, subject in matters if dept in depts and subject == "person"]
    known = {code for code, _, _ in matters}
    return [code for code in serves if code in known]


def seed_points(session: Session) -> int:
    """Insert or update every service point from the data file; returns how many changed."""
    matters = [tuple(r) for r in session.execute(select(Matter.code, Matter.department_code, Matter.subject)
                                                 .order_by(Matter.position, Matter.code))]
    existing = {p.id: p for p in session.scalars(select(ServicePoint))}
    changed = 0
    for item in _data():
        values = {k: v for k, v in item.items() if k != "serves"}
        values["matters"] = _served(item["serves"], matters)
        if values.get("open_24h"):
            values.setdefault("hours", "24小时")
            values.setdefault("hours_en", "24 hours")
        row = existing.get(item["id"])
        if row is None:
            session.add(ServicePoint(**values))
            changed += 1
            continue
        for key, value in values.items():
            if getattr(row, key) != value:
                setattr(row, key, value)
                changed += 1
    session.flush()
    return changed


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def find(session: Session, *, matter: str | None = None, near: tuple[float, float] | None = None,
         within_minutes: int | None = None, kind: str | None = None) -> list[tuple[ServicePoint, float | None]]:
    """Points serving `matter` (every point without it), nearest first when `near` is given, and
    within so many minutes' walk of it when `within_minutes` is given."""
    points = list(session.scalars(select(ServicePoint).order_by(ServicePoint.id)))
    if matter:
        points = [p for p in points if matter in (p.matters or [])]
    if kind:
        points = [p for p in points if p.kind == kind]
    if near is None:
        return [(p, None) for p in points]
    found = sorted(((p, haversine_m(near[0], near[1], p.lat, p.lng)) for p in points), key=lambda t: (t[1], t[0].id))
    if within_minutes is not None:
        found = [(p, d) for p, d in found if d <= within_minutes * WALK_M_PER_MIN]
    return found


def walk_minutes(metres: float) -> int:
    return max(1, round(metres / WALK_M_PER_MIN))
