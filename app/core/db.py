"""Engine, sessions and the declarative base shared by every domain."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import Depends, Path, Request
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

from app.core import clock
from app.core.config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return clock.utc_now()


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


_engine: Engine | None = None
_sessionmaker: sessionmaker[Session] | None = None


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pool_sizes())

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        # Take the write lock at BEGIN so concurrent writers queue instead of failing
        # with "database is locked" on lock upgrade.
        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_conn, _record):  # pragma: no cover - trivial
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn):  # pragma: no cover - trivial
            # Read-only sessions (see read_session) take no write lock: in WAL mode they read the
            # last committed state while a writer works.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("portal_readonly")
                                 else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, **pool_sizes())


def request_slots() -> int:
    """Requests that may hold a database session at once. Without a bound, requests holding a
    connection (or a row lock) while they wait for a thread — between a dependency and the
    handler, or to serialise the response before the commit — and threads waiting for a
    connection (or behind that row lock) starve each other: the pool times out, or, behind a
    row lock, nothing moves again. A request holds at most two connections (its session, and a
    short one of its own: an idempotency claim, a read beside the write), so the admitted never
    wait for a connection; and there are fewer of them than threads, so one holding a row lock
    always finds a thread to finish with."""
    settings = get_settings()
    return max(1, min(settings.threads - 1, (settings.threads + settings.edge_threads) // 2))


@asynccontextmanager
async def admitted(request: Request) -> AsyncIterator[None]:
    """Wait (on the event loop: holding no thread and no connection) for one of the request slots;
    once per request, however many sessions it opens."""
    slots = getattr(request.app.state, "db_slots", None)
    if slots is None or getattr(request.state, "db_admitted", False):
        yield
        return
    await slots.acquire()
    request.state.db_admitted = True
    try:
        yield
    finally:
        request.state.db_admitted = False
        slots.release()


async def db_slot(request: Request) -> AsyncIterator[None]:
    async with admitted(request):
        yield


def pool_sizes() -> dict[str, int]:
    """Enough connections for every handler thread and every commit at the edge at once, so that a
    thread never waits for a connection held by a request that is itself waiting for a thread."""
    settings = get_settings()
    capacity = settings.threads + settings.edge_threads
    size = min(settings.db_pool_size, capacity)
    return {"pool_size": size, "max_overflow": capacity - size}


def get_engine() -> Engine:
    global _engine, _sessionmaker
    if _engine is None:
        _engine = make_engine(get_settings().effective_database_url)
        _sessionmaker = sessionmaker(bind=_engine, expire_on_commit=False)
    return _engine


def set_engine(engine: Engine) -> None:
    """Point the application at another engine (tests, CLI)."""
    global _engine, _sessionmaker
    _engine = engine
    _sessionmaker = sessionmaker(bind=engine, expire_on_commit=False)


def session_factory() -> sessionmaker[Session]:
    get_engine()
    assert _sessionmaker is not None
    return _sessionmaker


def read_session() -> Session:
    """A session for reads only (never commits; on SQLite it takes no write lock)."""
    return Session(bind=get_engine().execution_options(portal_readonly=True), expire_on_commit=False)


def get_read_session(_slot: Annotated[None, Depends(db_slot, scope="function")] = None) -> Iterator[Session]:
    """A read-only session for a request that writes nothing (on SQLite: no write lock)."""
    with read_session() as session:
        yield session


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: committed before the response is sent, rolled back on error.

    Declared with scope="function" (SessionDep): the exit runs when the handler returns, before
    the response leaves, so a failed commit becomes an error response, never a 2xx. Commit,
    rollback and close run on the edge limiter, not the handlers' thread pool: a request holding
    SQLite's write lock never waits for a thread held by a request waiting for that lock. The
    session is opened once the request is admitted (see request_slots)."""
    limiter = getattr(request.app.state, "edge_limiter", None)
    async with admitted(request):
        session = session_factory()()
        try:
            yield session
            await anyio.to_thread.run_sync(session.commit, limiter=limiter)
        finally:
            with anyio.CancelScope(shield=True):  # close() rolls back whatever was not committed
                await anyio.to_thread.run_sync(session.close, limiter=limiter)


# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available, unique_violation.
_PG_RACE_CODES = {"40001", "40P01", "55P03", "23505"}


def lost_race(exc: BaseException) -> bool:
    """Whether a database error means another request changed the same rows first."""
    if isinstance(exc, StaleDataError):
        return True
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if code in _PG_RACE_CODES:
            return True
        if isinstance(exc, IntegrityError) and "UNIQUE constraint failed" in str(exc.orig):
            return True  # SQLite's unique violation: a concurrent insert of the same key
    return False


def too_busy(exc: BaseException) -> bool:
    """Whether the database could not take the request in time (SQLite's write lock stayed taken
    past the busy timeout, or no pooled connection came free): nothing was written; retry later."""
    if isinstance(exc, PoolTimeout):
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]

# A row id in a URL: a number no row could have (beyond the column's range) is a 422 with the
# error body, not an overflow in the database driver.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]
