"""The consultation page, its feedback buttons, and the administrators' page."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.matters.consultation import engine
from app.matters.consultation.models import ConsultationQuery, LexiconEntry
from tests.conftest import csrf_from, web_login


@pytest.fixture
def restore_index():
    yield
    engine.rebuild_index([], (0, 0))  # the test's lexicon rows were rolled back


def test_every_page_has_the_question_box(client):
    html = client.get("/consultation").text
    assert 'action="/consultation"' in html and 'name="q"' in html


def test_page_shows_matters_why_summary_and_apply_link(client):
    r = client.get("/consultation", params={"q": "公积金能付房租吗"})
    assert r.status_code == 200
    html = r.text
    assert "住房公积金提取（租赁住房）" in html
    assert 'href="/matters/hpf-withdrawal-rent/apply"' in html
    assert "为什么推荐这个事项" in html and "所需材料" in html
    assert 'name="helpful" value="yes"' in html and 'name="csrf_token"' in html


def test_page_empty_question_shows_examples(client):
    html = client.get("/consultation").text
    assert "宝宝刚出生怎么上户口" in html


def test_page_too_long_question_is_an_error_summary(client):
    r = client.get("/consultation", params={"q": "字" * 600})
    assert r.status_code == 422 and "error-summary" in r.text


def test_page_off_topic_lists_themes(client):
    html = client.get("/consultation", params={"q": "今天天气怎么样"}).text
    assert "没有找到" in html and 'href="/matters?theme=housing"' in html


def test_feedback_button_stores_and_redirects(client, db_session):
    page = client.get("/consultation", params={"q": "电瓶车怎么上牌"})
    qid = re.search(r'name="query_id" value="([0-9a-f]+)"', page.text).group(1)
    r = client.post("/consultation/feedback", data={"csrf_token": csrf_from(page.text), "query_id": qid,
                                                    "helpful": "no"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/consultation?thanks=1"
    db_session.expire_all()
    assert db_session.scalars(select(ConsultationQuery).where(ConsultationQuery.ref == qid)).one().helpful is False


def test_feedback_without_csrf_is_refused(client):
    qid = client.get("/api/v1/consultation", params={"q": "低保"}).json()["query_id"]
    r = client.post("/consultation/feedback", data={"query_id": qid, "helpful": "yes"})
    assert r.status_code == 403


def test_admin_page_is_for_administrators(client):
    r = client.get("/admin/consultation", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/admin/consultation"
    web_login(client, "citizen-young")
    assert client.get("/admin/consultation").status_code == 403


def test_admin_sees_unanswered_and_unhelpful_and_adds_a_term(client, db_session, restore_index):
    unknown = client.get("/api/v1/consultation", params={"q": "咕咕证怎么办"}).json()
    assert unknown["results"] == [] and unknown["not_found"]  # a word the engine does not know yet
    client.get("/consultation", params={"q": "咕咕证怎么办"})
    qid = client.get("/api/v1/consultation", params={"q": "退休的事"}).json()["query_id"]
    client.post("/api/v1/consultation/feedback", json={"query_id": qid, "helpful": False})
    web_login(client, "admin")
    page = client.get("/admin/consultation")
    assert page.status_code == 200
    assert "咕咕证怎么办" in page.text and "退休的事" in page.text

    bad = client.post("/admin/consultation/lexicon", data={"csrf_token": csrf_from(page.text), "term": "咕咕证"})
    assert bad.status_code == 422 and "error-summary" in bad.text

    r = client.post("/admin/consultation/lexicon", data={
        "csrf_token": csrf_from(page.text), "term": "咕咕证", "expansion": "",
        "target_matter_code": "veteran-card"}, follow_redirects=False)
    assert r.status_code == 303
    entry = db_session.scalars(select(LexiconEntry).where(LexiconEntry.term == "咕咕证")).one()
    assert entry.added_by == "admin"
    body = client.get("/api/v1/consultation", params={"q": "咕咕证怎么办"}).json()
    assert body["results"][0]["matter_code"] == "veteran-card"

    # ...and takes it back: the engine forgets it, the removal is audited.
    page = client.get("/admin/consultation")
    r = client.post(f"/admin/consultation/lexicon/{entry.id}/delete", data={"csrf_token": csrf_from(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303 and "词条已删除" in client.get(r.headers["location"]).text
    body = client.get("/api/v1/consultation", params={"q": "咕咕证怎么办"}).json()
    assert body["results"] == []
    from app.core.audit_models import AuditRecord

    actions = db_session.scalars(select(AuditRecord.action).where(AuditRecord.actor == "admin")).all()
    assert "consultation.lexicon_add" in actions and "consultation.lexicon_remove" in actions
