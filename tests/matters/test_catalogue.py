"""The catalogue equals the reference; filters, paging and an idempotent seed."""
import copy
import csv
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from app.matters import service
from app.matters.models import Material, Matter

DATA = Path(__file__).resolve().parents[1] / "data"
SHARED_REF = Path(__file__).resolve().parents[3] / "shared" / "reference" / "catalogue.yaml"


def _reference() -> dict[tuple[str, str], str]:
    with open(DATA / "reference_catalogue.tsv", encoding="utf-8") as fh:
        return {(r["kind"], r["code"]): r["name"] for r in csv.DictReader(fh, delimiter="\t")}


@pytest.mark.skipif(not SHARED_REF.exists(),
                    reason="../shared/reference is not beside this clone; the frozen copy in tests/data is used")
def test_frozen_reference_matches_shared_reference_when_present():
    ref = yaml.safe_load(SHARED_REF.read_text(encoding="utf-8"))
    expected = {("matter", m["code"]): m["name"] for m in ref["matters"]}
    expected |= {("bundle", b["code"]): b["name"] for b in ref["bundles"]}
    assert _reference() == expected


def test_api_lists_every_reference_matter_with_its_chinese_name(client):
    body = client.get("/api/v1/matters?limit=500").json()
    got = {m["code"]: m["name"] for m in body["items"]}
    ref = {code: name for (kind, code), name in _reference().items() if kind == "matter"}
    assert body["total"] == len(ref) == 76
    assert got == ref
    assert all(m["name_en"] for m in body["items"])


def test_bundles_match_reference(client):
    body = client.get("/api/v1/bundles").json()
    ref = {code: name for (kind, code), name in _reference().items() if kind == "bundle"}
    assert {b["code"]: b["name"] for b in body["items"]} == ref
    detail = client.get("/api/v1/bundles/newborn-bundle").json()
    assert [i["code"] for i in detail["items"]][:2] == ["birth-registration", "newborn-hukou"]


def test_filters_and_paging(client):
    r = client.get("/api/v1/matters", params={"theme": "business", "limit": 500}).json()
    assert r["total"] > 0 and all(m["theme"] == "business" for m in r["items"])
    r = client.get("/api/v1/matters", params={"subject": "enterprise", "auto_approval": "true", "limit": 500}).json()
    assert r["total"] > 0 and all(m["subject"] == "enterprise" and m["auto_approval"] for m in r["items"])
    r = client.get("/api/v1/matters", params={"on_the_spot": "true", "limit": 500}).json()
    assert all(m["promised_days"] == 0 for m in r["items"])
    r = client.get("/api/v1/matters", params={"q": "公积金", "limit": 500}).json()
    assert r["total"] >= 3 and all("公积金" in m["name"] or m["department"] == "hpf" for m in r["items"])
    assert any("公积金" in m["name"] for m in r["items"])
    page1 = client.get("/api/v1/matters", params={"limit": 10, "offset": 0}).json()
    page2 = client.get("/api/v1/matters", params={"limit": 10, "offset": 10}).json()
    assert len(page1["items"]) == 10 and page1["total"] == 76
    assert not {m["code"] for m in page1["items"]} & {m["code"] for m in page2["items"]}
    assert client.get("/api/v1/matters", params={"limit": 0}).status_code == 422
    assert client.get("/api/v1/matters", params={"subject": "alien"}).status_code == 422


def test_matter_detail_and_missing(client):
    m = client.get("/api/v1/matters/newborn-hukou").json()
    assert m["department"] == "psb" and m["promised_days"] == 3
    sources = {x["name"]: x for x in m["materials"]}
    assert sources["出生医学证明"]["source"] == "licence:birth-medical-certificate"
    assert sources["出生医学证明"]["exempt"] is True
    r = client.get("/api/v1/matters/no-such-matter")
    assert r.status_code == 404 and r.json()["error"] == "matter_not_found"


def test_seed_is_idempotent_and_follows_edits(db_session):
    assert service.seed_catalogue(db_session).changed == 0
    data = copy.deepcopy(service.load_catalogue())
    data["matters"][0]["name_en"] = "Edited English name"
    data["matters"][0]["materials"].append(["新增材料", "upload"])
    report = service.seed_catalogue(db_session, data)
    assert report.updated == 1 and report.created == 1
    m = db_session.get(Matter, data["matters"][0]["code"])
    assert m.name_en == "Edited English name"
    names = db_session.scalars(select(Material.name).where(Material.matter_code == m.code)).all()
    assert "新增材料" in names
    data["matters"][0]["materials"].pop()
    assert service.seed_catalogue(db_session, data).deleted == 1


def test_catalogue_pages(client):
    home = client.get("/")
    assert home.status_code == 200 and "高频事项" in home.text and "学有所教" in home.text
    assert "企业办事" in home.text
    ent = client.get("/?tab=enterprise")
    assert "企业设立登记" in ent.text
    lst = client.get("/matters", params={"q": "公积金"})
    assert "住房公积金" in lst.text
    filtered = client.get("/matters", params={"theme": "business", "subject": "enterprise", "on_the_spot": "1"})
    assert "发票领用" in filtered.text and "企业设立登记" not in filtered.text
    detail = client.get("/matters/newborn-hukou")
    assert "区公安分局" in detail.text and "免于提交" in detail.text and "3个工作日" in detail.text
    assert client.get("/bundles/newborn-bundle").status_code == 200
    assert client.get("/matters/nope").status_code == 404


def test_english_switch_is_kept_in_a_cookie(client):
    r = client.get("/lang/en", params={"next": "/matters/newborn-hukou"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/matters/newborn-hukou"
    page = client.get("/matters/newborn-hukou")
    assert "Household registration of a newborn" in page.text and 'lang="en"' in page.text
    assert "Materials" in page.text
    client.get("/lang/zh")
    assert "申请材料" in client.get("/matters/newborn-hukou").text
    # An open redirect is refused.
    assert client.get("/lang/en", params={"next": "https://evil.example"},
                      follow_redirects=False).headers["location"] == "/"


def test_cached_catalogue_answers_keep_headers_and_validation(client):
    from app.matters import cache

    cache.invalidate()
    first = client.get("/api/v1/matters", params={"theme": "housing", "limit": 5})
    second = client.get("/api/v1/matters", params={"limit": 5, "theme": "housing"})  # same key, other order
    assert first.content == second.content and first.json()["total"] > 0
    assert second.headers["x-content-type-options"] == "nosniff" and "x-request-id" in second.headers
    for _ in range(2):  # an invalid request is never cached, so it never skips validation
        assert client.get("/api/v1/matters", params={"limit": 0}).status_code == 422
