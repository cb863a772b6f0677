"""Intake (受理) is its own step before any decision; free text stays whole, system texts are
stored in Chinese and English apart."""
import re
from datetime import date

from sqlalchemy import select

from app.services.applications import deadlines
from app.services.applications.models import Application
from tests.conftest import web_login
from tests.services.applications.helpers import accept, apply, decide

REASON = "请补充身份证 / 户口簿复印件"  # a person's words with " / " inside


def test_intake_is_its_own_recorded_step_even_when_a_decision_comes_first(client, auth, db_session):
    civil = auth("reviewer-civil")
    number = apply(client, auth("citizen-young"), "temporary-assistance")["number"]
    accept(client, civil, number)
    assert decide(client, civil, number, "accept").status_code == 409  # intake happens once
    r = decide(client, civil, number, "approve", ["符合条件"])
    assert r.status_code == 200 and r.json()["status"] == "issued"
    assert [e["action"] for e in r.json()["events"]][-4:] == ["accept", "start_review", "approve", "issue"]
    assert [e["actor"] for e in r.json()["events"]][-4:-1] == ["reviewer-civil"] * 3
    # A decision on an application not yet taken in: the intake is performed first, as its own
    # event and audit record that says so, and the applicant is told it was accepted.
    number = apply(client, auth("citizen-young"), "temporary-assistance")["number"]
    r = decide(client, civil, number, "deny", ["收入超过标准"])
    assert r.status_code == 200 and r.json()["status"] == "denied"
    events = r.json()["events"]
    assert [e["action"] for e in events][-3:] == ["accept", "start_review", "deny"]
    assert events[-3]["note"] == "与审批决定一并受理" and events[-3]["note_en"] == "Accepted together with the decision"
    from app.core.audit_models import AuditRecord

    db_session.commit()
    assert db_session.scalar(select(AuditRecord).where(AuditRecord.object_id == number,
                                                       AuditRecord.action == "application.accept")) is not None
    inbox = client.get("/api/v1/me/inbox", headers=auth("citizen-young")).json()["items"]
    assert any(m["application_number"] == number and m["title"] == "申请已受理" for m in inbox)


def test_intake_is_due_one_working_day_after_submission_and_again_after_an_intake_correction(
        client, auth, db_session, monkeypatch):
    from app.services.applications import service as svc

    h, civil = auth("citizen-young"), auth("reviewer-civil")
    monkeypatch.setattr(svc, "today_china", lambda: date(2026, 9, 30))  # the day before the National Day holiday
    number = apply(client, h, "temporary-assistance")["number"]
    row = db_session.scalar(select(Application).where(Application.number == number))
    assert row.intake_due_date == date(2026, 10, 8) == deadlines.intake_due(date(2026, 9, 30), 5)
    assert deadlines.intake_due(date(2026, 9, 30), 0) == date(2026, 9, 30)  # on-the-spot: the same day
    monkeypatch.setattr(svc, "today_china", lambda: date(2026, 10, 12))
    assert svc.is_intake_overdue(row)
    # 补正 at intake: after resubmission the application must be accepted before a decision
    assert decide(client, civil, number, "correction", [REASON]).status_code == 200
    client.post(f"/api/v1/applications/{number}/sign", headers=h)
    assert client.post(f"/api/v1/applications/{number}/submit", headers=h).json()["status"] == "resubmitted"
    assert row.intake_due_date == date(2026, 10, 13) and not svc.is_intake_overdue(row)
    accept(client, civil, number)  # resubmitted after an intake correction: taken in again
    assert row.intake_due_date is None
    assert decide(client, civil, number, "approve", ["符合条件"]).json()["status"] == "issued"


def test_the_workbench_offers_intake_first(client, auth):
    number = apply(client, auth("citizen-young"), "temporary-assistance")["number"]
    web_login(client, "reviewer-civil")
    queue = client.get("/review").text
    assert "待受理" in queue
    page = client.get(f"/applications/{number}").text
    assert "受理审查" in page and 'value="accept"' in page and 'value="approve"' not in page


def test_a_reason_with_a_slash_stays_whole_in_both_languages(client, auth):
    h, civil = auth("citizen-young"), auth("reviewer-civil")
    number = apply(client, h, "temporary-assistance")["number"]
    accept(client, civil, number)
    r = decide(client, civil, number, "deny", [REASON, "收入；资产超过标准"])
    assert r.json()["decision"]["reasons"] == [REASON, "收入；资产超过标准"]  # not split at " / " nor "；"
    deny = r.json()["events"][-1]
    assert REASON in deny["note"] and REASON in deny["note_en"]
    for lang in ("zh", "en"):
        body = client.get(f"/api/v1/applications/{number}", headers={**h, "Accept-Language": lang}).json()
        assert body["decision"]["reasons"][0] == REASON
        client.cookies.set("lang", lang)
        web_login(client, "citizen-young")
        page = client.get(f"/applications/{number}").text
        inbox = client.get("/me/inbox").text
        assert REASON in page and REASON in inbox, lang


def test_a_correction_request_with_a_slash_is_shown_whole(client, auth):
    h = auth("citizen-young")
    number = apply(client, h, "temporary-assistance")["number"]
    assert decide(client, auth("reviewer-civil"), number, "correction", [REASON]).status_code == 200
    for lang in ("zh", "en"):
        client.cookies.set("lang", lang)
        web_login(client, "citizen-young")
        assert REASON in client.get(f"/applications/{number}").text


def test_system_messages_show_one_language_at_a_time(client, auth):
    h = auth("citizen-young")
    apply(client, h, "temporary-assistance")
    items = client.get("/api/v1/me/inbox", headers=h).json()["items"]
    submitted = next(m for m in items if m["title"] == "申请已提交")
    assert submitted["title_en"] == "Application submitted" and "due" in submitted["body_en"]
    web_login(client, "citizen-young")
    client.cookies.set("lang", "zh")
    zh = client.get("/me/inbox").text
    assert "申请已提交" in zh and "Application submitted" not in zh
    client.cookies.set("lang", "en")
    en = client.get("/me/inbox").text
    assert "Application submitted" in en and "申请已提交" not in en
    timeline = client.get(f"/applications/{submitted['application_number']}").text
    assert "fields pre-filled" in timeline and "预填" not in timeline


def test_the_timeline_names_people_not_login_names(client, auth):
    civil = auth("reviewer-civil")
    number = apply(client, auth("citizen-young"), "temporary-assistance")["number"]
    accept(client, civil, number)
    web_login(client, "citizen-young")
    page = client.get(f"/applications/{number}").text
    actors = re.findall(r'class="muted event-actor">(?:<span data-proper-name[^>]*>)?([^<]*)<', page)
    assert actors and "citizen-young" not in actors and "reviewer-civil" not in actors
    assert "李明" in actors  # the applicant, by the name on her ID
