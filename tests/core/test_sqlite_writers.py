"""SQLite's writers: a fair line for the write lock in the process, reads that take no lock, a
write that takes it as late as it can, and a line that gives up only when it stands still."""
from __future__ import annotations

import hashlib
import os
import threading
import time

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.core import blobs, db
from app.core.audit_models import Blob
from tests.conftest import PASSWORD

on_sqlite = pytest.mark.skipif(bool(os.environ.get("PORTAL_TEST_DATABASE_URL")),
                               reason="SQLite only: PostgreSQL has no database-wide write lock")


def _line_up(queue: db.WriterQueue, order: list[int], i: int) -> None:
    assert queue.acquire(10)
    order.append(i)
    queue.release()


def _wait_for_line(queue: db.WriterQueue, length: int) -> None:
    deadline = time.monotonic() + 10
    while len(queue._line) < length:
        assert time.monotonic() < deadline, "the writers did not line up"
        time.sleep(0.01)


def test_turns_are_served_first_come_first_served():
    queue = db.WriterQueue()
    assert queue.acquire(1)
    order: list[int] = []
    threads = []
    for i in range(6):
        t = threading.Thread(target=_line_up, args=(queue, order, i))
        t.start()
        threads.append(t)
        _wait_for_line(queue, i + 1)
    queue.release()
    for t in threads:
        t.join(10)
    assert order == list(range(6))
    assert queue.acquire(0.1)  # free again once the line is served


def test_a_line_that_stands_still_is_refused_one_that_moves_is_waited_out():
    queue = db.WriterQueue()
    assert queue.acquire(1)
    t0 = time.monotonic()
    assert queue.acquire(0.3) is False  # the holder never lets go: refused after 0.3 s standing still
    assert time.monotonic() - t0 >= 0.3
    assert len(queue._line) == 0  # the refused writer left the line

    # Five writers ahead, each holding the turn 0.4 s: 2 s in line, longer than the 1 s a line may
    # stand still, but it moves every 0.4 s, so the last one is served.
    def hold():
        assert queue.acquire(10)
        time.sleep(0.4)
        queue.release()

    ahead = []
    for i in range(5):
        t = threading.Thread(target=hold)
        t.start()
        ahead.append(t)
        _wait_for_line(queue, i + 1)
    got = []
    last = threading.Thread(target=lambda: got.append(queue.acquire(1.0)))
    last.start()
    _wait_for_line(queue, 6)
    queue.release()
    last.join(30)
    for t in ahead:
        t.join(10)
    assert got == [True]
    queue.release()


@pytest.fixture
def sqlite_file(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path}/writers.db")
    with engine.begin() as c:
        c.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
        c.execute(text("INSERT INTO item (name) VALUES ('first')"))
    yield engine, db.writer_queue(str(tmp_path / "writers.db"))
    engine.dispose()


def _deferred(engine) -> Session:
    return Session(bind=engine.execution_options(portal_deferred=True))


def _count(session) -> int:
    return session.scalar(text("SELECT count(*) FROM item"))


def test_a_deferred_transaction_reads_while_a_writer_holds_the_lock(sqlite_file):
    engine, queue = sqlite_file
    with engine.connect() as writer:
        writer.begin()  # BEGIN IMMEDIATE: the turn and the write lock
        writer.execute(text("INSERT INTO item (name) VALUES ('uncommitted')"))
        assert queue._taken
        with _deferred(engine) as reader:
            assert _count(reader) == 1  # at once: the last committed state
        writer.rollback()
    assert not queue._taken  # the turn was given back with the rollback


def test_an_uncontended_write_keeps_its_snapshot_and_holds_the_turn_until_commit(sqlite_file):
    engine, queue = sqlite_file
    with _deferred(engine) as s:
        assert _count(s) == 1 and not queue._taken  # reading takes no turn
        s.execute(text("INSERT INTO item (name) VALUES ('second')"))
        assert queue._taken and _count(s) == 2
        with _deferred(engine) as other:
            assert _count(other) == 1  # others still read the committed state
        s.commit()
        assert not queue._taken
    with _deferred(engine) as s:
        assert _count(s) == 2


def test_a_write_after_another_writer_committed_still_goes_through(sqlite_file):
    # The snapshot of the first read is stale by the first write: SQLite refuses to upgrade it
    # (SQLITE_BUSY_SNAPSHOT, at once). The transaction then writes into the newest state.
    engine, queue = sqlite_file
    with _deferred(engine) as s:
        assert _count(s) == 1
        with engine.begin() as other:
            other.execute(text("INSERT INTO item (name) VALUES ('meanwhile')"))
        s.execute(text("INSERT INTO item (name) VALUES ('late')"))
        assert _count(s) == 3  # the newest state and its own row
        s.commit()
    assert not queue._taken
    with _deferred(engine) as s:
        assert sorted(s.scalars(text("SELECT name FROM item"))) == ["first", "late", "meanwhile"]


def test_a_lost_race_on_a_stale_snapshot_is_a_conflict_not_a_lost_row(sqlite_file):
    engine, _ = sqlite_file
    with _deferred(engine) as s:
        assert s.scalar(text("SELECT count(*) FROM item WHERE name = 'twin'")) == 0
        with engine.begin() as other:
            other.execute(text("INSERT INTO item (name) VALUES ('twin')"))
        with pytest.raises(Exception) as e:
            s.execute(text("INSERT INTO item (name) VALUES ('twin')"))
            s.commit()
        assert db.lost_race(e.value)
    with _deferred(engine) as s:
        assert s.scalar(text("SELECT count(*) FROM item WHERE name = 'twin'")) == 1


def test_the_same_file_stored_by_two_transactions_at_once_is_kept_once(engine):
    content = f"the same scan {time.time_ns()}".encode()
    digest = hashlib.sha256(content).hexdigest()
    first = Session(bind=engine.execution_options(portal_deferred=True))
    second = Session(bind=engine.execution_options(portal_deferred=True))
    try:
        assert first.get(Blob, digest) is None  # looked, found nothing...
        blobs.put(second, content, "application/pdf")  # ...meanwhile another request stores it
        second.commit()
        assert blobs.put(first, content, "application/pdf") == digest  # no conflict
        first.commit()
    finally:
        first.close()
        second.close()
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Blob).where(Blob.sha256 == digest)) == 1


@on_sqlite
def test_a_get_answers_while_another_writer_holds_the_lock(live_server, engine):
    with httpx.Client(base_url=live_server, timeout=60) as http:
        token = http.post("/api/v1/auth/token", data={"username": "citizen-young", "password": PASSWORD})
        h = {"Authorization": f"Bearer {token.json()['access_token']}"}
        with engine.connect() as blocker:
            blocker.begin()  # the turn and SQLite's write lock, held throughout
            r = http.get("/api/v1/applications", headers=h)  # taking the lock, it would wait, then 503
            blocker.rollback()
        assert r.status_code == 200, r.text[:200]
