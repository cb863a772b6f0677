"""The access policy, route by route: every role × every route that reads an application, a
material, the signed summary or a sealed document → the expected status."""
import json
from urllib.parse import quote

import pytest
from sqlalchemy import select

from app.core.audit_models import AuditRecord
from app.identity import service
from app.identity.models import Role
from app.services.applications.models import Application
from tests.conftest import PASSWORD, bearer, csrf_from, web_login
from tests.services.applications.helpers import accept, apply, decide, take_in_at_window

REASON = "处理投诉 / 12345 热线工单"  # a reason may hold " / ": it is recorded whole

# Who asks: the owner, another applicant, an enterprise (whose legal representative is the owner),
# the deciding department's reviewer, another department's reviewer, the window officer whose
# window took the application in, another window's officer, an evaluator, an administrator
# without and with a reason, nobody.
ACTORS = ["owner", "other", "enterprise", "reviewer", "reviewer_other", "window", "window_other",
          "evaluator", "admin", "admin_reason", "anonymous"]
#                  owner other  ent  rev  rev_o  win  win_o  eval admin adm+r anon
VIEW = dict(zip(ACTORS, [200, 404, 404, 200, 404, 200, 404, 404, 403, 200, 401]))
DOWNLOAD = dict(zip(ACTORS, [200, 404, 404, 200, 404, 404, 404, 404, 403, 200, 401]))
PUBLIC = dict.fromkeys(ACTORS, 200)
PAGE_VIEW = {**VIEW, "anonymous": 303}  # pages send the anonymous to the login page
PAGE_DOWNLOAD = {**DOWNLOAD, "anonymous": 303}

ROUTES = [
    ("/api/v1/applications/{n}", VIEW),
    ("/api/v1/applications/{n}/materials/{m}", VIEW),
    ("/api/v1/applications/{n}/summary.pdf", VIEW),
    ("/api/v1/applications/{n}/result.pdf", DOWNLOAD),
    ("/api/v1/documents/{d}.pdf", DOWNLOAD),
    ("/api/v1/documents/{d}", PUBLIC),  # the verifier's registry record
    ("/applications/{n}", PAGE_VIEW),
    ("/verify/documents/{d}/download", PAGE_DOWNLOAD),
    ("/verify/documents/{d}", PUBLIC),
]


USERS = {"owner": "citizen-young", "other": "citizen-elder", "enterprise": "enterprise-demo",
         "reviewer": "reviewer-civil", "reviewer_other": "reviewer-amr", "window": "window-officer",
         "window_other": "window-officer-2", "evaluator": "evaluator", "admin": "admin", "admin_reason": "admin"}


@pytest.fixture
def issued(client, auth, db_session):
    """An application taken in at window XH-C01, accepted and approved by 区民政局 (civil)."""
    owner = auth("citizen-young")
    app = apply(client, owner, "temporary-assistance")
    take_in_at_window(db_session, app["number"])
    civil = auth("reviewer-civil")
    accept(client, civil, app["number"])
    assert decide(client, civil, app["number"], "approve", ["符合条件"]).status_code == 200
    app = client.get(f"/api/v1/applications/{app['number']}", headers=owner).json()
    assert app["status"] == "issued"
    service.create_user(db_session, username="window-officer-2", password=PASSWORD, role=Role.window_officer,
                        full_name="窗口二", window_code="XH-C02")
    db_session.flush()
    return app


def headers_of(client, actor: str) -> dict[str, str]:
    if actor == "anonymous":
        return {}
    h = bearer(client, USERS[actor])
    if actor == "admin_reason":
        h["X-Access-Reason"] = quote(REASON)  # header values are Latin-1: percent-encoded UTF-8
    return h


