"""Statistics: the contract API, rankings, periods, CSV, the dashboard and the public ranking;
figures always equal a plain recount of the records (property test)."""
import csv
import io
from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from app.evaluation import rollups, stats
from app.evaluation.models import (Complexity, Rectification, Responsibility, Review, ReviewChannel, TicketStatus)
from app.identity.models import User
from app.services.applications.models import Application, Status
from tests.conftest import web_login
from tests.evaluation.helpers import completed, review


def test_stats_api_contract(client, auth):
    number = completed(client, auth)
    assert review(client, auth("citizen-young"), number, score=1, comment="等了很久").status_code == 201
    ev = auth("evaluator")
    r = client.get("/api/v1/evaluation/stats?by=department", headers=ev)
    assert r.status_code == 200
    body = r.json()
    civil = next(g for g in body["groups"] if g["key"] == "civil")
    assert "民政" in civil["name"]
    assert civil["reviews"] >= 1 and civil["bad_reviews"] >= 1
    for k in ("satisfaction_rate", "rectified_on_time_rate", "bad_review_rate", "contact_rate", "rectification_rate"):
        assert k in civil and k in body["total"]
    assert civil["tickets"] >= 1 and civil["contact_rate"] is not None
    # citizens and reviewers do not get the statistics API
    assert client.get("/api/v1/evaluation/stats", headers=auth("citizen-young")).status_code == 403
    assert client.get("/api/v1/evaluation/stats", headers=auth("reviewer-civil")).status_code == 403
    assert client.get("/api/v1/evaluation/stats?by=nonsense", headers=ev).status_code == 422
    assert client.get("/api/v1/evaluation/stats", headers=auth("admin")).status_code == 200


def test_by_channel_matter_and_period(client, auth):
    h = auth("citizen-young")
    a, b = completed(client, auth), completed(client, auth)
    assert review(client, h, a, score=5).status_code == 201
    assert review(client, h, b, score=2, channel="mobile").status_code == 201
    ev = auth("evaluator")
    groups = client.get("/api/v1/evaluation/stats?by=channel", headers=ev).json()["groups"]
    mobile = next(g for g in groups if g["key"] == "mobile")
    assert mobile["name"] == "移动端" and mobile["bad_reviews"] >= 1
    groups = client.get("/api/v1/evaluation/stats?by=matter", headers=ev).json()["groups"]
    assert any(g["key"] == "temporary-assistance" and g["name"] != g["key"] for g in groups)
    today = datetime.now(timezone(timedelta(hours=8))).date()
    day = client.get(f"/api/v1/evaluation/stats?by=day&from={today}&to={today}", headers=ev).json()
    assert [g["key"] for g in day["groups"]] == [today.isoformat()]
    assert day["total"]["reviews"] >= 2
    month = client.get("/api/v1/evaluation/stats?by=month", headers=ev).json()
    assert today.strftime("%Y-%m") in [g["key"] for g in month["groups"]]
    before = client.get(f"/api/v1/evaluation/stats?to={today - timedelta(days=1)}", headers=ev).json()
    assert before["total"]["reviews"] == 0 and before["groups"] == []


def _review(app_id: int, number: str, dept: str, score: int, at: datetime, channel=ReviewChannel.online,
            user_id: int = 1) -> Review:
    return Review(application_id=app_id, application_number=number, matter_code="temporary-assistance",
                  department_code=dept, responsibility=Responsibility.back_office, channel=channel, score=score,
                  reviewer_user_id=user_id, reviewer_name="x", created_at=at)


def _application(db_session, i: int, user_id: int) -> Application:
    app = Application(number=f"XH29990101{i:06d}", matter_code="temporary-assistance", department_code="civil",
                      applicant_user_id=user_id, subject_key="x", applicant_name="x", status=Status.issued)
    db_session.add(app)
    db_session.flush()
    return app


def test_ranking_orders_by_satisfaction(db_session, client, auth):
    uid = db_session.scalar(select(User.id).where(User.username == "citizen-young"))
    at = datetime(2030, 5, 1, 2, tzinfo=timezone.utc)
    scores = {"civil": [5, 5, 4, 1], "amr": [5, 5], "hrss": [2, 3]}
    i = 0
    for dept, ss in scores.items():
        for s in ss:
            app = _application(db_session, i, uid)
            db_session.add(_review(app.id, app.number, dept, s, at, user_id=uid))
            i += 1
    db_session.flush()
    rollups.rebuild(db_session)  # rows written behind the services' back: recounted
    groups, total = stats.compute(db_session, "department", date(2030, 5, 1), date(2030, 5, 1))
    assert [(g.key, g.rank, g.satisfaction_rate) for g in groups] == [
        ("amr", 1, 1.0), ("civil", 2, 0.75), ("hrss", 3, 0.0)]
    assert total.reviews == 8 and total.bad_reviews == 2 and total.good_reviews == 5
    page = client.get("/evaluation/ranking")
    assert page.status_code == 200 and "部门满意度排行" in page.text


