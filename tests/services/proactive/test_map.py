"""The service map: Leaflet vendored, the district outline, points as GeoJSON, open now (China
time, the official calendar), the 15-minute circle, the same centres as the window service."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import yaml
from sqlalchemy import select

from app.core import clock
from app.core.config import PROJECT_ROOT
from app.services.proactive import points
from app.services.proactive.points import seed_points
from app.services.proactive.models import ServicePoint
from app.services.window import service as window_service

CHINA = clock.CHINA_TZ


def _at(*args) -> datetime:
    return datetime(*args, tzinfo=CHINA)


def test_leaflet_is_vendored_with_its_licence_and_the_page_has_no_inline_script(client):
    vendor = Path(PROJECT_ROOT) / "static" / "vendor" / "leaflet"
    assert "Agafonkin" in (vendor / "LICENSE").read_text() and (vendor / "leaflet.js").stat().st_size > 100_000
    page = client.get("/service-map")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    assert client.get("/static/js/service-map.js").status_code == 200
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200


def test_the_outline_is_geojson_and_holds_every_point(client, db_session):
    body = client.get("/api/v1/service-map/outline").json()
    ring = body["features"][0]["geometry"]["coordinates"][0]
    assert body["type"] == "FeatureCollection" and ring[0] == ring[-1] and len(ring) > 10
    every = list(db_session.query(ServicePoint))
    assert len(every) >= 20 and all(points.inside_outline(p.lat, p.lng) for p in every)
    assert not points.inside_outline(31.2304, 121.4737)  # the Bund, in Huangpu


def test_points_as_geojson_by_matter(client):
    body = client.get("/api/v1/service-points.geojson?matter=id-card-renewal").json()
    ids = {f["id"] for f in body["features"]}
    assert {"XH", "T-GANGHUI"} <= ids and "T-CHJ-PARK" not in ids
    f = next(f for f in body["features"] if f["id"] == "XH")
    assert f["geometry"]["coordinates"] == [121.4365, 31.1946]
    assert "id-card-renewal" in f["properties"]["matters"]


def test_open_now_follows_china_time_and_the_calendar(db_session):
    centre = db_session.get(ServicePoint, "XJH")  # 工作日 9:00–17:00，周六 9:00–12:00
    terminal = db_session.get(ServicePoint, "T-GANGHUI")
    assert points.is_open(centre, _at(2026, 12, 2, 10, 0))           # a Wednesday morning
    assert not points.is_open(centre, _at(2026, 12, 2, 17, 0))       # closed at five
    assert points.is_open(centre, _at(2026, 12, 5, 11, 0))           # Saturday morning
    assert not points.is_open(centre, _at(2026, 12, 5, 13, 0))       # Saturday afternoon
    assert not points.is_open(centre, _at(2026, 12, 6, 10, 0))       # Sunday
    assert not points.is_open(centre, _at(2026, 10, 1, 10, 0))       # National Day
    assert points.is_open(terminal, _at(2026, 10, 1, 3, 0))          # 24 hours
    assert not points.is_open(db_session.get(ServicePoint, "XH"), _at(2026, 12, 5, 11, 0))  # no Saturday


def test_open_now_filter_at_night_keeps_only_the_terminals(client):
    night = datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc)  # 23:00 China time, a Wednesday
    with clock.use(lambda: night):
        items = client.get("/api/v1/service-points?open_now=true").json()["items"]
        page = client.get("/service-map?open=1").text
    assert items and all(i["kind"] == "terminal" and i["open_now"] for i in items)
    assert 'data-point="XH"' not in page and 'data-point="T-GANGHUI"' in page and "23:00" in page
    day = datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc)  # 10:00 China time
    with clock.use(lambda: day):
        items = client.get("/api/v1/service-points?open_now=true").json()["items"]
    assert {"XH", "XJH"} <= {i["id"] for i in items}


def test_the_15_minute_circle_on_the_page(client):
    page = client.get("/service-map?near=31.1946,121.4365&circle=1").text
    assert 'data-near="31.1946,121.4365"' in page and 'data-radius="1200"' in page
    assert 'data-point="XH"' in page and 'data-point="T-BOC-HUAJING"' not in page
    assert "within_minutes=15" in page


def test_the_centres_on_the_map_are_the_window_services_centres(db_session):
    """One list: every centre of the window service is a point with the same name, place and hours."""
    centres = yaml.safe_load(window_service.CENTRES_FILE.read_text(encoding="utf-8"))["centres"]
    assert len(centres) >= 4
    for c in centres:
        p = db_session.get(ServicePoint, c["code"])
        assert p is not None, c["code"]
        assert (p.name, p.name_en, p.lat, p.lng, p.hours) == (c["name"], c["name_en"], c["lat"], c["lng"], c["hours"])
    on_map = set(db_session.scalars(select(ServicePoint.id).where(ServicePoint.place == "centre")))
    assert on_map == {c["code"] for c in centres}  # no centre only on the map
    # A centre serves what its windows may take in, and a change to a centre reaches the map.
    xjh = db_session.get(ServicePoint, "XJH")
    taken_in = {m.code for w in window_service.windows_of(db_session, "XJH")
                for m in window_service.authorised_matters(db_session, w)}
    assert set(xjh.matters) == taken_in and "id-card-renewal" in taken_in
    centre = window_service.get_centre(db_session, "XJH")
    centre.hours = "工作日 8:30–17:00"
    seed_points(db_session)
    assert db_session.get(ServicePoint, "XJH").hours == "工作日 8:30–17:00"
