"""The proactive APIs and pages: offers, one-click take-up, decline, policies, the service map."""
from __future__ import annotations

import math
from datetime import date

from app.services.proactive import points, policies, scan
from tests.conftest import csrf_from, web_login


def _scan(db_session):
    assert scan.scan_batch(db_session, batch_size=10_000)["finished"]


def test_my_offers_lists_the_elders_offer_with_reasons(client, db_session, auth):
    _scan(db_session)
    body = client.get("/api/v1/me/offers", headers=auth("citizen-elder")).json()
    by_code = {i["matter_code"]: i for i in body["items"]}
    assert by_code["elderly-allowance"]["kind"] == "offer" and by_code["elderly-allowance"]["status"] == "offered"
    assert by_code["single-child-reward"]["kind"] == "grant"
    assert all(i["reasons"] for i in body["items"])
    young = client.get("/api/v1/me/offers", headers=auth("citizen-young")).json()["items"]
    assert "elderly-allowance" not in {i["matter_code"] for i in young}
    assert client.get("/api/v1/me/offers").status_code == 401


def test_taking_an_offer_makes_a_prefilled_draft_and_declining_closes_it(client, db_session, auth):
    _scan(db_session)
    h = auth("citizen-elder")
    items = {i["matter_code"]: i for i in client.get("/api/v1/me/offers", headers=h).json()["items"]}
    r = client.post(f"/api/v1/me/offers/{items['elderly-allowance']['id']}/accept", headers=h)
    assert r.status_code == 201, r.text
    app = client.get(f"/api/v1/applications/{r.json()['number']}", headers=h).json()
    assert app["status"] == "draft" and app["matter_code"] == "elderly-allowance"
    assert app["form"]["birth_date"] == "1956-03-15"
    # someone else cannot touch it
    assert client.post(f"/api/v1/me/offers/{items['hpf-withdrawal-retirement']['id']}/decline",
                       headers=auth("citizen-young")).status_code == 404
    d = client.post(f"/api/v1/me/offers/{items['hpf-withdrawal-retirement']['id']}/decline", headers=h)
    assert d.json()["status"] == "declined"
    assert client.post(f"/api/v1/me/offers/{items['hpf-withdrawal-retirement']['id']}/accept",
                       headers=h).status_code == 409


def test_the_me_page_shows_offers_and_grants_and_takes_one_in_one_click(client, db_session):
    _scan(db_session)
    web_login(client, "citizen-elder")
    page = client.get("/me").text
    assert "您可能符合条件" in page and "已为您办理" in page and "老年综合津贴申请" in page
    offer_id = page.split('data-matter="elderly-allowance"')[1].split("/me/offers/")[1].split("/")[0]
    r = client.post(f"/me/offers/{offer_id}/accept", data={"csrf_token": csrf_from(page)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/applications/XH")


def test_enterprise_policies_are_matched_with_reasons(client, auth):
    r = client.get("/api/v1/enterprise/policies", headers=auth("enterprise-demo"))
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) >= 30
    matched = [i for i in items if i["matched"]]
    assert matched and all(i["reasons"] for i in matched)
    assert {i["code"]: i["matched"] for i in items}["XH-TEC-01"] is True  # software, 12 staff, in Xuhui
    assert client.get("/api/v1/enterprise/policies", headers=auth("citizen-young")).status_code == 403


def test_a_policy_fails_when_one_condition_fails():
    records = {"legal-entity": {"status": "active", "employees": 12, "business_scope": ["software"],
                                "uscc": "91310104MA1FL0001Q", "registered_address": "上海市徐汇区虹梅路1801号",
                                "established_on": "2024-05-20"},
               "tax": {"credit_rating": "B", "arrears": 0, "unfiled_returns": 0}, "credit": {"dishonest": False},
               "address-cloud": {}}
    policy = {"code": "T", "criteria": {"scope_any": ["software"], "employees_max": 10, "in_district": True}}
    matched, reasons = policies.match(policy, records, date(2026, 12, 1))
    assert not matched
    assert [r["zh"] for r in reasons] == ["法人库：从业人数12人（要求不超过10人）"]
    policy["criteria"]["employees_max"] = 50
    matched, reasons = policies.match(policy, records, date(2026, 12, 1))
    assert matched and len(reasons) == 4


def test_policies_are_pushed_once(db_session):
    uscc = "91310104MA1FL0001Q"
    first = policies.push_matched(db_session, uscc, date(2026, 12, 1))
    assert first > 0
    assert policies.push_matched(db_session, uscc, date(2026, 12, 1)) == 0


def test_service_points_by_matter(client):
    items = client.get("/api/v1/service-points?matter=id-card-renewal").json()["items"]
    ids = {i["id"] for i in items}
    assert {"XH", "XJH", "T-GANGHUI"} <= ids and "T-CHJ-PARK" not in ids
    assert all("id-card-renewal" in i["matters"] for i in items)
    assert any(i["kind"] == "terminal" for i in items) and any(i["kind"] == "district" for i in items)


def test_service_points_nearest_first_and_the_15_minute_circle(client):
    here = (31.188, 121.437)
    items = client.get(f"/api/v1/service-points?near={here[0]},{here[1]}").json()["items"]
    assert len(items) >= 20
    metres = [points.haversine_m(*here, i["lat"], i["lng"]) for i in items]
    assert metres == sorted(metres)
    flat = [math.hypot(i["lat"] - here[0], (i["lng"] - here[1]) * math.cos(math.radians(here[0]))) for i in items]
    assert flat == sorted(flat)
    near = client.get(f"/api/v1/service-points?near={here[0]},{here[1]}&within_minutes=15").json()["items"]
    assert 0 < len(near) < len(items) and all(i["distance_m"] <= 1200 for i in near)
    assert client.get("/api/v1/service-points?near=north").status_code == 422


def test_the_map_page_filters_by_matter(client):
    page = client.get("/service-map?matter=id-card-renewal").text
    assert 'data-point="XH"' in page and 'data-point="T-CHJ-PARK"' not in page and "<svg" in page
    assert "cdn" not in page.lower()
