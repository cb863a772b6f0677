"""The contract's personas end to end through the API: create, sign, submit, read the decision."""
from __future__ import annotations

import io
import uuid

from app.matters import content
from tests.services.applications.helpers import tiny_pdf


def _apply(client, headers, code="elderly-allowance"):
    form = {k: v for k, v in content.example_form(code, include_prefilled=True).items() if k not in ("applicant_name", "applicant_id_number")}
    r = client.post("/api/v1/applications", json={"matter_code": code, "form": form},
                    headers={**headers, "Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    app = r.json()
    for m in app["materials"]:
        if m["status"] == "missing" and m["required"]:
            r = client.post(f"/api/v1/applications/{app['number']}/materials/{m['id']}", headers=headers,
                            files={"file": ("m.pdf", io.BytesIO(tiny_pdf("bank card")), "application/pdf")})
            assert r.status_code == 201, r.text
    r = client.post(f"/api/v1/applications/{app['number']}/sign", json={"password": "Demo@2026"}, headers=headers)
    assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/applications/{app['number']}/submit", headers=headers)
    assert r.status_code == 200, r.text
    return client.get(f"/api/v1/applications/{app['number']}", headers=headers).json()


def test_elder_is_approved_and_issued_by_the_system(client, auth):
    headers = auth("citizen-elder")
    app = _apply(client, headers)
    assert app["status"] == "issued"
    assert app["decision"]["outcome"] == "approved" and app["decision"]["by"] == "system"
    actions = [(e["action"], e["actor"]) for e in app["events"]]
    assert ("accept", "system") in actions and ("approve", "system") in actions and ("issue", "system") in actions
    pdf = client.get(f"/api/v1/applications/{app['number']}/result.pdf", headers=headers)
    assert pdf.status_code == 200
    verdict = client.post("/api/v1/verify", files={"file": ("r.pdf", pdf.content, "application/pdf")}).json()
    assert verdict["valid"] is True


def test_young_is_denied_with_the_age_reason(client, auth):
    app = _apply(client, auth("citizen-young"))
    assert app["status"] == "denied"
    assert app["decision"]["by"] == "system"
    assert any("65" in r and "周岁" in r for r in app["decision"]["reasons"])
    assert any("under 65" in r for r in app["auto_approval"]["reasons_en"])
    assert app["result_pdf"] is None


def test_nodata_is_referred_to_a_person_with_the_reason(client, auth):
    app = _apply(client, auth("citizen-nodata"))
    assert app["status"] == "submitted"
    assert app["decision"] is None
    assert app["auto_approval"]["outcome"] == "refer"
    assert any("人口库" in r for r in app["auto_approval"]["reasons_zh"])


def test_nodata_applying_with_only_the_schemas_required_fields_reaches_a_person(client, auth):
    # As an API client builds the form (contract: the served schema's required properties, fields the
    # portal fills from data omitted): a person without a population record is not blocked, and is referred.
    schema = client.get("/api/v1/matters/elderly-allowance").json()["form_schema"]
    form = {k: schema["properties"][k]["examples"][0] for k in schema["required"]}
    headers = auth("citizen-nodata")
    r = client.post("/api/v1/applications", json={"matter_code": "elderly-allowance", "form": form},
                    headers={**headers, "Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    for m in r.json()["materials"]:
        if m["status"] == "missing" and m["required"]:
            client.post(f"/api/v1/applications/{number}/materials/{m['id']}", headers=headers,
                        files={"file": ("m.pdf", io.BytesIO(tiny_pdf("bank card")), "application/pdf")})
    assert client.post(f"/api/v1/applications/{number}/sign", json={"password": "Demo@2026"},
                       headers=headers).status_code == 200
    assert client.post(f"/api/v1/applications/{number}/submit", headers=headers).status_code == 200
    app = client.get(f"/api/v1/applications/{number}", headers=headers).json()
    assert app["status"] == "submitted" and app["auto_approval"]["outcome"] == "refer"


def test_the_applicant_page_says_why_it_went_to_a_person(client, auth):
    from tests.conftest import web_login

    app = _apply(client, auth("citizen-nodata"))
    web_login(client, "citizen-nodata")
    page = client.get(f"/applications/{app['number']}").text
    assert "已转人工审核" in page
    assert all(r in page for r in app["auto_approval"]["reasons_zh"]) and app["auto_approval"]["reasons_zh"]
    page = client.get(f"/applications/{app['number']}?lang=en").text
    assert "Referred to a person" in page and all(r in page for r in app["auto_approval"]["reasons_en"])
