"""The service map (服务地图): service centres and 24-hour self-service terminals as data, found by
matter and by distance (plain haversine); the 15-minute service circle is a walking radius."""
from __future__ import annotations

import json
import math
import re
from datetime import datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import china_now
from app.matters.models import Matter
from app.services.applications import deadlines
from app.services.proactive.models import ServicePoint
from app.services.window import service as window_service

POINTS_FILE = Path(__file__).parent / "data" / "service_points.yaml"
OUTLINE_FILE = Path(__file__).parent / "data" / "xuhui_outline.geojson"
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


def _centre_points(session: Session) -> list[dict[str, Any]]:
    """The service centres as points: the window service's own records (one list, not two), serving
    every matter one of their windows may take in."""
    subdistricts = window_service.centre_subdistricts()
    matters = list(session.scalars(select(Matter).order_by(Matter.position, Matter.code)))
    order = [m.code for m in matters]
    points = []
    for c in window_service.list_centres(session):
        served = {m.code for w in window_service.windows_of(session, c.code) for m in matters
                  if window_service.authorised(w, m)}
        points.append({"id": c.code, "name": c.name, "name_en": c.name_en, "kind": c.kind, "place": "centre",
                       "subdistrict": subdistricts.get(c.code, ""), "address": c.address,
                       "address_en": c.address_en, "lat": c.lat, "lng": c.lng, "hours": c.hours,
                       "hours_en": c.hours_en, "matters": [code for code in order if code in served]})
    return points


def seed_points(session: Session) -> int:
    """Insert or update every service point — the centres from the window service, the terminals from
    the data file; returns how many changed."""
    matters = [tuple(r) for r in session.execute(select(Matter.code, Matter.department_code, Matter.subject)
                                                 .order_by(Matter.position, Matter.code))]
    existing = {p.id: p for p in session.scalars(select(ServicePoint))}
    changed = 0
    terminals = []
    for item in _data():
        values = {k: v for k, v in item.items() if k != "serves"}
        values["matters"] = _served(item["serves"], matters)
        if values.get("open_24h"):
            values.setdefault("hours", "24小时")
            values.setdefault("hours_en", "24 hours")
        terminals.append(values)
    for values in _centre_points(session) + terminals:
        row = existing.get(values["id"])
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
         within_minutes: int | None = None, kind: str | None = None,
         open_at: datetime | None = None) -> list[tuple[ServicePoint, float | None]]:
    """Points serving `matter` (every point without it), nearest first when `near` is given, and
    within so many minutes' walk of it when `within_minutes` is given; open at `open_at` if given."""
    points = list(session.scalars(select(ServicePoint).order_by(ServicePoint.id)))
    if open_at is not None:
        points = [p for p in points if is_open(p, open_at)]
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


# -- opening hours ("open now", China time) ---------------------------------------------------------
_SPAN = re.compile(r"(工作日|周六|周日|每天)\s*(\d{1,2}):(\d{2})\s*[–\-~至]\s*(\d{1,2}):(\d{2})")


def opening_spans(hours: str) -> list[tuple[str, time, time]]:
    """The spans of a point's hours text: [(工作日 | 周六 | 周日 | 每天, from, to)]."""
    return [(m.group(1), time(int(m.group(2)), int(m.group(3))), time(int(m.group(4)), int(m.group(5))))
            for m in _SPAN.finditer(hours or "")]


def _statutory_holiday(day) -> bool:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # beyond the calendar's published years
        return False
    return bool(on_holiday and name)


def is_open(point: ServicePoint, at: datetime | None = None) -> bool:
    """Open at `at` (China time; now by default)? 工作日 follows the official calendar (holidays
    closed, make-up working days open); 周六/周日 spans apply on weekends that are not a public holiday."""
    if point.open_24h:
        return True
    at = at or china_now()
    day, now = at.date(), at.time()
    workday = deadlines.is_workday(day)
    for which, start, end in opening_spans(point.hours):
        applies = (which == "每天" or (which == "工作日" and workday)
                   or (which == "周六" and day.weekday() == 5 and not workday and not _statutory_holiday(day))
                   or (which == "周日" and day.weekday() == 6 and not workday and not _statutory_holiday(day)))
        if applies and start <= now < end:
            return True
    return False


@lru_cache
def district_outline() -> dict[str, Any]:
    """The district's outline (an approximate polygon, GeoJSON): the map's tile-free base."""
    return json.loads(OUTLINE_FILE.read_text(encoding="utf-8"))


def inside_outline(lat: float, lng: float) -> bool:
    """Ray casting against the outline's outer ring."""
    ring = district_outline()["features"][0]["geometry"]["coordinates"][0]
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
        if (y1 > lat) != (y2 > lat) and lng < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside
