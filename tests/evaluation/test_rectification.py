"""The bad-review loop: a 1–2 ★ review opens a ticket with working-day deadlines (across a public
holiday), contact → verdict → answer → the reviewer rates it → closed; overdue tickets escalated;
appeals exclude a review from statistics but keep it on record."""
from datetime import date, datetime

import pytest

from app.core.clock import CHINA_TZ
from app.evaluation import appeals, rectification
from app.evaluation import service as svc
from app.evaluation.exceptions import AppealRefused, TicketStateError
from app.evaluation.jobs import run_deadlines
from app.evaluation.models import AppealReason, Complexity, TicketStatus, Verdict
from app.evaluation.schemas import ReviewCreate
from app.identity.service import get_by_username
from tests.evaluation.helpers import completed, review

BEFORE_NATIONAL_DAY = datetime(2026, 9, 30, 10, 0, tzinfo=CHINA_TZ)


def _bad_review(db_session, client, auth, now=BEFORE_NATIONAL_DAY, score=1):
    number = completed(client, auth)
    user = get_by_username(db_session, "citizen-young")
    return svc.create_review(db_session, number, user, ReviewCreate(score=score, comment="材料要求说明不清楚"), now=now)


def test_good_review_opens_no_ticket(client, auth):
    number = completed(client, auth)
    assert review(client, auth("citizen-young"), number, score=3).json()["ticket"] is None


def test_bad_review_opens_ticket_with_deadlines_across_national_day(db_session, client, auth):
    r = _bad_review(db_session, client, auth)
    t = r.ticket
    assert t.status == TicketStatus.awaiting_contact and t.department_code == "civil"
    assert t.opened_on == date(2026, 9, 30)
    # 1 working day: 1–7 October are the holiday → 8 October
    assert t.contact_due == date(2026, 10, 8)
    # 5 working days: 8, 9, 10 (a make-up Saturday), 12, 13 October
    assert t.rectify_due == date(2026, 10, 13)
    reviewer = get_by_username(db_session, "reviewer-civil")
    rectification.contact(db_session, t, reviewer, note="已电话联系", verdict=Verdict.reasonable,
                          complexity=Complexity.complex, now=datetime(2026, 10, 8, 9, tzinfo=CHINA_TZ))
    assert t.status == TicketStatus.rectifying and t.rectify_due == date(2026, 10, 27)


def test_two_stars_is_a_bad_review_too(db_session, client, auth):
    assert _bad_review(db_session, client, auth, score=2).ticket is not None


def test_full_loop_over_http(client, auth):
    number = completed(client, auth)
    h = auth("citizen-young")
    t = review(client, h, number, score=1, comment="等了很久").json()["ticket"]
    rh = auth("reviewer-civil")
    # another department cannot see or work the ticket
    amr = auth("reviewer-amr")
    assert client.post(f"/api/v1/rectifications/{t['id']}/contact", headers=amr,
                       json={"note": "x", "verdict": "reasonable"}).status_code == 404
    assert all(i["id"] != t["id"] for i in client.get("/api/v1/rectifications", headers=amr).json()["items"])
    # answering before contact is out of order
    assert client.post(f"/api/v1/rectifications/{t['id']}/answer", headers=rh,
                       json={"answer": "x"}).status_code == 409
    r = client.post(f"/api/v1/rectifications/{t['id']}/contact", headers=rh,
                    json={"note": "已回访", "verdict": "reasonable", "complexity": "simple"})
    assert r.status_code == 200 and r.json()["status"] == "rectifying"
    r = client.post(f"/api/v1/rectifications/{t['id']}/answer", headers=rh,
                    json={"answer": "已优化材料说明，并安排专人指导"})
    assert r.status_code == 200 and r.json()["status"] == "answered" and r.json()["answered_on_time"] is True
    # only the reviewer rates the answer
    assert client.post(f"/api/v1/applications/{number}/review/answer-rating", headers=auth("citizen-elder"),
                       json={"rating": "satisfied"}).status_code == 404
    r = client.post(f"/api/v1/applications/{number}/review/answer-rating", headers=h,
                    json={"rating": "basically_satisfied"})
    assert r.status_code == 200 and r.json()["ticket"]["status"] == "closed"
    assert r.json()["ticket"]["answer_rating"] == "basically_satisfied"
    # the answer is public on the matter page, the name masked
    page = client.get("/matters/temporary-assistance")
    assert "已优化材料说明，并安排专人指导" in page.text


