"""One thing (一件事): one form, one submission, linked applications, one status page."""
import io

from app.matters.bundle_forms import bundle_fields, bundle_json_schema
from tests.conftest import PASSWORD
from tests.services.applications.helpers import tiny_pdf


def _example(schema):
    return {k: p["examples"][0] for k, p in schema["properties"].items() if not p.get("readOnly")}


def test_shared_fields_are_asked_once():
    codes = ["company-establishment", "invoice-application", "employer-social-insurance", "employer-hpf-registration"]
    keys = [k for k, _, _ in bundle_fields(codes)]
    assert len(keys) == len(set(keys))
    shared = [k for k, f, used in bundle_fields(codes) if len(used) > 1]
    assert shared, "the company-opening bundle shares no field"
    assert all("." not in k for k in shared)


def test_bundle_creates_linked_applications_and_submits_once(client, auth):
    h = auth("enterprise-demo")
    detail = client.get("/api/v1/bundles/company-closing-bundle").json()
    form = _example(detail["form_schema"])
    r = client.post("/api/v1/bundles/company-closing-bundle/applications", headers=h, json={"form": form})
    assert r.status_code == 201, r.text
    ba = r.json()
    assert [a["matter_code"] for a in ba["applications"]] == ["tax-clearance", "company-simple-deregistration"]
    assert all(a["bundle_number"] == ba["number"] and a["status"] == "draft" for a in ba["applications"])
    for name in ba["pending_uploads"]:
        r = client.post(f"/api/v1/bundle-applications/{ba['number']}/materials", headers=h,
                        data={"material_name": name},
                        files={"file": ("m.pdf", io.BytesIO(tiny_pdf()), "application/pdf")})
        assert r.status_code == 200, r.text
    for a in ba["applications"]:  # each signed on its own, with the second factor
        r = client.post(f"/api/v1/applications/{a['number']}/sign", headers=h, json={"password": PASSWORD})
        assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/bundle-applications/{ba['number']}/submit", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    # both matters are auto-approval ones and the demo enterprise qualifies: decided and issued at once
    assert {a["status"] for a in body["applications"]} == {"issued"} and body["status"] == "completed"
    assert {a["decision"]["by"] for a in body["applications"]} == {"system"}
    assert body["applications"][1]["signed"] is True
    assert client.get(f"/api/v1/bundle-applications/{ba['number']}", headers=auth("citizen-young")).status_code == 404


def test_bundle_guide_answers_skip_matters(client, auth):
    h = auth("citizen-young")
    schema = bundle_json_schema(["birth-registration", "newborn-hukou", "social-security-card",
                                 "resident-medical-insurance"])
    form = _example(schema)
    r = client.post("/api/v1/bundles/newborn-bundle/applications", headers=h,
                    json={"form": form, "answers": {"parents_hukou": "both", "maternity_insured": "no",
                                                    "birth_registered": "no", "married": "yes"}})
    assert r.status_code == 201, r.text
    codes = [a["matter_code"] for a in r.json()["applications"]]
    assert "maternity-benefit" not in codes and "newborn-hukou" in codes


def test_bundle_form_errors_are_reported_per_field(client, auth):
    r = client.post("/api/v1/bundles/company-closing-bundle/applications", headers=auth("enterprise-demo"),
                    json={"form": {}})
    assert r.status_code == 422 and r.json()["fields"]


def test_bundle_for_wrong_subject_is_refused(client, auth):
    r = client.post("/api/v1/bundles/company-closing-bundle/applications", headers=auth("citizen-young"),
                    json={"form": {}})
    assert r.status_code == 403