def test_csv_export(client, auth):
    number = completed(client, auth)
    assert review(client, auth("citizen-young"), number, score=1).status_code == 201
    r = client.get("/api/v1/evaluation/stats.csv?by=department", headers=auth("evaluator"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    civil = next(x for x in rows if x["key"] == "civil")
    assert "民政" in civil["name"] and int(civil["bad_reviews"]) >= 1
    assert rows[-1]["key"] == "total"
    assert client.get("/api/v1/evaluation/stats.csv", headers=auth("citizen-young")).status_code == 403


def test_dashboard_page(client, auth):
    number = completed(client, auth)
    assert review(client, auth("citizen-young"), number, score=1, comment="很差<b>").status_code == 201
    web_login(client, "evaluator")
    page = client.get("/evaluation?by=department")
    assert page.status_code == 200 and "<svg" in page.text and "民政" in page.text
    assert "/api/v1/evaluation/stats.csv?by=department" in page.text
    drill = client.get("/evaluation/reviews?department=civil&bad=1")
    assert drill.status_code == 200 and "很差&lt;b&gt;" in drill.text and number in drill.text
    for by in stats.DIMENSIONS:
        assert client.get(f"/evaluation?by={by}").status_code == 200


def test_dashboard_refused_to_others(client):
    web_login(client, "citizen-young")
    assert client.get("/evaluation").status_code == 403


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(["civil", "amr", "hrss"]), st.integers(1, 5), st.integers(0, 40),
                          st.sampled_from(list(ReviewChannel)), st.booleans(), st.booleans()),
                min_size=0, max_size=25),
       st.sampled_from(["department", "channel", "day", "week", "month"]))
def test_figures_equal_a_plain_recount(db_session, rows, by):
    uid = db_session.scalar(select(User.id).where(User.username == "citizen-young"))
    base = datetime(2031, 3, 1, 20, tzinfo=timezone.utc)  # 04:00 China time the next day
    with db_session.begin_nested() as nested:
        expected: dict[str, list] = {}
        for i, (dept, score, offset, channel, excluded, answered) in enumerate(rows):
            app = _application(db_session, 100000 + i, uid)
            at = base + timedelta(hours=offset * 7)
            r = _review(app.id, app.number, dept, score, at, channel, uid)
            r.excluded = excluded
            db_session.add(r)
            db_session.flush()
            ticket = score <= 2
            if ticket:
                db_session.add(Rectification(review_id=r.id, department_code=dept, opened_on=at.date(),
                                             contact_due=at.date(), rectify_due=at.date(),
                                             complexity=Complexity.simple,
                                             status=TicketStatus.answered if answered else TicketStatus.awaiting_contact,
                                             contacted_at=at if answered else None,
                                             answered_at=at if answered else None,
                                             answered_on_time=True if answered else None))
            if excluded:
                continue
            local = (at + timedelta(hours=8)).date()
            key = {"department": dept, "channel": channel.value, "day": local.isoformat(),
                   "week": (local - timedelta(days=local.weekday())).isoformat(),
                   "month": local.strftime("%Y-%m")}[by]
            expected.setdefault(key, []).append((score, ticket, ticket and answered))
        db_session.flush()
        rollups.rebuild(db_session)
        assert rollups.differences(db_session) == []
        groups, total = stats.compute(db_session, by, date(2031, 3, 1), date(2031, 6, 1))
        assert stats.compute_raw(db_session, by, date(2031, 3, 1), date(2031, 6, 1)) == (groups, total)
        got = {g.key: (g.reviews, g.good_reviews, g.bad_reviews, g.tickets, g.rectified, g.rectified_on_time)
               for g in groups}
        want = {k: (len(v), sum(s >= 4 for s, _, _ in v), sum(s <= 2 for s, _, _ in v), sum(t for _, t, _ in v),
                    sum(a for _, _, a in v), sum(a for _, _, a in v)) for k, v in expected.items()}
        assert got == want
        assert total.reviews == sum(len(v) for v in expected.values())
        nested.rollback()
