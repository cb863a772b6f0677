"""Walk-in intake at the comprehensive window (contract §6), through the API: take in, officer uploads,
applicant signs, officer submits and accepts, the department decides, the window hands out."""
import io

import yaml
from pypdf import PdfReader

from app.matters import content
from app.services.window import service as window_service
from tests.conftest import PASSWORD
from tests.services.applications.helpers import decide, tiny_pdf

YOUNG_ID = "310104199606121013"


def take_in(client, officer, code="temporary-assistance", id_number=YOUNG_ID, form=None):
    return client.post("/api/v1/window/applications", headers=officer, json={
        "matter_code": code, "applicant_id_number": id_number,
        "form": content.example_form(code) if form is None else form})


def upload_missing(client, headers, app):
    for m in app["materials"]:
        if m["status"] == "missing" and m["required"]:
            r = client.post(f"/api/v1/applications/{app['number']}/materials/{m['id']}", headers=headers,
                            files={"file": ("scan.pdf", io.BytesIO(tiny_pdf("scan")), "application/pdf")})
            assert r.status_code == 201, r.text


def prepared(client, auth, code="temporary-assistance"):
    """Taken in, materials scanned by the officer, signed by the applicant, submitted by the officer."""
    officer, young = auth("window-officer"), auth("citizen-young")
    r = take_in(client, officer, code)
    assert r.status_code == 201, r.text
    app = r.json()
    upload_missing(client, officer, app)
    r = client.post(f"/api/v1/applications/{app['number']}/sign", headers=young, json={"password": PASSWORD})
    assert r.status_code == 200 and (r.json()["signed"] or r.json()["skipped"]), r.text
    r = client.post(f"/api/v1/applications/{app['number']}/submit", headers=officer)
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
    return app["number"], officer, young


def test_walk_in_path_to_hand_out(client, auth):
    number, officer, young = prepared(client, auth)
    app = client.get(f"/api/v1/applications/{number}", headers=young).json()
    assert app["channel"] == "window" and any(e["action"] == "sign" for e in app["events"])
    r = decide(client, officer, number, "accept")
    assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    assert decide(client, auth("reviewer-amr"), number, "approve", ["ok"]).status_code in (403, 404)
    civil = auth("reviewer-civil")
    r = decide(client, civil, number, "approve", ["符合条件"])
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text  # waits at the window
    # before hand-out the officer cannot download the result
    assert client.get(f"/api/v1/applications/{number}/result.pdf", headers=officer).status_code == 404
    listed = client.get("/api/v1/window/handout", headers=officer).json()
    assert number in [a["number"] for a in listed["items"]]
    r = client.post(f"/api/v1/window/handout/{number}", headers=officer, json={"collected_by": "李明"})
    assert r.status_code == 200 and r.json()["status"] == "issued", r.text
    assert client.post(f"/api/v1/window/handout/{number}", headers=officer).status_code == 409
    r = client.get(f"/api/v1/applications/{number}/result.pdf", headers=officer)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    # collected: no longer on the hand-out list
    assert client.get("/api/v1/window/handout", headers=officer).json()["total"] == 0


def test_intake_needs_an_account_and_a_valid_id_number(client, auth):
    officer = auth("window-officer")
    r = take_in(client, officer, id_number="110101199003074514")  # valid, no account
    assert r.status_code == 404 and r.json()["error"] == "applicant_not_found"
    r = take_in(client, officer, id_number="310104199606121014")  # wrong check digit
    assert r.status_code == 422 and r.json()["error"] == "id_number_invalid"
    assert take_in(client, auth("citizen-young")).status_code == 403
    assert take_in(client, auth("reviewer-civil")).status_code == 403


def test_window_authorisation_boundaries(client, auth, db_session):
    from app.identity import service
    from app.identity.models import Role

    service.create_user(db_session, username="officer-psb", password=PASSWORD, role=Role.window_officer,
                        full_name="专窗", window_code="XH-D01")  # dedicated: public security only
    db_session.flush()
    r = take_in(client, auth("officer-psb"))
    assert r.status_code == 403 and r.json()["error"] == "matter_not_authorised"
    # the dedicated window is not the one that took this in: no upload, no intake decision
    number, officer, _ = prepared(client, auth)
    other = auth("officer-psb")
    assert decide(client, other, number, "accept").status_code == 404
    assert client.post(f"/api/v1/applications/{number}/submit", headers=other).status_code == 404


