"""Reviews: one per application by its applicant, after completion, within the period; grades and
indicators by channel; follow-up; masking; escaping; the evaluator reads no application."""
import pytest

from app.core.config import get_settings
from tests.conftest import web_login, csrf_from
from tests.evaluation.helpers import age_completion, completed, review


def test_one_review_per_application(client, auth):
    number = completed(client, auth)
    h = auth("citizen-young")
    r = review(client, h, number, score=4, indicators={"overall": 4, "efficiency": 5}, comment="很快")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["score"] == 4 and body["grade"] == "满意" and body["ticket"] is None
    assert body["department_code"] == "civil" and body["responsibility"] == "back_office"
    again = review(client, h, number, score=5)
    assert again.status_code == 409 and again.json()["error"] == "already_reviewed"


def test_unique_constraint_is_the_rule(db_session, client, auth):
    """Even bypassing the service, the database refuses a second review of one application."""
    from sqlalchemy.exc import IntegrityError
    from app.evaluation.models import Responsibility, Review, ReviewChannel

    number = completed(client, auth)
    assert review(client, auth("citizen-young"), number).status_code == 201
    first = db_session.query(Review).filter_by(application_number=number).one()
    dup = Review(application_id=first.application_id, application_number=number, matter_code=first.matter_code,
                 department_code="civil", responsibility=Responsibility.back_office, channel=ReviewChannel.online,
                 score=5, reviewer_user_id=first.reviewer_user_id, reviewer_name="x")
    with pytest.raises(IntegrityError):
        with db_session.begin_nested():
            db_session.add(dup)
            db_session.flush()


@pytest.mark.parametrize("score", [0, 6, "五", 2.5, True, None])
def test_score_out_of_range_is_422(client, auth, score):
    number = completed(client, auth)
    r = review(client, auth("citizen-young"), number, score=score)
    assert r.status_code == 422


def test_someone_else_cannot_review(client, auth):
    number = completed(client, auth)
    assert review(client, auth("citizen-elder"), number).status_code == 404
    # staff are not applicants at all; the reviewer who decided it least of all
    assert review(client, auth("reviewer-civil"), number).status_code == 403


def test_staff_cannot_review_what_they_handled(db_session, client, auth):
    from app.evaluation import service as svc
    from app.evaluation.exceptions import OwnTransaction
    from app.evaluation.schemas import ReviewCreate
    from app.identity.service import get_by_username

    number = completed(client, auth)
    with pytest.raises(OwnTransaction):
        svc.create_review(db_session, number, get_by_username(db_session, "reviewer-civil"), ReviewCreate(score=1))


def test_only_after_completion(client, auth):
    from tests.services.applications.helpers import apply

    h = auth("citizen-young")
    app = apply(client, h, "temporary-assistance")
    assert app["status"] == "submitted"
    r = review(client, h, app["number"])
    assert r.status_code == 409 and r.json()["error"] == "not_reviewable"


def test_denied_application_can_be_reviewed(client, auth):
    number = completed(client, auth, outcome="deny")
    assert review(client, auth("citizen-young"), number, score=2).status_code == 201


def test_review_period(db_session, client, auth):
    days = get_settings().review_period_days
    assert days == 15
    number = completed(client, auth)
    age_completion(db_session, number, days - 1)
    h = auth("citizen-young")
    other = completed(client, auth)
    age_completion(db_session, other, days + 1)
    late = review(client, h, other)
    assert late.status_code == 409 and late.json()["error"] == "review_period_over"
    assert review(client, h, number).status_code == 201


def test_indicators_by_channel(client, auth):
    h = auth("citizen-young")
    number = completed(client, auth)
    # 服务态度 is a window indicator: refused online
    r = review(client, h, number, indicators={"overall": 5, "attitude": 5})
    assert r.status_code == 422 and "attitude" in r.json()["fields"]["indicators"]
    r = review(client, h, number, indicators={"overall": 6})
    assert r.status_code == 422
    # at the window's rating pad the window indicators apply, and the front desk answers too
    r = review(client, h, number, channel="window_pad", indicators={"overall": 5, "attitude": 4, "service_level": 5})
    assert r.status_code == 201, r.text
    assert r.json()["responsibility"] == "both" and r.json()["channel"] == "window_pad"


