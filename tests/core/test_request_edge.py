"""The request's unit of work: committed before the response leaves; a failed commit is an error
response, a lost race a 409; the consultation API answers without SQLite's write lock."""
from __future__ import annotations

import re
import time
from contextlib import contextmanager

import httpx
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.matters.consultation import query_log
from app.matters.consultation.models import ConsultationQuery
from app.services.applications.models import Application
from tests.conftest import bearer, csrf_from, web_login
from tests.services.applications.helpers import create


DISK_FULL = OperationalError("COMMIT", {}, Exception("database or disk is full"))


@contextmanager
def commit_fails(writes, error: Exception):
    """The commit of a session that flushed an object for which `writes(obj)` is true raises `error`."""
    def mark(session, _flush_context, _instances):
        if any(writes(obj) for obj in [*session.new, *session.dirty]):
            session.info["fail_commit"] = True

    def boom(session):
        if session.info.pop("fail_commit", False):
            raise error

    event.listen(Session, "before_flush", mark)
    event.listen(Session, "before_commit", boom)
    try:
        yield
    finally:
        event.remove(Session, "before_commit", boom)
        event.remove(Session, "before_flush", mark)


def _my_numbers(http, headers) -> set[str]:
    return {a["number"] for a in http.get("/api/v1/applications?limit=100", headers=headers).json()["items"]}


def _ask(http) -> str:
    ref = http.get("/api/v1/consultation", params={"q": "电瓶车怎么上牌"}).json()["query_id"]
    query_log.writer.flush()
    return ref


def _query_row(engine, ref: str):
    with Session(engine) as s:
        return s.scalars(select(ConsultationQuery).where(ConsultationQuery.ref == ref)).one()


def test_api_create_whose_commit_fails_answers_5xx_and_keeps_nothing(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as http:
        h = bearer(http, "citizen-elder")
        before = _my_numbers(http, h)
        with commit_fails(lambda o: isinstance(o, Application), DISK_FULL):
            r = create(http, h, "temporary-assistance")
        assert r.status_code == 500, (r.status_code, r.text[:200])
        assert r.json()["error"] == "internal_error"
        assert _my_numbers(http, h) == before
        assert create(http, h, "temporary-assistance").status_code == 201  # the same request, commit working


def test_a_database_too_busy_to_take_the_write_answers_503_retry_and_keeps_nothing(live_server):
    # SQLite's write lock still taken after the busy timeout: nothing was written, so the answer is
    # a clear, retryable 503 (not a 500), and the same request succeeds once the database is free.
    locked = OperationalError("COMMIT", {}, Exception("database is locked"))
    with httpx.Client(base_url=live_server, timeout=60) as http:
        h = bearer(http, "citizen-elder")
        before = _my_numbers(http, h)
        with commit_fails(lambda o: isinstance(o, Application), locked):
            r = create(http, h, "temporary-assistance")
        assert r.status_code == 503 and r.headers["retry-after"] == "2", (r.status_code, r.text[:200])
        assert r.json() == {"error": "busy", "detail": "系统繁忙，未保存任何内容，请稍后重试"}
        assert _my_numbers(http, h) == before
        assert create(http, h, "temporary-assistance").status_code == 201


def test_page_post_whose_commit_fails_answers_5xx_not_303(live_server, engine):
    with httpx.Client(base_url=live_server, timeout=60) as http:
        ref = _ask(http)
        page = http.get("/consultation", params={"q": "低保"})
        form = {"csrf_token": csrf_from(page.text), "query_id": ref, "helpful": "no"}
        with commit_fails(lambda o: isinstance(o, ConsultationQuery) and o.ref == ref,
                          DISK_FULL):
            r = http.post("/consultation/feedback", data=form, follow_redirects=False)
        assert r.status_code == 500 and "系统繁忙" in r.text
        assert _query_row(engine, ref).helpful is None
        ok = http.post("/consultation/feedback", data=form, follow_redirects=False)
        assert ok.status_code == 303 and _query_row(engine, ref).helpful is False


def test_a_lost_race_at_commit_is_409_for_api_and_page(live_server, engine):
    stale = StaleDataError("UPDATE statement on table 'consultation_query' expected to update 1 row(s); "
                           "0 were matched.")
    with httpx.Client(base_url=live_server, timeout=60) as http:
        ref = _ask(http)
        page = http.get("/consultation", params={"q": "低保"})
        with commit_fails(lambda o: isinstance(o, ConsultationQuery) and o.ref == ref, stale):
            api = http.post("/api/v1/consultation/feedback", json={"query_id": ref, "helpful": True},
                            headers={"Accept-Language": "en"})
            web = http.post("/consultation/feedback", data={"csrf_token": csrf_from(page.text), "query_id": ref,
                                                            "helpful": "yes"}, follow_redirects=False)
        assert api.status_code == 409
        assert api.json() == {"error": "conflict",
                              "detail": "This record was just changed by someone else; reload and try again"}
        assert web.status_code == 409 and "该记录刚被他人修改，请刷新后重试" in web.text
        assert "操作冲突" in web.text  # the site's 409 page
        assert _query_row(engine, ref).helpful is None


def test_consultation_answers_while_another_writer_holds_the_lock(live_server, engine):
    """Asking reads only: it answers while a long write transaction holds the log table (on SQLite,
    the whole database); its log row is written once the writer can."""
    with engine.connect() as blocker:
        blocker.begin()  # on SQLite: BEGIN IMMEDIATE, the database's write lock
        if engine.dialect.name == "postgresql":
            blocker.execute(text("LOCK TABLE consultation_query IN EXCLUSIVE MODE"))
        start = time.monotonic()
        r = httpx.get(f"{live_server}/api/v1/consultation", params={"q": "宝宝刚出生怎么上户口"}, timeout=5)
        assert r.status_code == 200 and r.json()["results"][0]["matter_code"] == "newborn-hukou"
        assert time.monotonic() - start < 5
        blocker.rollback()
    query_log.writer.flush()
    assert _query_row(engine, r.json()["query_id"]).question == "宝宝刚出生怎么上户口"


def test_the_test_client_still_rolls_back_each_test(client, auth, engine):
    number = create(client, auth("citizen-young"), "temporary-assistance").json()["number"]
    # a connection outside the test's transaction (read-only: on SQLite the test holds the write lock)
    with engine.execution_options(portal_readonly=True).connect() as other:
        assert other.execute(select(Application.id).where(Application.number == number)).first() is None


def test_a_draft_saved_from_a_page_without_its_version_is_refused(client, auth):
    draft = create(client, auth("citizen-young"), "temporary-assistance").json()
    number = draft["number"]
    web_login(client, "citizen-young")
    page = client.get(f"/applications/{number}")
    assert re.search(f'name="version" value="{draft["version"]}"', page.text)
    r = client.post(f"/applications/{number}/form", data={"csrf_token": csrf_from(page.text),
                                                         "amount_requested": "2500"}, follow_redirects=False)
    assert r.status_code == 409 and "刚被他人修改" in r.text
    assert client.get(f"/api/v1/applications/{number}",
                      headers=bearer(client, "citizen-young")).json()["version"] == draft["version"]
