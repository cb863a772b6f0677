"""Back office (后台分类审批): the department inbox, assignment to a named reviewer, two-level sign-off
(审核/审批), return to the window as an intake error (against intake accuracy), optimistic locking."""
import re

from sqlalchemy import select

from app.core.audit_models import AuditRecord
from app.services.window import service as window_service
from tests.conftest import csrf_from, web_login
from tests.services.applications.helpers import accept, apply, decide
from tests.services.window.test_intake import prepared
from tests.test_accessibility import check_page

TWO_LEVEL = "minimum-living-allowance"  # civil affairs, pays out public money: two_level in the catalogue


def inbox(client, headers, **params):
    r = client.get("/api/v1/review/inbox", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def assign(client, headers, number, action, assignee=None, **extra):
    return client.post(f"/api/v1/applications/{number}/assignment", headers=headers,
                       json={"action": action, "assignee": assignee, **extra})


def test_matter_attribute_two_level_follows_the_documented_rule(client):
    matters = {m["code"]: m for m in client.get("/api/v1/matters?limit=200").json()["items"]}
    assert matters[TWO_LEVEL]["two_level"] is True  # explicit in the catalogue (public money)
    assert matters["residence-permit"]["two_level"] is True  # a licence, not decided at the window
    assert matters["marriage-registration"]["two_level"] is False  # licence, but window_direct
    assert matters["temporary-assistance"]["two_level"] is False  # the contract's single-level path


def test_inbox_is_the_reviewers_own_department_sorted_by_due_date_with_filters(client, auth, db_session):
    young, civil, amr = auth("citizen-young"), auth("reviewer-civil"), auth("reviewer-amr")
    online = apply(client, young, "temporary-assistance")["number"]
    walk_in, _, _ = prepared(client, auth)
    got = inbox(client, civil)
    numbers = [a["number"] for a in got["items"]]
    assert {online, walk_in} <= set(numbers) and got["total"] >= 2
    dues = [a["due_date"] for a in got["items"] if a["due_date"]]
    assert dues == sorted(dues)
    assert not {online, walk_in} & {a["number"] for a in inbox(client, amr)["items"]}  # other department
    assert [a["number"] for a in inbox(client, civil, channel="window")["items"]] == [walk_in]
    assert online in [a["number"] for a in inbox(client, civil, channel="online")["items"]]
    assert walk_in not in [a["number"] for a in inbox(client, civil, channel="online")["items"]]
    assert inbox(client, civil, assigned="me")["total"] == 0
    assert assign(client, civil, online, "take").status_code == 200
    assert [a["number"] for a in inbox(client, civil, assigned="me")["items"]] == [online]
    assert online not in [a["number"] for a in inbox(client, civil, assigned="none")["items"]]
    assert online in [a["number"] for a in inbox(client, auth("reviewer-civil-2"), assigned="others")["items"]]
    assert inbox(client, civil, matter="elderly-allowance", channel="window")["total"] == 0
    assert inbox(client, civil, overdue="true")["total"] == 0  # just submitted: nothing overdue
    intake = [a["number"] for a in inbox(client, civil, status="intake")["items"]]
    assert online in intake and walk_in in intake
    assert client.get("/api/v1/review/inbox", headers=young).status_code == 403
    assert client.get("/api/v1/review/inbox", headers=auth("window-officer")).status_code == 403


def test_overdue_filter(client, auth, db_session):
    from datetime import timedelta

    from app.core.clock import china_today
    from app.services.applications.models import Application

    civil = auth("reviewer-civil")
    late = apply(client, auth("citizen-young"), "temporary-assistance")["number"]
    on_time = apply(client, auth("citizen-young"), "temporary-assistance")["number"]
    row = db_session.scalar(select(Application).where(Application.number == late))
    row.due_date = china_today() - timedelta(days=3)
    db_session.flush()
    got = [a["number"] for a in inbox(client, civil, overdue="true")["items"]]
    assert late in got and on_time not in got
    assert inbox(client, civil)["items"][0]["number"] == late  # earliest due first


def test_reviewer_of_another_department_is_refused_everywhere(client, auth):
    number = apply(client, auth("citizen-young"), "temporary-assistance")["number"]
    amr = auth("reviewer-amr")
    assert decide(client, amr, number, "accept").status_code in (403, 404)
    assert assign(client, amr, number, "take").status_code == 404
    # nor may a civil reviewer hand it to someone outside the department
    r = assign(client, auth("reviewer-civil"), number, "assign", "reviewer-amr")
    assert r.status_code == 422 and r.json()["error"] == "validation_failed"
    assert "/" in r.json()["detail"]  # bilingual: Chinese / English
    web_login(client, "reviewer-amr")
    assert client.get(f"/applications/{number}").status_code == 404
    page = client.get("/review").text
    assert number not in page


def test_assignment_is_audited_and_named_on_the_timeline(client, auth, db_session):
    civil, civil2 = auth("reviewer-civil"), auth("reviewer-civil-2")
    number = apply(client, auth("citizen-young"), "temporary-assistance")["number"]
    r = assign(client, civil, number, "take")
    assert r.status_code == 200 and r.json()["assigned_to"] == "reviewer-civil"
    assert r.json()["assigned_to_name"] == "周伟"
    r = assign(client, civil, number, "assign", "reviewer-civil-2")
    assert r.status_code == 200 and r.json()["assigned_to_name"] == "孙丽"
    r = assign(client, civil2, number, "release")
    assert r.status_code == 200 and r.json()["assigned_to"] is None
    assert assign(client, civil2, number, "release").status_code == 409  # nothing to release
    events = [e for e in r.json()["events"] if e["action"] in ("take", "assign", "release")]
    assert [e["action"] for e in events] == ["take", "assign", "release"]
    assert "周伟" in events[0]["note"] and "孙丽" in events[1]["note"] and "Assigned to 孙丽" == events[1]["note_en"]
    audited = db_session.scalars(select(AuditRecord.action).where(AuditRecord.object_id == number)).all()
    assert {"application.take", "application.assign", "application.release"} <= set(audited)
    # the page shows names, not logins, in the timeline and the assignment panel
    assign(client, civil, number, "assign", "reviewer-civil-2")
    web_login(client, "reviewer-civil")
    page = client.get(f"/applications/{number}").text
    assert "当前承办人：孙丽" in page
    timeline = page[page.index('id="timeline"'):]
    assert "周伟" in timeline and "reviewer-civil" not in re.sub(r"<[^>]+>", " ", timeline)
    inbox_page = client.get("/review?assigned=others").text
    assert number in inbox_page and "孙丽" in inbox_page


def test_assignment_form_on_the_inbox_and_a_stale_version(client, auth):
    number = apply(client, auth("citizen-young"), "temporary-assistance")["number"]
    web_login(client, "reviewer-civil")
    page = client.get("/review?channel=online").text
    assert check_page(page, "/review") == []
    version = re.search(rf'/review/applications/{number}/assignment".*?name="version" value="(\d+)"', page, re.S).group(1)
    r = client.post(f"/review/applications/{number}/assignment", follow_redirects=False,
                    data={"csrf_token": csrf_from(page), "action": "take", "version": version,
                          "back": "/review?channel=online"})
    assert r.status_code == 303 and r.headers["location"] == "/review?channel=online"
    # the same (now stale) form again: someone changed it meanwhile → 409
    r = client.post(f"/review/applications/{number}/assignment", follow_redirects=False,
                    data={"csrf_token": csrf_from(page), "action": "release", "version": version})
    assert r.status_code == 409
    # an off-site "back" is not followed
    fresh = client.get(f"/applications/{number}").text
    v = re.search(r'name="version" value="(\d+)"', fresh).group(1)
    r = client.post(f"/review/applications/{number}/assignment", follow_redirects=False,
                    data={"csrf_token": csrf_from(fresh), "action": "release", "version": v,
                          "back": "//evil.example/"})
    assert r.status_code == 303 and r.headers["location"].startswith(f"/applications/{number}")


def test_inbox_empty_states_and_pagination_links(client, auth):
    web_login(client, "reviewer-amr")
    r = client.get("/review?status=second_level")
    assert r.status_code == 200 and "没有符合筛选条件的办件" in r.text
    en = client.get("/review?status=second_level&lang=en").text
    assert "No applications match these filters" in en
    text = re.sub(r"<[^>]+>", " ", en[en.index("<main"):])
    assert not re.search(r"[\u4e00-\u9fff]", text.replace("区市场监督管理局", "")), text[:400]


def test_two_level_sign_off_needs_two_different_people(client, auth):
    civil, civil2 = auth("reviewer-civil"), auth("reviewer-civil-2")
    number = apply(client, auth("citizen-young"), TWO_LEVEL)["number"]
    accept(client, civil, number)
    r = decide(client, civil, number, "approve", ["符合条件"])
    assert r.status_code == 409 and r.json()["error"] == "review_opinion_required", r.text
    r = client.post(f"/api/v1/applications/{number}/decision", headers=civil,
                    json={"outcome": "review", "reasons": []})
    assert r.status_code == 422 and r.json()["error"] == "validation_failed"  # opinion missing
    r = client.post(f"/api/v1/applications/{number}/decision", headers=civil,
                    json={"outcome": "review", "opinion": "approve", "reasons": ["经入户调查，符合低保条件"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "in_review" and body["decision"] is None  # not in effect yet
    assert body["review"]["by"] == "reviewer-civil" and body["review"]["by_name"] == "周伟"
    assert body["review"]["opinion"] == "approve"
    # the same person cannot also sign the approval
    r = decide(client, civil, number, "approve", ["符合条件"])
    assert r.status_code == 409 and r.json()["error"] == "second_person_required"
    assert "不同" in r.json()["detail"] and "different people" in r.json()["detail"]
    # a second opinion is refused
    r = client.post(f"/api/v1/applications/{number}/decision", headers=civil2,
                    json={"outcome": "review", "opinion": "deny", "reasons": ["x"]})
    assert r.status_code == 409 and r.json()["error"] == "review_done"
    r = decide(client, civil2, number, "approve", ["同意审核意见"])
    assert r.status_code == 200 and r.json()["status"] in ("approved", "issued"), r.text
    assert r.json()["decision"]["by"] == "reviewer-civil-2"
    actions = [e["action"] for e in r.json()["events"]]
    assert actions.index("review_opinion") < actions.index("approve")


def test_two_level_on_the_page_and_correction_restarts_the_review(client, auth):
    number = apply(client, auth("citizen-young"), TWO_LEVEL)["number"]
    civil = auth("reviewer-civil")
    accept(client, civil, number)
    web_login(client, "reviewer-civil")
    page = client.get(f"/applications/{number}").text
    assert "审核（第一级）" in page and 'value="review_approve"' in page and check_page(page, "detail") == []
    r = client.post(f"/applications/{number}/decision", follow_redirects=False,
                    data={"csrf_token": csrf_from(page), "outcome": "review_approve", "reasons": "符合条件",
                          "version": re.search(r'name="version" value="(\d+)"', page[page.index('id="decide"'):]).group(1)})
    assert r.status_code == 303, r.text[:300]
    page = client.get(f"/applications/{number}").text
    assert "审批（第二级）" in page and "您已签署审核意见" in page
    r = client.post(f"/applications/{number}/decision", data={
        "csrf_token": csrf_from(page), "outcome": "approve", "reasons": "ok"})
    assert r.status_code == 409 and "不同的工作人员" in r.text
    # a correction request by the approver clears the opinion: new material, new review
    r = decide(client, auth("reviewer-civil-2"), number, "correction", ["收入证明缺少盖章"])
    assert r.status_code == 200 and r.json()["review"] is None


def test_single_level_matter_keeps_one_step_approval_and_refuses_a_review(client, auth):
    civil = auth("reviewer-civil")
    number = apply(client, auth("citizen-young"), "temporary-assistance")["number"]
    r = client.post(f"/api/v1/applications/{number}/decision", headers=civil,
                    json={"outcome": "review", "opinion": "approve", "reasons": []})
    assert r.status_code == 422 and "single_level" in r.text
    accept(client, civil, number)
    r = decide(client, civil, number, "approve", ["符合临时救助条件"])
    assert r.status_code == 200 and r.json()["status"] in ("approved", "issued")


def test_stale_version_answers_409(client, auth):
    civil, civil2 = auth("reviewer-civil"), auth("reviewer-civil-2")
    number = apply(client, auth("citizen-young"), "temporary-assistance")["number"]
    seen = accept(client, civil, number)["version"]  # both reviewers read this version
    r = client.post(f"/api/v1/applications/{number}/decision", headers=civil,
                    json={"outcome": "approve", "reasons": ["ok"], "version": seen})
    assert r.status_code == 200
    r = client.post(f"/api/v1/applications/{number}/decision", headers=civil2,
                    json={"outcome": "deny", "reasons": ["不符合"], "version": seen})
    assert r.status_code == 409 and r.json()["error"] == "concurrent_edit"


def test_return_to_window_counts_against_intake_accuracy(client, auth, db_session):
    """Hand-computed: before = (kept k, accepted n); three walk-ins accepted at the window, one of
    them returned by the department → accuracy (k + 2) / (n + 3)."""
    from app.services.applications.models import InboxMessage
    from app.identity import service as identity

    before = window_service.intake_figures(db_session)
    k, n = before["accepted"] - before["returned"], before["accepted"]
    numbers = [prepared(client, auth)[0] for _ in range(3)]
    officer = auth("window-officer")
    for number in numbers:
        assert decide(client, officer, number, "accept").status_code == 200
    civil = auth("reviewer-civil")
    assert decide(client, civil, numbers[0], "return_to_window", []).status_code == 422  # reasons required
    r = decide(client, civil, numbers[0], "return_to_window", ["户口簿复印件未核对原件"])
    assert r.status_code == 200 and r.json()["status"] == "correction_requested", r.text
    assert any(e["action"] == "return_to_window" for e in r.json()["events"])
    after = window_service.intake_figures(db_session)
    assert after["accepted"] == n + 3 and after["returned"] == before["returned"] + 1
    assert after["intake_accuracy"] == (k + 2) / (n + 3)
    from app.services.window.models import WindowIntake
    row = db_session.scalar(select(WindowIntake).where(WindowIntake.application_number == numbers[0]))
    assert (row.returned, row.returned_by) == ("window", "reviewer-civil")
    # the officer who took it in is told
    officer_id = identity.get_by_username(db_session, "window-officer").id
    told = db_session.scalars(select(InboxMessage).where(InboxMessage.user_id == officer_id,
                                                         InboxMessage.application_number == numbers[0])).all()
    assert told and "收件有误" in told[0].title
    # an online application cannot be "returned to the window"; nor can a window officer return one
    online = apply(client, auth("citizen-young"), "temporary-assistance")["number"]
    r = decide(client, civil, online, "return_to_window", ["x"])
    assert r.status_code == 422 and "not_window" in r.text
    assert decide(client, officer, numbers[1], "return_to_window", ["x"]).status_code == 403
    # the page offers it for the window application only
    web_login(client, "reviewer-civil")
    assert 'value="return_to_window"' in client.get(f"/applications/{numbers[1]}").text
    assert 'value="return_to_window"' not in client.get(f"/applications/{online}").text


def test_returned_application_is_corrected_at_the_window_and_comes_back(client, auth, db_session):
    number, officer, _ = prepared(client, auth)
    assert decide(client, officer, number, "accept").status_code == 200
    civil = auth("reviewer-civil")
    assert assign(client, civil, number, "take").status_code == 200
    r = decide(client, civil, number, "return_to_window", ["缺少收入证明原件核对记录"])
    assert r.status_code == 200 and r.json()["status"] == "correction_requested"
    assert r.json()["assigned_to"] == "reviewer-civil"  # stays with its reviewer for the return
    r = client.post(f"/api/v1/applications/{number}/submit", headers=officer)  # the window puts it right
    assert r.status_code == 200 and r.json()["status"] == "resubmitted", r.text
    assert number in [a["number"] for a in inbox(client, civil, assigned="me")["items"]]
    r = decide(client, civil, number, "approve", ["符合条件"])
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    # a window_direct, on-the-spot matter stays single-level: the window officer decides it alone
    assert client.get("/api/v1/matters/e-bike-registration").json()["two_level"] is False