def test_applicant_alone_cannot_prepare_and_officer_cannot_sign(client, auth):
    officer, young = auth("window-officer"), auth("citizen-young")
    app = take_in(client, officer).json()
    r = client.post(f"/api/v1/applications/{app['number']}/sign", headers=officer, json={"password": PASSWORD})
    assert r.status_code == 403  # signing is the applicant's own act


def test_refuse_with_reason_and_correction_notice(client, auth, db_session):
    number, officer, young = prepared(client, auth)
    assert decide(client, officer, number, "refuse").status_code == 422  # a reason is required
    r = decide(client, officer, number, "correction", ["身份证复印件不清晰，请重新提供"])
    assert r.status_code == 200 and r.json()["status"] == "correction_requested", r.text
    r = client.get(f"/api/v1/window/applications/{number}/notice.pdf", headers=young)
    assert r.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "一次性告知书" in text and "身份证复印件不清晰，请重新提供" in text
    assert client.get(f"/api/v1/window/applications/{number}/notice.pdf",
                      headers=auth("citizen-elder")).status_code == 404


def test_notice_at_the_desk_lists_every_missing_material(client, auth):
    officer = auth("window-officer")
    app = take_in(client, officer).json()
    missing = [m["name"] for m in app["materials"] if m["status"] == "missing" and m["required"]]
    assert len(missing) >= 2
    r = client.post(f"/api/v1/window/applications/{app['number']}/notice", headers=officer,
                    json={"reasons": ["请携带户口簿原件"]})
    assert r.status_code == 201, r.text
    pdf = client.get(r.json()["notice_pdf"], headers=auth("citizen-young"))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for name in missing + ["请携带户口簿原件"]:
        assert name in text


def test_back_office_return_counts_against_intake_accuracy(client, auth, db_session):
    before = window_service.intake_figures(db_session)
    kept, officer, _ = prepared(client, auth)
    returned, _, _ = prepared(client, auth)
    for n in (kept, returned):
        assert decide(client, officer, n, "accept").status_code == 200
    civil = auth("reviewer-civil")
    # A correction asked by the back office is a decision on the case, not an intake error...
    assert decide(client, civil, kept, "correction", ["收入证明缺少盖章"]).status_code == 200
    # ...a return to the window is.
    assert decide(client, civil, returned, "return_to_window", ["户口簿复印件未核对原件"]).status_code == 200
    after = window_service.intake_figures(db_session)
    assert after["accepted"] - before["accepted"] == 2
    assert after["returned"] - before["returned"] == 1
    if before["accepted"] == 0:
        assert after["intake_accuracy"] == 0.5


def test_on_the_spot_completion_recorded(client, auth, db_session):
    """An on-the-spot (promised_days 0), window_direct matter decided by the officer is completed on the
    spot; a longer matter decided by the department is not, but was taken in at the comprehensive window
    all the same (both count in the share: 当场办结 ÷ 综合窗口受理)."""
    before = window_service.intake_figures(db_session)
    number, officer, _ = prepared(client, auth, "e-bike-registration")
    assert decide(client, officer, number, "accept").status_code == 200
    r = decide(client, officer, number, "approve", ["当场办结"])
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    other, _, _ = prepared(client, auth)  # temporary-assistance: 10 working days, not on the spot
    assert decide(client, officer, other, "accept").status_code == 200
    after = window_service.intake_figures(db_session)
    assert after["on_the_spot_intakes"] - before["on_the_spot_intakes"] == 2
    assert after["completed_on_spot"] - before["completed_on_spot"] == 1


def test_comprehensive_share_of_seeded_windows(db_session):
    windows = window_service.windows_of(db_session)
    comprehensive = sum(w.kind.value == "comprehensive" for w in windows)
    data = yaml.safe_load(window_service.CENTRES_FILE.read_text(encoding="utf-8"))["centres"]
    listed = [w for c in data for w in c["windows"]]
    assert len(data) == 14 and len(windows) == len(listed) == 32
    assert comprehensive == sum(w["kind"] == "comprehensive" for w in listed) == 30
    assert window_service.comprehensive_share(db_session) == comprehensive / len(windows)
    assert window_service.comprehensive_share(db_session) >= 0.8
