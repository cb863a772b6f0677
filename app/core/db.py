"""Engine, sessions and the declarative base shared by every domain."""
from __future__ import annotations

import atexit
import functools
import json
import os
import re
import sqlite3
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Annotated, Any

import anyio
import anyio.from_thread
import anyio.to_thread
from fastapi import Depends, Path, Request
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator
from starlette.responses import Response as StarletteResponse

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
_deferred_sessionmaker: sessionmaker[Session] | None = None


class WriterQueue:
    """Turns at SQLite's write lock for the writers of one process, first come, first served.

    SQLite lets one writer in at a time and leaves the others in its busy handler, polling with
    sleeps of up to 100 ms. In the server that was worse than slow: a request's dependencies and
    handler run in several hops through the thread pool, and when every pool thread held a request
    polling for the lock, the request holding it could not get a thread for its next hop until
    the pollers gave up after the busy timeout (a rush of applicants ended in 503s after 30 s).

    Here a writer waits for its turn on a lock of its own, and lends its pool thread back while
    it waits (the pool grows by one until the wait ends), so the holder always finds a thread for
    its next hop. The turn passes straight to the next in line when the holder's transaction ends,
    never free in between; SQLite's own wait is left for writers in other processes (CLI, worker).

    With PORTAL_WRITER_STATS=<file>, each turn's holder, wait and hold (ms) are appended to that
    file as one JSON line per process at exit (for the load test)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._line: deque[threading.Lock] = deque()
        self._taken = False
        self._since = 0.0
        self._wait = 0.0
        self._moved_at = 0.0  # when the turn last changed hands
        self.stats: list[tuple[str, float, float]] | None = None
        if WRITER_STATS:
            self.stats = []
            atexit.register(self._save_stats, os.environ["PORTAL_WRITER_STATS"])

    def acquire(self, timeout: float) -> bool:
        """Wait for the turn; give up (False) only when the line has not moved for `timeout`
        seconds (the holder is stuck), or after LONGEST_WAIT_S in all. A long line that moves is
        no reason to refuse: a writer that waits is served in its turn."""
        asked = time.monotonic()
        with self._mutex:
            if not self._taken:
                self._taken = True
                self._moved_at = asked
                self._granted(asked)
                return True
            mine = threading.Lock()
            mine.acquire()
            self._line.append(mine)
        lent = _lend_pool_thread(1)
        try:
            while True:
                now = time.monotonic()
                left = min(self._moved_at + timeout, asked + LONGEST_WAIT_S) - now
                if left > 0 and mine.acquire(timeout=left):
                    break
                with self._mutex:
                    now = time.monotonic()
                    if now < min(self._moved_at + timeout, asked + LONGEST_WAIT_S):
                        continue  # the line moved meanwhile: wait on
                    try:
                        self._line.remove(mine)
                        return False
                    except ValueError:
                        break  # handed over just as the wait ran out: the turn is ours
        finally:
            if lent:
                _lend_pool_thread(-1)
        self._granted(asked)
        return True

    def release(self) -> None:
        with self._mutex:
            if self.stats is not None:
                self.stats.append((self._holder(), self._wait, round((time.monotonic() - self._since) * 1000, 2)))
            self._moved_at = time.monotonic()
            if self._line:
                self._line.popleft().release()  # the turn passes on; it is never free in between
            else:
                self._taken = False

    def _granted(self, asked: float) -> None:
        if self.stats is not None:
            self._since = time.monotonic()
            self._wait = round((self._since - asked) * 1000, 2)
            self._route = _current_route.get()

    def _holder(self) -> str:
        return getattr(self, "_route", "") or "no request"

    def _save_stats(self, path: str) -> None:
        with open(path, "a") as f:
            f.write(json.dumps({"pid": os.getpid(), "argv": sys.argv, "turns": self.stats}) + "\n")


# The pools a request's hops run in: anyio's default thread limiter and the app's edge limiter.
_EDGE_LIMITERS: weakref.WeakSet = weakref.WeakSet()
_current_route: ContextVar[str] = ContextVar("portal_route", default="")
WRITER_STATS = bool(os.environ.get("PORTAL_WRITER_STATS"))


def _lend_pool_thread(delta: int) -> bool:
    """Grow (or shrink back) the request thread pools by `delta`, from a pool thread about to wait
    (or done waiting) for its turn; False outside an event loop's worker thread (CLI, jobs)."""
    def resize() -> None:
        for limiter in {anyio.to_thread.current_default_thread_limiter(), *_EDGE_LIMITERS}:
            limiter.total_tokens = max(1, limiter.total_tokens + delta)

    try:
        anyio.from_thread.run_sync(resize)
    except RuntimeError:  # not a worker thread of a running event loop
        return False
    return True


_QUEUES: dict[str, WriterQueue] = {}
_QUEUES_LOCK = threading.Lock()