def test_unreasonable_verdict_still_needs_an_answer(db_session, client, auth):
    t = _bad_review(db_session, client, auth).ticket
    reviewer = get_by_username(db_session, "reviewer-civil")
    rectification.contact(db_session, t, reviewer, note="申请人对政策有误解", verdict=Verdict.unreasonable)
    assert t.status == TicketStatus.verified
    with pytest.raises(TicketStateError):
        rectification.contact(db_session, t, reviewer, note="again", verdict=Verdict.reasonable)
    rectification.answer(db_session, t, reviewer, "已解释政策", now=datetime(2026, 10, 14, 9, tzinfo=CHINA_TZ))
    assert t.status == TicketStatus.answered and t.answered_on_time is False  # due 13 October


def test_overdue_tickets_flagged_and_escalated_once(db_session, client, auth):
    t = _bad_review(db_session, client, auth).ticket
    assert run_deadlines(db_session, date(2026, 10, 8))["tickets_escalated"] == 0  # due today: not late yet
    assert run_deadlines(db_session, date(2026, 10, 9))["tickets_escalated"] == 1
    assert t.overdue and t.escalated_at is not None
    assert run_deadlines(db_session, date(2026, 10, 20))["tickets_escalated"] == 0
    ev = client.get("/api/v1/rectifications?overdue=true", headers=auth("evaluator")).json()
    assert any(i["id"] == t.id and i["overdue"] for i in ev["items"])


def test_contacted_ticket_late_on_rectification_is_escalated(db_session, client, auth):
    t = _bad_review(db_session, client, auth).ticket
    reviewer = get_by_username(db_session, "reviewer-civil")
    rectification.contact(db_session, t, reviewer, note="已回访", verdict=Verdict.reasonable)
    assert run_deadlines(db_session, date(2026, 10, 13))["tickets_escalated"] == 0
    assert run_deadlines(db_session, date(2026, 10, 14))["tickets_escalated"] == 1


def test_unrated_answer_closes_itself(db_session, client, auth):
    t = _bad_review(db_session, client, auth).ticket
    reviewer = get_by_username(db_session, "reviewer-civil")
    rectification.contact(db_session, t, reviewer, note="已回访", verdict=Verdict.reasonable)
    rectification.answer(db_session, t, reviewer, "已整改", now=datetime(2026, 10, 9, 9, tzinfo=CHINA_TZ))
    # 5 working days after 9 October: 10 (make-up Saturday), 12, 13, 14, 15
    assert run_deadlines(db_session, date(2026, 10, 15))["answers_closed"] == 0
    assert run_deadlines(db_session, date(2026, 10, 16))["answers_closed"] == 1
    assert t.status == TicketStatus.closed and t.answer_rating is None


def test_upheld_appeal_excludes_from_statistics_but_keeps_record(client, auth):
    number = completed(client, auth)
    r = review(client, auth("citizen-young"), number, score=1, comment="乱评")
    rid = r.json()["id"]
    ev = auth("evaluator")
    before = client.get("/api/v1/evaluation/stats?by=department", headers=ev).json()["total"]
    assert client.post(f"/api/v1/reviews/{rid}/appeal", headers=auth("reviewer-amr"),
                       json={"reason": "malicious", "evidence": "x"}).status_code == 404
    a = client.post(f"/api/v1/reviews/{rid}/appeal", headers=auth("reviewer-civil"),
                    json={"reason": "malicious", "evidence": "通话录音显示评价人与办件无关"})
    assert a.status_code == 201
    assert client.post(f"/api/v1/reviews/{rid}/appeal", headers=auth("reviewer-civil"),
                       json={"reason": "mistaken", "evidence": "again"}).status_code == 409
    # only evaluators decide
    assert client.post(f"/api/v1/appeals/{a.json()['id']}/decision", headers=auth("reviewer-civil"),
                       json={"upheld": True}).status_code == 403
    d = client.post(f"/api/v1/appeals/{a.json()['id']}/decision", headers=ev, json={"upheld": True, "note": "成立"})
    assert d.status_code == 200 and d.json()["status"] == "upheld"
    after = client.get("/api/v1/evaluation/stats?by=department", headers=ev).json()["total"]
    assert after["reviews"] == before["reviews"] - 1 and after["bad_reviews"] == before["bad_reviews"] - 1
    kept = client.get("/api/v1/evaluation/reviews?bad=true", headers=ev).json()["items"]
    mine = next(i for i in kept if i["id"] == rid)
    assert mine["excluded"] is True and mine["ticket"]["status"] == "closed"
    public = client.get("/api/v1/matters/temporary-assistance/reviews").json()["items"]
    assert all(i["comment"] != "乱评" for i in public)


