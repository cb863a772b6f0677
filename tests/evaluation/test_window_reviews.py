"""一次一评 at the window: the rating pad `/window/rate/{intake_id}` on the officer's desk screen, one
review per window transaction (a unique constraint), the window indicators, attributed to the window
and officer (front desk) and the department (back office); a second rating → 409."""
import re

from sqlalchemy import select

from app.evaluation import stats
from app.evaluation.models import Review
from app.services.window.models import WindowIntake
from tests.conftest import csrf_from, web_login
from tests.test_accessibility import check_page
from tests.services.applications.helpers import decide
from tests.services.window.test_intake import prepared, take_in


def _accepted_intake(client, auth, db_session) -> tuple[str, int, dict]:
    number, officer, _young = prepared(client, auth)
    assert decide(client, officer, number, "accept").status_code == 200
    intake_id = db_session.scalar(select(WindowIntake.id).where(WindowIntake.application_number == number))
    return number, intake_id, officer


def test_pad_review_once_per_transaction(client, auth, db_session):
    number, intake_id, officer = _accepted_intake(client, auth, db_session)
    body = {"score": 2, "indicators": {"overall": 2, "efficiency": 3, "service_level": 2, "attitude": 1},
            "tags": ["poor_attitude"], "comment": "等了很久", "anonymous": True}
    r = client.post(f"/api/v1/window/intakes/{intake_id}/review", json=body, headers=officer)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["channel"] == "window_pad" and out["responsibility"] == "both"
    assert out["window_code"] == "XH-C01" and out["officer_username"] == "window-officer"
    assert out["department_code"] == "civil" and out["reviewer"] == "匿名用户"
    assert out["ticket"]["status"] == "awaiting_contact"  # 2 ★ is a bad review
    again = client.post(f"/api/v1/window/intakes/{intake_id}/review", json={"score": 5}, headers=officer)
    assert again.status_code == 409 and again.json()["error"] == "already_reviewed"
    # the application is rated: no second review online either (一事一评)
    assert client.post(f"/api/v1/applications/{number}/review", json={"score": 5},
                       headers=auth("citizen-young")).status_code == 409
    row = db_session.scalar(select(Review).where(Review.intake_id == intake_id))
    assert row.reviewer_user_id != 0 and row.application_number == number
    groups, _ = stats.compute(db_session, "officer", filters={"channel": "window_pad"})
    assert any(g.key == "window-officer" and g.bad_reviews >= 1 for g in groups)


def test_unique_constraint_on_the_intake(db_session, client, auth):
    """The database itself refuses a second review of one window transaction."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    _number, intake_id, officer = _accepted_intake(client, auth, db_session)
    assert client.post(f"/api/v1/window/intakes/{intake_id}/review", json={"score": 5},
                       headers=officer).status_code == 201
    from app.services.applications.models import Application, Status

    first = db_session.scalar(select(Review).where(Review.intake_id == intake_id))
    other = Application(number="XH29991231000001", matter_code=first.matter_code, department_code="civil",
                        applicant_user_id=first.reviewer_user_id, subject_key="x", applicant_name="x",
                        status=Status.issued)
    db_session.add(other)
    db_session.flush()
    with pytest.raises(IntegrityError, match="intake_id"), db_session.begin_nested():
        db_session.add(Review(application_id=other.id, intake_id=intake_id, application_number="x",
                              matter_code=first.matter_code, department_code="civil",
                              responsibility=first.responsibility, channel=first.channel, score=5,
                              reviewer_user_id=first.reviewer_user_id, reviewer_name="x"))
        db_session.flush()


def test_online_indicators_refused_and_unfinished_transaction(client, auth, db_session):
    officer = auth("window-officer")
    r = take_in(client, officer)
    assert r.status_code == 201
    number = r.json()["number"]
    intake_id = db_session.scalar(select(WindowIntake.id).where(WindowIntake.application_number == number))
    # still at the desk: nothing to rate yet
    r = client.post(f"/api/v1/window/intakes/{intake_id}/review", json={"score": 5}, headers=officer)
    assert r.status_code == 409 and r.json()["error"] == "not_reviewable"
    _n, done_id, _o = _accepted_intake(client, auth, db_session)
    r = client.post(f"/api/v1/window/intakes/{done_id}/review", json={"score": 5, "indicators": {"usability": 5}},
                    headers=officer)
    assert r.status_code == 422 and "usability" in r.text


def test_only_the_desk_of_that_window_shows_the_pad(client, auth, db_session):
    _number, intake_id, _officer = _accepted_intake(client, auth, db_session)
    for user in ("citizen-young", "reviewer-civil", "evaluator"):
        r = client.post(f"/api/v1/window/intakes/{intake_id}/review", json={"score": 5}, headers=auth(user))
        assert r.status_code == 403, user
    r = client.post("/api/v1/window/intakes/999999/review", json={"score": 5}, headers=auth("window-officer"))
    assert r.status_code == 404


def test_rating_pad_page(client, auth, db_session):
    _number, intake_id, _officer = _accepted_intake(client, auth, db_session)
    web_login(client, "window-officer")
    page = client.get(f"/window/rate/{intake_id}")
    assert page.status_code == 200 and "请您评价本次窗口服务" in page.text
    for label in ("整体满意度", "服务效率", "服务水平", "服务态度", "非常不满意", "匿名评价"):
        assert label in page.text
    assert "办事指南精确度" not in page.text  # online indicators are not asked at the window
    assert check_page(page.text, "/window/rate") == []
    client.cookies.set("lang", "en")
    en = client.get(f"/window/rate/{intake_id}").text
    client.cookies.delete("lang")
    pad = en[en.index('class="rating-pad"'):en.index("</section>", en.index('class="rating-pad"'))]
    assert "Overall satisfaction" in pad and "Attitude" in pad and "With my name" in pad
    assert not re.search(r"[\u4e00-\u9fff]", pad), re.findall(r"[\u4e00-\u9fff]+", pad)
    r = client.post(f"/window/rate/{intake_id}", data={
        "csrf_token": csrf_from(page.text), "score": "5", "ind_attitude": "5", "tags": ["friendly"],
        "comment": "<b>很好</b>", "anonymous": "0"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/window/rate/{intake_id}?done=1"
    assert "感谢您的评价" in client.get(r.headers["location"]).text
    # a second rating of the same transaction: 409 and a clear message, no form
    r = client.post(f"/window/rate/{intake_id}", data={"csrf_token": csrf_from(page.text), "score": "1"})
    assert r.status_code == 409 and "已评价" in r.text and 'name="score"' not in r.text
    again = client.get(f"/window/rate/{intake_id}")
    assert "本次服务已评价" in again.text
    # English
    client.cookies.set("lang", "en")
    en = client.get(f"/window/rate/{intake_id}")
    assert "Please rate this service at the window" in en.text
    client.cookies.delete("lang")