def writer_queue(path: str) -> WriterQueue:
    """The one queue of this process's writers to the SQLite file at `path`."""
    with _QUEUES_LOCK:
        return _QUEUES.setdefault(path, WriterQueue())


BUSY_TIMEOUT_S = 30  # SQLite's busy timeout; in the writer queue: the longest the line may stand still
LONGEST_WAIT_S = 300  # the longest a writer waits in a line that moves
SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT = 5, 517
# Statements that do not write (anything else takes the write lock first; a SAVEPOINT too, so that
# a savepoint is never lost when a read transaction becomes a write transaction).
_READ_ONLY = ("SELECT", "PRAGMA", "EXPLAIN", "VALUES", "ROLLBACK", "RELEASE")
_WRITE_WORDS = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def _writes(sql: str) -> bool:
    head = sql.lstrip()[:8].upper()
    if head.startswith("WITH"):
        return _WRITE_WORDS.search(sql) is not None
    return not head.startswith(_READ_ONLY)


class _SQLiteConnection(sqlite3.Connection):
    """A pysqlite connection that takes its turn in the process's writer queue before SQLite's
    write lock, and gives the turn back when its transaction ends (commit, rollback or close).

    A write transaction (CLI, jobs) begins with BEGIN IMMEDIATE. A deferred one (every request,
    read_session) reads the last committed state without any lock. At its first write it waits
    for its turn, then takes the write lock inside the read transaction when no other writer has
    committed since its first read (the transaction stays serialisable, as every SQLite writer was
    before); otherwise SQLite refuses the upgrade at once, and the transaction ends its read and
    begins again with BEGIN IMMEDIATE: what it writes then goes into the newest state, as under
    PostgreSQL's READ COMMITTED, and a row it read before and changes is guarded by its version
    column (409). What must build on the newest state takes the lock first: hold_write_lock()."""

    queue: WriterQueue | None = None
    probe_table: str | None = None
    has_turn = False
    deferred = False  # in a deferred (read) transaction that upgrades on its first write

    def begin_write(self, upgrade: bool = False) -> None:
        if self.queue is not None:
            if not self.queue.acquire(BUSY_TIMEOUT_S):
                raise sqlite3.OperationalError(
                    f"database is locked (the line of this process's writers stood still for {BUSY_TIMEOUT_S} s)")
            self.has_turn = True
        try:
            if upgrade:
                if self._lock_in_place():
                    return
                sqlite3.Connection.commit(self)  # ends the read: nothing was written yet
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._give_back()
            raise

    def begin_deferred(self) -> None:
        self.execute("BEGIN")
        self.deferred = True

    def upgrade(self) -> None:
        """From a deferred read transaction to a write transaction (see the class)."""
        self.deferred = False
        self.begin_write(upgrade=True)

    def _lock_in_place(self) -> bool:
        """Take the write lock inside the open read transaction, which stays serialisable; False
        when SQLite refuses at once (another writer committed since this transaction's first read,
        or holds the lock from another process: SQLite never waits while a read is open)."""
        if self.probe_table is None:
            row = self.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                               "'sqlite%' ORDER BY name = 'alembic_version' DESC LIMIT 1").fetchone()
            if row is None:
                return False
            self.probe_table = row[0].replace('"', '""')
        try:
            self.execute(f'DELETE FROM "{self.probe_table}" WHERE 0')  # writes nothing, takes the lock
        except sqlite3.OperationalError as e:
            if getattr(e, "sqlite_errorcode", None) in (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT):
                return False
            if "no such table" in str(e):  # dropped since (migrations): look again next time
                self.probe_table = None
                return False
            raise
        return True

    def _give_back(self) -> None:
        self.deferred = False
        if self.has_turn:
            self.has_turn = False
            self.queue.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._give_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._give_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._give_back()


def _as_dbapi_error(statement: str, fn) -> None:
    try:
        fn()
    except sqlite3.Error as e:
        raise DBAPIError.instance(statement, None, e, sqlite3.Error) from e


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        queue = writer_queue(os.path.abspath(path)) if path and path != ":memory:" else None
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S,
                                                  "factory": _SQLiteConnection}, **pool_sizes(sqlite=True))

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            dbapi_conn.isolation_level = None  # no implicit BEGIN by pysqlite: see _begin
            dbapi_conn.queue = queue
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # A request's session and read_session begin deferred (see _SQLiteConnection); any
            # other transaction (CLI, jobs, the query log's writer) takes its turn and the write
            # lock at BEGIN.
            raw = conn.connection.dbapi_connection
            options = conn.get_execution_options()
            if options.get("portal_readonly") or options.get("portal_deferred"):
                _as_dbapi_error("BEGIN", raw.begin_deferred)
            else:
                _as_dbapi_error("BEGIN IMMEDIATE", raw.begin_write)

        @event.listens_for(engine, "before_cursor_execute")
        def _write_needs_the_lock(conn, cursor, statement, _params, _context, _many):
            raw = cursor.connection
            if raw.deferred and _writes(statement):
                _as_dbapi_error("BEGIN IMMEDIATE", raw.upgrade)

        return engine
    engine = create_engine(url, pool_pre_ping=True, **pool_sizes())
    # Short transactions a request commits on the side (side_session) get a small pool of their own.
    engine.side_engine = create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=8)
    return engine


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