def test_rejected_appeal_keeps_the_review_counted(db_session, client, auth):
    r = _bad_review(db_session, client, auth)
    a = appeals.file_appeal(db_session, r, get_by_username(db_session, "reviewer-civil"), AppealReason.mistaken,
                            "证据", now=datetime(2026, 10, 8, 9, tzinfo=CHINA_TZ))
    assert a.decide_due == date(2026, 10, 14)  # 9, 10 (make-up Saturday), 12, 13, 14 October
    appeals.decide(db_session, a, get_by_username(db_session, "evaluator"), upheld=False)
    assert r.excluded is False


def test_appeal_window_is_five_working_days(db_session, client, auth):
    r = _bad_review(db_session, client, auth)
    with pytest.raises(AppealRefused):
        appeals.file_appeal(db_session, r, get_by_username(db_session, "reviewer-civil"), AppealReason.mistaken,
                            "证据", now=datetime(2026, 10, 14, 9, tzinfo=CHINA_TZ))  # the 5th working day was 13 October


def test_overdue_appeal_flagged(db_session, client, auth):
    r = _bad_review(db_session, client, auth)
    a = appeals.file_appeal(db_session, r, get_by_username(db_session, "reviewer-civil"), AppealReason.mistaken,
                            "证据", now=BEFORE_NATIONAL_DAY)
    assert run_deadlines(db_session, a.decide_due)["appeals_overdue"] == 0
    assert run_deadlines(db_session, date(2026, 10, 30))["appeals_overdue"] == 1 and a.overdue


def test_workbench_and_dashboard_pages(db_session, client, auth):
    from tests.conftest import csrf_from, web_login

    number = completed(client, auth)
    rid = review(client, auth("citizen-young"), number, score=1, comment="态度<i>差</i>").json()["id"]
    a = client.post(f"/api/v1/reviews/{rid}/appeal", headers=auth("reviewer-civil"),
                    json={"reason": "mistaken", "evidence": "评价人选错了办件"})
    assert a.status_code == 201
    db_session.expunge_all()  # nothing left in the identity map: every page loads what it shows
    assert client.get("/api/v1/rectifications", headers=auth("evaluator")).status_code == 200
    web_login(client, "reviewer-civil")
    listing = client.get("/rectifications")
    assert listing.status_code == 200 and number in listing.text
    tid = next(i["id"] for i in client.get("/api/v1/rectifications", headers=auth("reviewer-civil")).json()["items"]
               if i["review"]["application_number"] == number)
    page = client.get(f"/rectifications/{tid}")
    assert "态度&lt;i&gt;差&lt;/i&gt;" in page.text and "误评" in page.text
    r = client.post(f"/rectifications/{tid}/contact", data={"csrf_token": csrf_from(page.text), "note": "",
                                                           "verdict": "reasonable"})
    assert r.status_code == 422 and "error-summary" in r.text
    r = client.post(f"/rectifications/{tid}/contact", data={"csrf_token": csrf_from(page.text), "note": "已回访",
                                                           "verdict": "reasonable", "complexity": "simple"},
                    follow_redirects=False)
    assert r.status_code == 303
    db_session.expunge_all()
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    web_login(client, "evaluator")
    dash = client.get("/evaluation")
    assert dash.status_code == 200 and "评价人选错了办件" in dash.text
    r = client.post(f"/evaluation/appeals/{a.json()['id']}/decision",
                    data={"csrf_token": csrf_from(dash.text), "decision": "upheld", "note": "成立"},
                    follow_redirects=False)
    assert r.status_code == 303
    db_session.expunge_all()
    assert "评价人选错了办件" not in client.get("/evaluation").text
    assert client.get("/rectifications").status_code == 403  # evaluators do not work tickets