def test_every_role_on_every_route_that_reads_an_application(client, db_session, issued):
    number = issued["number"]
    material = next(m["id"] for m in issued["materials"] if m["status"] == "uploaded")
    document = db_session.scalar(select(Application.result_document_id).where(Application.number == number))
    headers = {a: headers_of(client, a) for a in ACTORS}
    wrong = []
    for route, expected in ROUTES:
        url = route.format(n=number, m=material, d=document)
        for actor in ACTORS:
            r = client.get(url, headers=headers[actor], follow_redirects=False)
            if r.status_code != expected[actor]:
                wrong.append((actor, url, r.status_code, expected[actor]))
    assert wrong == []


def test_an_administrators_reason_is_audited_whole_and_reads_without_one_are_refused(client, db_session, issued):
    number = issued["number"]
    r = client.get(f"/api/v1/applications/{number}", headers=bearer(client, "admin"))
    assert r.status_code == 403 and r.json()["error"] == "reason_required"
    r = client.get(f"/api/v1/applications/{number}", params={"reason": "abc"}, headers=bearer(client, "admin"))
    assert r.status_code == 403  # too short to mean anything
    r = client.get(f"/api/v1/applications/{number}", params={"reason": REASON}, headers=bearer(client, "admin"))
    assert r.status_code == 200 and r.json()["applicant_name"]
    rec = db_session.scalar(select(AuditRecord).where(AuditRecord.action == "personal_data.read",
                                                      AuditRecord.object_id == number))
    assert rec.actor == "admin" and json.loads(rec.detail) == {"reason": REASON}


def test_the_administrators_page_asks_why_before_showing_personal_data(client, issued):
    number = issued["number"]
    web_login(client, "admin")
    r = client.get(f"/applications/{number}")
    assert r.status_code == 403 and issued["applicant_name"] not in r.text
    assert f'action="/applications/{number}"' in r.text and 'name="reason"' in r.text
    r = client.get(f"/applications/{number}", params={"reason": REASON})
    assert r.status_code == 200 and issued["applicant_name"] in r.text
    # the page's downloads carry the reason, so that they are audited too
    assert f"/api/v1/applications/{number}/summary.pdf?reason=" in r.text


def test_the_result_is_a_download_and_the_public_record_holds_no_personal_data(client, db_session, issued):
    number = issued["number"]
    r = client.get(f"/api/v1/applications/{number}/result.pdf", headers=bearer(client, "citizen-young"))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert r.headers["content-disposition"].startswith("attachment;")
    document = db_session.scalar(select(Application.result_document_id).where(Application.number == number))
    record = client.get(f"/api/v1/documents/{document}").text
    page = client.get(f"/verify/documents/{document}").text
    for personal in (issued["applicant_name"], "310104199606121013", number):
        assert personal not in record and personal not in page


def test_a_window_officer_looks_up_by_number_with_the_id_number_and_every_attempt_is_audited(
        client, auth, db_session):
    number = apply(client, auth("citizen-young"), "temporary-assistance")["number"]  # online, not his window
    officer = auth("window-officer")
    assert client.get(f"/api/v1/applications/{number}", headers=officer).status_code == 404
    r = client.post("/api/v1/window/lookup", headers=officer,
                    json={"number": number, "applicant_id_number": "310104199001011237"})
    assert r.status_code == 404
    me = client.get("/api/v1/me", headers=auth("citizen-young")).json()
    r = client.post("/api/v1/window/lookup", headers=officer,
                    json={"number": number, "applicant_id_number": me["id_number"]})
    assert r.status_code == 200 and r.json()["number"] == number
    outcomes = db_session.scalars(select(AuditRecord.outcome).where(
        AuditRecord.action == "application.lookup", AuditRecord.object_id == number).order_by(AuditRecord.id)).all()
    assert outcomes == ["denied", "ok"]
    assert client.post("/api/v1/window/lookup", headers=auth("reviewer-civil"),
                       json={"number": number, "applicant_id_number": me["id_number"]}).status_code == 403

    web_login(client, "window-officer")
    page = client.get("/window/lookup").text
    r = client.post("/window/lookup", data={"number": number, "applicant_id_number": me["id_number"],
                                            "csrf_token": csrf_from(page)})
    assert r.status_code == 200 and number in r.text and "临时救助" in r.text
