"""Reach for administrators: pushed, read, applied, granted per policy and per proactive matter."""
from __future__ import annotations

from datetime import date

from app.services.proactive import policies, scan
from tests.conftest import web_login

USCC = "91310104MA1FL0001Q"


def _by_code(rows):
    return {r["code"]: r for r in rows}


def test_reach_counts_follow_what_people_do(client, db_session, auth):
    assert scan.scan_batch(db_session, batch_size=10_000)["finished"]
    admin = auth("admin")
    before = client.get("/api/v1/admin/proactive/reach", headers=admin).json()
    m = _by_code(before["matters"])
    assert m["elderly-allowance"]["pushed"] >= 1 and m["elderly-allowance"]["read"] == 0
    assert m["single-child-reward"]["granted"] >= 1  # a grant is granted when issued
    # the elder reads the offers and takes the allowance; the enterprise declines the download
    elder = auth("citizen-elder")
    items = {i["matter_code"]: i for i in client.get("/api/v1/me/offers", headers=elder).json()["items"]}
    assert client.post(f"/api/v1/me/offers/{items['elderly-allowance']['id']}/accept", headers=elder).status_code == 201
    ent = auth("enterprise-demo")
    e_items = {i["matter_code"]: i for i in client.get("/api/v1/me/offers", headers=ent).json()["items"]}
    client.post(f"/api/v1/me/offers/{e_items['e-business-licence-download']['id']}/decline", headers=ent)
    after = _by_code(client.get("/api/v1/admin/proactive/reach", headers=admin).json()["matters"])
    ea, eb = m["elderly-allowance"], after["elderly-allowance"]
    assert eb["read"] == ea["read"] + 1 and eb["applied"] == ea["applied"] + 1 and eb["pushed"] == ea["pushed"]
    assert eb["granted"] == ea["granted"]  # a draft is not yet granted
    assert after["e-business-licence-download"]["declined"] == m["e-business-licence-download"]["declined"] + 1


def test_policy_reach_pushed_read_and_grant_mode(client, db_session, auth):
    assert policies.push_matched(db_session, USCC, date(2026, 12, 1)) > 0
    admin = auth("admin")
    rows = _by_code(client.get("/api/v1/admin/proactive/reach", headers=admin).json()["policies"])
    assert len(rows) >= 30
    tec = rows["XH-TEC-01"]
    assert tec["pushed"] == 1 and tec["read"] == 0
    grant_mode = [r for r in rows.values() if r["mode"] == "grant" and r["pushed"]]
    assert grant_mode and all(r["granted"] == r["pushed"] and r["applied"] is None for r in grant_mode)
    assert client.get("/api/v1/enterprise/policies", headers=auth("enterprise-demo")).status_code == 200
    rows = _by_code(client.get("/api/v1/admin/proactive/reach", headers=admin).json()["policies"])
    assert rows["XH-TEC-01"]["read"] == 1


def test_reach_is_for_administrators_only_and_has_a_page(client, db_session, auth):
    assert client.get("/api/v1/admin/proactive/reach", headers=auth("citizen-elder")).status_code == 403
    assert client.get("/api/v1/admin/proactive/reach").status_code == 401
    web_login(client, "admin")
    page = client.get("/admin/proactive")
    assert page.status_code == 200 and "主动服务触达统计" in page.text
    assert 'data-code="elderly-allowance"' in page.text and 'data-code="XH-TEC-01"' in page.text
    assert 'href="/admin/proactive"' in client.get("/admin").text
