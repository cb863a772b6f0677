"""Test fixtures: one migrated database per run; each test inside a rolled-back transaction.

SQLite by default; PostgreSQL when PORTAL_TEST_DATABASE_URL is set (a private schema is
created for the run and dropped afterwards).
"""
from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import Iterator

import pytest

os.environ.setdefault("PORTAL_ENV", "test")
os.environ.setdefault("PORTAL_SECRET_KEY", "test-secret-key-0123456789abcdef0123456789abcdef")
os.environ.setdefault("PORTAL_LOG_JSON", "false")
os.environ.setdefault("PORTAL_LOG_LEVEL", "WARNING")
_TMP = tempfile.mkdtemp(prefix="portal-test-")
os.environ.setdefault("PORTAL_DATA_DIR", _TMP)

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app.core import db as core_db  # noqa: E402
from app.core.config import get_settings  # noqa: E402

PASSWORD = "Demo@2026"
PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL")


def _database_url() -> tuple[str, str | None]:
    if PG_URL:
        return PG_URL, f"portal_test_{uuid.uuid4().hex[:8]}"
    return f"sqlite:///{_TMP}/test.db", None


def pytest_report_header(config):
    return f"database: {'PostgreSQL (' + PG_URL.split('@')[-1] + ')' if PG_URL else 'SQLite (set PORTAL_TEST_DATABASE_URL for PostgreSQL)'}"


@pytest.fixture(scope="session")
def engine():
    url, schema = _database_url()
    settings = get_settings()
    settings.database_url = url
    if schema:
        from sqlalchemy import create_engine

        admin = create_engine(settings.effective_database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        eng = create_engine(settings.effective_database_url, pool_size=30, max_overflow=30,
                            connect_args={"options": f"-csearch_path={schema}"})
    else:
        eng = core_db.make_engine(url)
    core_db.set_engine(eng)
    from app.core import migrate

    migrate.upgrade(eng)
    # Build the CJK font subset now, once (≈20 s on a fresh machine, then cached), rather than in a
    # background thread racing the first tests that seal a PDF.
    from app.services.seals import fonts

    fonts.warm_up()
    _seed(eng)
    yield eng
    eng.dispose()
    if schema:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _seed(eng) -> None:
    from app.cli import _optional
    from app.identity.demo import seed_demo_accounts
    from app.matters.service import seed_catalogue

    from app.services.seals import offline
    from app.services.seals.service import ensure_department_seals

    with Session(eng) as s, s.begin():
        seed_catalogue(s)
        offline.init_platform(s)
        ensure_department_seals(s)
        from app.services.approval.service import seed_models

        seed_models(s)
        from app.services.window.service import seed_centres

        seed_centres(s)
        from app.services.proactive.points import seed_points

        seed_points(s)
        seed_demo_accounts(s)
        f = _optional("app.services.datahub.service", "seed_demo")
        if f:
            f(s)
        from app.services.demo import seed_demo_wallets

        seed_demo_wallets(s)


@pytest.fixture(scope="session")
def app(engine):
    from app.main import create_app

    return create_app()


@pytest.fixture
def db_session(engine) -> Iterator[Session]:
    """A session whose work is rolled back at the end of the test (commits become savepoints)."""
    conn = engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        if outer.is_active:
            outer.rollback()
        conn.close()


class SessionQueryLog:
    """The consultation log written into the test's transaction (the real writer commits on its own
    connection, which the rolled-back test transaction would block on SQLite)."""

    def __init__(self, session: Session):
        self.session = session

    def record(self, values: dict) -> None:
        from app.matters.consultation.models import ConsultationQuery

        self.session.add(ConsultationQuery(**values))
        self.session.flush()

    def flush(self) -> None:
        pass


@pytest.fixture
def client(app, db_session) -> Iterator[TestClient]:
    """A browser-like client whose requests share the test's rolled-back transaction."""
    from app.matters.consultation.query_log import get_query_log

    def _override():
        try:
            yield db_session
            db_session.commit()
        except Exception:
            db_session.rollback()
            raise

    overrides = {core_db.get_session: _override, core_db.get_read_session: lambda: db_session,
                 get_query_log: lambda: SessionQueryLog(db_session)}
    app.dependency_overrides.update(overrides)
    with TestClient(app, base_url="http://testserver") as c:
        yield c
    for dep in overrides:
        app.dependency_overrides.pop(dep, None)


@pytest.fixture
def live_client(app, engine) -> Iterator[TestClient]:
    """A client on real, committed sessions (for concurrency tests); data it creates persists."""
    app.dependency_overrides.clear()
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def _free_port() -> int:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(scope="session")
def live_server(app, engine):
    import threading
    import time

    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "live server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def api_token(client: TestClient, username: str, password: str = PASSWORD) -> str:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def bearer(client: TestClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(client, username)}"}


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "page has no CSRF field"
    return m.group(1)


def web_login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/login")
    r = client.post("/login", data={"username": username, "password": password, "next": "/",
                                    "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return client


@pytest.fixture
def auth(client):
    """auth('citizen-young') -> Authorization header for that demo user."""
    return lambda username: bearer(client, username)


# -- what was skipped, said plainly -------------------------------------------------------------

def pytest_terminal_summary(terminalreporter, exitstatus, config):
    notes = []
    if not PG_URL:
        notes.append("PostgreSQL: NOT run (set PORTAL_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test "
                     "or use `make test-pg`); this run used SQLite only")
    skipped = terminalreporter.stats.get("skipped", [])
    browser_skips = [r for r in skipped if "browser" in str(r.nodeid)]
    if any("test_instances" in str(r.nodeid) for r in skipped):
        notes.append("Several instances: NOT run (needs PostgreSQL and Redis at PORTAL_TEST_REDIS_URL, "
                     "default redis://127.0.0.1:6379/0)")
    if browser_skips:
        notes.append(f"Browser: {len(browser_skips)} end-to-end test(s) skipped (no /usr/bin/chromium; "
                     "apt-get install -y chromium)")
    if notes:
        terminalreporter.section("not covered by this run")
        for n in notes:
            terminalreporter.write_line(n)