def hold_write_lock(session: Session) -> None:
    """Make the session's transaction a write transaction now (on SQLite: its turn and the write
    lock), before it reads what it will build its writes on (e.g. the audit chain's head)."""
    raw = session.connection().connection.dbapi_connection
    if getattr(raw, "deferred", False):
        _as_dbapi_error("BEGIN IMMEDIATE", raw.upgrade)


def pool_sizes(sqlite: bool = False) -> dict[str, int]:
    """Enough connections for every handler thread and every commit at the edge at once, so that a
    thread never waits for a connection held by a request that is itself waiting for a thread.
    On SQLite, no limit: a thread waiting for its turn lends its pool thread to another request
    (see WriterQueue) and keeps its connection (a file handle), so the threads and their
    connections grow with the line; a capped pool would make the holder of the turn wait for a
    connection (a read session of its own) held by a request waiting for that turn."""
    settings = get_settings()
    capacity = settings.threads + settings.edge_threads
    size = min(settings.db_pool_size, capacity)
    return {"pool_size": size, "max_overflow": -1 if sqlite else capacity - size}


def get_engine() -> Engine:
    if _engine is None:
        set_engine(make_engine(get_settings().effective_database_url))
    return _engine


def set_engine(engine: Engine) -> None:
    """Point the application at another engine (tests, CLI)."""
    global _engine, _sessionmaker, _deferred_sessionmaker
    _engine = engine
    _sessionmaker = sessionmaker(bind=engine, expire_on_commit=False)
    _deferred_sessionmaker = sessionmaker(bind=engine.execution_options(portal_deferred=True),
                                          expire_on_commit=False)


def session_factory() -> sessionmaker[Session]:
    get_engine()
    assert _sessionmaker is not None
    return _sessionmaker


def side_session(session: Session | None = None) -> Session:
    """A session for a short transaction that a request commits on its own, beside its unit of
    work (an Idempotency-Key claim, the day's application counter on PostgreSQL). On a server's
    PostgreSQL engine it comes from a small pool of its own: taken from the requests' pool, every
    connection could be held by a request waiting for a second one (30 s, then 503 for all)."""
    bind = session.get_bind() if session is not None else get_engine()
    engine = getattr(bind, "engine", bind)
    return Session(bind=getattr(engine, "side_engine", engine), expire_on_commit=False)


def read_session() -> Session:
    """A session for reads only (never commits; on SQLite it takes no write lock)."""
    return Session(bind=get_engine().execution_options(portal_readonly=True), expire_on_commit=False)


def get_read_session(_slot: Annotated[None, Depends(db_slot, scope="function")] = None) -> Iterator[Session]:
    """A read-only session for a request that writes nothing (on SQLite: no write lock)."""
    with read_session() as session:
        yield session


class _RequestSession:
    """The request's session as get_session opened it, and whether its unit of work is over."""

    __slots__ = ("session", "finished")

    def __init__(self, session: Session) -> None:
        self.session = session
        self.finished = False


_request_session: ContextVar[_RequestSession | None] = ContextVar("portal_request_session", default=None)


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    finally:
        session.close()  # after a failed commit: rolls back what was not committed


def finish_request_session() -> None:
    """End the request's unit of work here: commit and close the session get_session opened.

    Called in the thread of a sync handler that returned its finished response (see
    `finishing`): the commit runs where the handler ran, and the request makes no further trips
    through the thread pool for it. A failed commit raises here, as a handler's error, and the
    session is closed by get_session."""
    held = _request_session.get()
    if held is None or held.finished:
        return
    session = held.session
    if not _reads_only(session):  # a read only ends (close); what wrote is committed first
        session.commit()
    held.finished = True
    session.close()


def finishing(handler: Callable[..., Any]) -> Callable[..., Any]:
    """A sync handler that finishes the request's session in its own thread once it returns a
    response (a value for FastAPI to serialise may still read lazily: its session ends later)."""
    if getattr(handler, "finishes_session", False):
        return handler

    @functools.wraps(handler)
    def run(*args, **kwargs):
        result = handler(*args, **kwargs)
        if isinstance(result, StarletteResponse):
            finish_request_session()
        return result

    run.finishes_session = True  # type: ignore[attr-defined]
    return run


