"""GET /api/v1/consultation and POST /api/v1/consultation/feedback."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.matters.consultation.models import ConsultationQuery


def test_answers_best_first_with_reasons_and_logs_the_question(client, db_session):
    r = client.get("/api/v1/consultation", params={"q": "宝宝刚出生怎么上户口", "limit": 3})
    assert r.status_code == 200
    body = r.json()
    assert body["results"][0]["matter_code"] == "newborn-hukou"
    assert len(body["results"]) == 3
    scores = [h["score"] for h in body["results"]]
    assert scores == sorted(scores, reverse=True)
    first = body["results"][0]
    assert first["name"] == "新生儿出生户口登记" and first["why"] and first["summary"]
    assert first["apply_url"] == "/matters/newborn-hukou/apply"
    row = db_session.scalars(select(ConsultationQuery).where(ConsultationQuery.ref == body["query_id"])).one()
    assert row.question == "宝宝刚出生怎么上户口" and row.codes[0] == "newborn-hukou" and row.helpful is None


def test_english_question(client):
    body = client.get("/api/v1/consultation", params={"q": "How do I get a food business licence?"}).json()
    assert body["results"][0]["matter_code"] == "food-business-licence"


@pytest.mark.parametrize("q", ["", "   ", "x" * 501, "x" * 10000])
def test_empty_or_too_long_is_422_with_bilingual_detail(client, q):
    r = client.get("/api/v1/consultation", params={"q": q})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "validation_failed"
    zh, en = body["detail"].split(" / ", 1)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh) and en.isascii()


def test_missing_q_is_422(client):
    assert client.get("/api/v1/consultation").status_code == 422


@pytest.mark.parametrize("q", ["'; DROP TABLE matter; --", "<script>alert(1)</script>", "😀😀",
                               "\u0000\u202e", "{{7*7}}", "%00%27", "今天天气怎么样"])
def test_hostile_or_off_topic_is_a_safe_not_found(client, q):
    r = client.get("/api/v1/consultation", params={"q": q})
    assert r.status_code == 200
    body = r.json()
    assert body["not_found"] is True and body["results"] == [] and body["themes"]


def test_bad_limit_is_422(client):
    assert client.get("/api/v1/consultation", params={"q": "低保", "limit": 0}).status_code == 422
    assert client.get("/api/v1/consultation", params={"q": "低保", "limit": "many"}).status_code == 422


def test_feedback_is_stored(client, db_session):
    qid = client.get("/api/v1/consultation", params={"q": "电瓶车怎么上牌"}).json()["query_id"]
    r = client.post("/api/v1/consultation/feedback", json={"query_id": qid, "helpful": False})
    assert r.status_code == 200 and r.json() == {"query_id": qid, "helpful": False}
    db_session.expire_all()
    row = db_session.scalars(select(ConsultationQuery).where(ConsultationQuery.ref == qid)).one()
    assert row.helpful is False and row.feedback_at is not None


def test_feedback_on_unknown_question_is_404(client):
    r = client.post("/api/v1/consultation/feedback", json={"query_id": "no-such-ref", "helpful": True})
    assert r.status_code == 404 and r.json()["error"] == "consultation_not_found"


def test_feedback_needs_a_boolean(client):
    assert client.post("/api/v1/consultation/feedback", json={"query_id": "abc", "helpful": "maybe"}).status_code == 422
