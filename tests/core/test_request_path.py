"""The request path kept cheap: what a page view reads from the database, the catalogue's ETag, the
route index, the catalogue snapshot. (Timings are for `make bench`; these hold the behaviour.)"""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from starlette.routing import Match

from app.matters import cache, service
from tests.conftest import bearer, csrf_from, web_login
from tests.services.applications.helpers import create


@contextmanager
def statements(engine):
    """The SQL statements run on the engine inside the block."""
    seen: list[str] = []

    def keep(conn, cursor, statement, params, context, executemany):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def _selects(seen: list[str]) -> list[str]:
    return [s for s in seen if s.upper().startswith("SELECT")]


CATALOGUE_TABLES = re.compile(r"\bFROM (matter|material|department|theme|licence_type)\b|\bJOIN (matter|material|"
                              r"department|theme|licence_type)\b")


def test_matter_page_view_reads_the_caller_and_the_unread_count_only(client, engine):
    web_login(client, "citizen-elder")
    first = client.get("/matters/elderly-allowance")
    assert first.status_code == 200 and "办事评价" in first.text
    with statements(engine) as seen:
        again = client.get("/matters/elderly-allowance")
    assert again.status_code == 200 and again.text == first.text
    selects = _selects(seen)
    # the session, its user and the header's unread count in one query; nothing of the catalogue
    # (the process's snapshot) nor of the reviews (the public panel is kept until a review is written)
    assert len(selects) == 1, selects
    assert "web_session" in selects[0] and "user_account" in selects[0] and "inbox_message" in selects[0]
    assert not [s for s in selects if CATALOGUE_TABLES.search(s)], selects
    assert not [s for s in selects if "review" in s], selects


def test_the_header_count_read_with_the_caller_is_the_count_and_is_read_again_after_a_write(client, db_session):
    """The unread count comes with the caller's query; a request whose session wrote since (the inbox
    marks its messages read) counts again, so the header never shows a count the page made stale."""
    from lxml import html as lhtml

    from sqlalchemy import select

    from app.identity.models import User
    from app.services.applications import service as svc
    from app.services.applications.pages import _inbox_unread

    def header_count(page) -> str:
        found = lhtml.fromstring(page.text).xpath('//a[@href="/me/inbox"]/span[@class="count"]/text()')
        return found[0] if found else ""

    user = db_session.scalar(select(User).where(User.username == "citizen-elder"))
    web_login(client, "citizen-elder")
    before = svc.unread_count(db_session, user)
    for i in range(3):
        svc.notify_user(db_session, user.id, (f"通知 {i}", f"Notice {i}"), ("正文", "Body"))
    db_session.flush()
    assert svc.unread_count(db_session, user) == before + 3
    with statements(db_session.get_bind()) as seen:
        page = client.get("/matters/elderly-allowance")
    assert header_count(page) == str(before + 3)
    assert not [s for s in seen if "inbox_message" in s and "web_session" not in s], seen
    inbox = client.get("/me/inbox")
    assert header_count(inbox) == str(before + 3)
    read = client.post("/me/inbox/read", data={"csrf_token": csrf_from(inbox.text)}, follow_redirects=False)
    assert read.status_code == 303
    assert header_count(client.get("/matters/elderly-allowance")) == ""

    # what was read with the caller is not used once the request's session has written since
    from types import SimpleNamespace

    from app.identity import deps

    ws = deps.service.load_caller(db_session, client.cookies.get(deps.SESSION_COOKIE))[0]
    request = SimpleNamespace(state=SimpleNamespace(web_session=ws, db=db_session, user=user,
                                                    caller_extras=({"inbox_unread": 7}, 0)))
    db_session.info.pop("portal_flushes", None)
    assert deps.caller_extra(request, user, "inbox_unread") == 7
    assert deps.caller_extra(request, SimpleNamespace(id=user.id + 1), "inbox_unread") is None  # another account
    svc.notify_user(db_session, user.id, ("通知", "Notice"))
    assert deps.caller_extra(request, user, "inbox_unread") is None  # pending
    db_session.flush()
    assert deps.caller_extra(request, user, "inbox_unread") is None  # flushed since
    assert _inbox_unread(request, user) == 1


def test_application_page_reads_no_catalogue_rows_and_no_row_twice(client, engine, auth):
    r = create(client, auth("citizen-elder"), "elderly-allowance")
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    web_login(client, "citizen-elder")
    first = client.get(f"/applications/{number}")
    assert first.status_code == 200 and number in first.text
    with statements(engine) as seen:
        again = client.get(f"/applications/{number}")
    assert again.status_code == 200
    selects = _selects(seen)
    assert not [s for s in selects if CATALOGUE_TABLES.search(s)], selects
    assert len(selects) == len(set(selects)), selects  # no query repeated (no N+1)
    assert len(selects) <= 8, selects


def test_catalogue_answers_carry_an_etag_and_a_match_gets_304(client):
    cache.invalidate()
    path = "/api/v1/matters?limit=3"
    routed = client.get(path)  # built by the handler
    served = client.get(path)  # from the fast path
    assert routed.status_code == served.status_code == 200 and routed.content == served.content
    etag = served.headers["etag"]
    assert routed.headers["etag"] == etag and re.fullmatch(r'"[0-9a-f]{24}"', etag)
    same = client.get(path, headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""
    assert same.headers["etag"] == etag and same.headers["x-content-type-options"] == "nosniff"
    assert "x-request-id" in same.headers and "frame-ancestors 'none'" in same.headers["content-security-policy"]
    assert client.get(path, headers={"If-None-Match": '"other", W/' + etag}).status_code == 304
    other = client.get(path, headers={"If-None-Match": '"other"'})
    assert other.status_code == 200 and other.content == served.content
    # the handler's answer (after the cache is dropped) honours the validator too
    cache.invalidate()
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    # another answer, another validator
    assert client.get("/api/v1/matters?limit=4").headers["etag"] != etag


def test_catalogue_snapshot_is_rebuilt_after_a_seed_and_after_its_ttl(db_session, monkeypatch):
    first = service.catalogue_snapshot()
    assert service.catalogue_snapshot() is first
    m = service.cached_matter("elderly-allowance")
    fresh = service.get_matter(db_session, "elderly-allowance")
    assert (m.name, m.department.name, m.theme.name) == (fresh.name, fresh.department.name, fresh.theme.name)
    assert [(x.name, x.source) for x in m.materials] == [(x.name, x.source) for x in fresh.materials]
    assert service.cached_licence_type_names() == service.licence_type_names(db_session)
    cache.invalidate()  # what seed_catalogue does when it changed something
    second = service.catalogue_snapshot()
    assert second is not first
    monkeypatch.setattr(cache, "TTL_SECONDS", 0.0)
    assert service.catalogue_snapshot() is not second
    with pytest.raises(service.MatterNotFound):
        service.cached_matter("no-such-matter")


def test_route_index_finds_the_route_the_full_list_finds(app):
    from app.core.route_index import RouteIndex

    index = RouteIndex(app.router)
    index._build()

    def found(router, path, method):
        scope = {"type": "http", "path": path, "method": method, "root_path": ""}
        partial = None
        for route in router.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return "full", route
            if match == Match.PARTIAL and partial is None:
                partial = route
        return ("partial", partial) if partial else None

    paths = {"/", "/nope", "/matters/", "//matters", "/api/v1/matters/", "/static/css/portal.css"}
    for route in app.router.routes:
        for ctx in getattr(route, "effective_route_contexts", lambda: [route])():
            fmt = getattr(ctx, "path_format", "") or getattr(getattr(ctx, "starlette_route", None), "path_format", "")
            for value in ("x1", "123"):
                paths.add(re.sub(r"\{[^}]+\}", value, fmt or "/"))
    assert len(paths) > 200
    for path in sorted(paths):
        shortened = index.router_for(path)
        for method in ("GET", "POST", "DELETE"):
            assert found(shortened, path, method) == found(app.router, path, method), (path, method)


def test_a_page_view_makes_one_trip_through_the_thread_pool(live_client, engine, monkeypatch):
    """Who is asking is read where the request is (SQLite: a read never waits), the handler runs in a
    worker thread and commits and closes the request's session there: no other trip. The matter and
    application pages only read: on SQLite they run where the request is, with no trip at all,
    unless the view has something to write (the session's refreshed last use)."""
    import anyio.to_thread

    r = create(live_client, bearer(live_client, "citizen-elder"), "elderly-allowance")
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    web_login(live_client, "citizen-elder")
    assert live_client.get("/matters/elderly-allowance").status_code == 200
    trips: list[str] = []
    real = anyio.to_thread.run_sync

    async def counted(fn, *args, **kwargs):
        trips.append(getattr(fn, "__name__", None) or repr(fn))
        return await real(fn, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    sqlite = engine.dialect.name == "sqlite"
    # on PostgreSQL the caller is read in a thread of its own (a read there waits on the network)
    for path, on_sqlite in (("/matters/elderly-allowance", 0), (f"/applications/{number}", 0), ("/me", 1),
                            ("/", 1), ("/matters/elderly-allowance?stale", 1), (f"/applications/{number}?stale", 1)):
        if path.endswith("?stale"):  # the view refreshes the session's last use: a write, committed in a thread
            _age_web_sessions(engine, minutes=5)
        trips.clear()
        page = live_client.get(path)
        assert page.status_code == 200, path
        assert len(trips) == (on_sqlite if sqlite else 2), (path, trips)


def _age_web_sessions(engine, minutes: int):
    """Move the last use of every logged-in web session `minutes` back; returns {id: new last use}."""
    from datetime import timedelta

    from sqlalchemy import select, update
    from sqlalchemy.orm import Session

    from app.identity.models import WebSession

    with Session(engine) as s:
        aged = {ws.id: ws.last_seen_at - timedelta(minutes=minutes)
                for ws in s.scalars(select(WebSession).where(WebSession.user_id.is_not(None)))}
        for key, at in aged.items():
            s.execute(update(WebSession).where(WebSession.id == key).values(last_seen_at=at))
        s.commit()
    return aged


def test_what_a_page_view_marks_for_writing_is_committed_by_its_handler(live_client, engine):
    """A view that refreshes the session's last use (read where the request is, written by the handler's
    commit) keeps it; the session stays valid."""
    from datetime import timedelta

    from sqlalchemy.orm import Session

    from app.identity.models import WebSession

    web_login(live_client, "citizen-young")
    aged = _age_web_sessions(engine, minutes=5)
    assert live_client.get("/me").status_code == 200
    with Session(engine) as s:
        assert any(s.get(WebSession, key).last_seen_at > at + timedelta(minutes=4) for key, at in aged.items())


def test_every_sync_handler_finishes_the_request_session_in_its_thread(engine):
    """The commit-in-the-handler's-thread wrapping reaches every sync route (a FastAPI upgrade that
    rebuilt its routes elsewhere would show here, not only as a slower benchmark). A fresh app: the
    session's shared one carries routes other tests add after start-up."""
    import inspect

    from app.main import create_app

    app = create_app()
    seen = 0
    for route in app.router.routes:
        for target in getattr(route, "effective_route_contexts", lambda: [route])():
            call = getattr(getattr(target, "dependant", None), "call", None)
            if call is None or inspect.iscoroutinefunction(call) or inspect.isgeneratorfunction(call):
                continue
            seen += 1
            assert getattr(call, "finishes_session", False), getattr(target, "path", call)
    assert seen > 100