def test_window_pad_refuses_online_indicators(client, auth):
    number = completed(client, auth)
    r = review(client, auth("citizen-young"), number, channel="window_pad", indicators={"usability": 3})
    assert r.status_code == 422


def test_tags_comment_length_and_follow_up(client, auth):
    h = auth("citizen-young")
    number = completed(client, auth)
    assert review(client, h, number, tags=["nonsense"]).status_code == 422
    assert review(client, h, number, comment="长" * 501).status_code == 422
    r = review(client, h, number, score=5, tags=["fast", "clear_guide"], comment="好")
    assert r.status_code == 201 and r.json()["tags"] == ["fast", "clear_guide"]
    url = f"/api/v1/applications/{number}/review/follow-up"
    r = client.post(url, json={"comment": "后来又打电话问了，很耐心"}, headers=h)
    assert r.status_code == 200 and r.json()["follow_up"] == "后来又打电话问了，很耐心"
    assert client.post(url, json={"comment": "再追一次"}, headers=h).status_code == 409


def test_comment_rendered_escaped_and_name_masked(client, auth):
    h = auth("citizen-young")
    number = completed(client, auth)
    assert review(client, h, number, score=3, comment="<script>alert(1)</script>").status_code == 201
    page = client.get("/matters/temporary-assistance")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "李*" in page.text and "李明" not in page.text


def test_anonymous_review_shows_no_name(client, auth):
    number = completed(client, auth)
    assert review(client, auth("citizen-young"), number, anonymous=True, comment="匿名的").status_code == 201
    r = client.get("/api/v1/matters/temporary-assistance/reviews")
    item = next(i for i in r.json()["items"] if i["comment"] == "匿名的")
    assert item["reviewer"] == "匿名用户"


def test_burst_from_one_account_is_flagged(db_session, client, auth):
    from app.evaluation import rules
    from app.evaluation.models import Review

    # citizen-elder: the browser test commits a review by citizen-young to the shared database
    h = auth("citizen-elder")
    numbers = [completed(client, auth, user="citizen-elder") for _ in range(rules.BURST_PER_ACCOUNT + 1)]
    for n in numbers:
        assert review(client, h, n).status_code == 201
    flags = [db_session.query(Review).filter_by(application_number=n).one().flag for n in numbers]
    assert flags[:-1] == [None] * rules.BURST_PER_ACCOUNT and flags[-1].startswith("burst")


def test_evaluator_reads_no_application(client, auth):
    number = completed(client, auth)
    assert review(client, auth("citizen-young"), number, score=1, comment="慢").status_code == 201
    h = auth("evaluator")
    assert client.get(f"/api/v1/applications/{number}", headers=h).status_code == 404
    items = client.get("/api/v1/evaluation/reviews", headers=h).json()["items"]
    mine = next(i for i in items if i["application_number"] == number)
    assert mine["reviewer"] == "李*" and "id_number" not in str(items) and "310104199606121013" not in str(items)


def test_review_form_on_the_application_page(client, auth):
    number = completed(client, auth)
    web_login(client, "citizen-young")
    page = client.get(f"/applications/{number}")
    assert 'action="/applications/%s/review"' % number in page.text
    r = client.post(f"/applications/{number}/review", data={
        "csrf_token": csrf_from(page.text), "score": "1", "ind_overall": "1", "tags": ["slow", "unclear_guide"],
        "comment": "等了很久"}, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    page = client.get(f"/applications/{number}")
    assert "非常不满意" in page.text and "等了很久" in page.text and "待联系" in page.text
    assert 'action="/applications/%s/review"' % number not in page.text
    # the bad score without a choice is re-rendered with an error
    other = completed(client, auth)
    # the form's choices in the reader's language only (they are built once per language)
    zh_page = client.get(f"/applications/{other}").text
    assert "非常满意" in zh_page and "服务热情" in zh_page and "Very satisfied" not in zh_page
    client.cookies.set("lang", "en")
    en_page = client.get(f"/applications/{other}").text
    assert "Very satisfied" in en_page and "Friendly" in en_page and "非常满意" not in en_page
    client.cookies.set("lang", "zh")
    page = client.get(f"/applications/{other}")
    r = client.post(f"/applications/{other}/review", data={"csrf_token": csrf_from(page.text), "score": ""})
    assert r.status_code == 422 and "error-summary" in r.text