async def run_page(session: Session, page: Callable[..., Any], *args, in_place: bool = True, **kwargs) -> Any:
    """A page's body, from an `async` handler: where the request is when all it does is read and
    no read can wait (SQLite: see reads_in_place; under no_autoflush, so nothing is ever flushed on
    the event loop), with no trip through the thread pool; otherwise (PostgreSQL, a session with
    something to write such as the session's refreshed last use, or `in_place=False` for a body
    that may write) in a worker thread, as a sync handler runs, finishing the session there.
    The request's session still ends in get_session: in place when it only read."""
    if in_place and reads_in_place(session):
        with session.no_autoflush:
            return page(*args, **kwargs)
    return await anyio.to_thread.run_sync(functools.partial(finishing(page), *args, **kwargs))


def _deferred_sqlite(session: Session) -> bool:
    """Whether the session's transaction, or the one it will begin, is a SQLite read: deferred and
    not yet written (see _SQLiteConnection). Such a transaction never waits, in WAL mode, for
    anything: neither to read, nor to end."""
    bind = session.bind
    if bind is None or bind.dialect.name != "sqlite":
        return False
    if not session.in_transaction():
        options = bind.get_execution_options()
        return bool(options.get("portal_deferred") or options.get("portal_readonly"))
    try:
        raw = session.connection().connection.dbapi_connection  # on SQLite: a file handle, never a wait
    except SQLAlchemyError:  # e.g. a flush failed: the transaction awaits its rollback (in a thread)
        return False
    return isinstance(raw, _SQLiteConnection) and raw.deferred and not raw.has_turn


def has_pending(session: Session) -> bool:
    """Whether the session holds changes its next flush would write."""
    return bool(session.new or session.dirty or session.deleted)


def _reads_only(session: Session, *, committing: bool = True) -> bool:
    """Whether ending the session's transaction (commit, or close when not `committing`) writes
    nothing and cannot wait: no transaction at all, or a SQLite read (see _deferred_sqlite) with,
    for a commit, nothing pending for the flush or the commit (an audit record is written then)."""
    if committing and (has_pending(session) or session.info.get(COMMIT_WRITES_KEY)):
        return False
    return not session.in_transaction() or _deferred_sqlite(session)


def reads_in_place(session: Session) -> bool:
    """Whether a request may read on this session where it is, on the event loop, without a trip
    through the thread pool: a SQLite read (see _deferred_sqlite) with nothing pending to flush
    (run the reads under session.no_autoflush: a flush would be a write). A PostgreSQL read waits
    on the network: it runs in a thread."""
    return not has_pending(session) and _deferred_sqlite(session)


# session.info key under which work waits for the commit that will write (the audit records).
COMMIT_WRITES_KEY = "portal_audit_pending"
# session.info key: how many times the session has flushed (what was read before a flush may be stale).
FLUSHES_KEY = "portal_flushes"


@event.listens_for(Session, "after_flush")
def _count_flushes(session: Session, _flush_context) -> None:
    session.info[FLUSHES_KEY] = session.info.get(FLUSHES_KEY, 0) + 1


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: committed before the response is sent, rolled back on error.

    Declared with scope="function" (SessionDep): the exit runs when the handler returns, before
    the response leaves, so a failed commit becomes an error response, never a 2xx. A sync
    handler that returns its response commits and closes the session in its own thread (see
    `finishing`); otherwise the commit and close run here, in one trip to the edge limiter rather
    than the handlers' thread pool (a request holding SQLite's write lock never waits for a
    thread held by a request waiting for that lock), or in place when they can neither write nor
    wait (on SQLite, a transaction that only read). The session is opened once the request is
    admitted (see request_slots).

    On SQLite the transaction begins deferred: the request reads the last committed state without
    any lock, and takes its turn and the write lock at its first write, until its commit (see
    _SQLiteConnection). A password check or a PDF rendered before the first write keeps no other
    writer waiting; a GET that writes nothing never waits."""
    limiter = getattr(request.app.state, "edge_limiter", None)
    if limiter is not None and limiter not in _EDGE_LIMITERS:
        _EDGE_LIMITERS.add(limiter)
    if _deferred_sessionmaker is None:
        get_engine()
    if WRITER_STATS:  # who holds the writers' turns, for the load test (see WriterQueue)
        route = request.scope.get("route")
        _current_route.set(f"{request.method} {getattr(route, 'path', None) or request.url.path}")
    async with admitted(request):
        session = _deferred_sessionmaker()
        held = _RequestSession(session)
        _request_session.set(held)
        try:
            yield session
            if not held.finished:
                if _reads_only(session):
                    session.close()  # nothing to commit: the read ends, in place
                else:
                    await anyio.to_thread.run_sync(_commit_and_close, session, limiter=limiter)
                held.finished = True
        finally:
            held.finished = True
            if _reads_only(session, committing=False):
                session.close()
            else:
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
