"""The consultation log, written in batches by one background thread.

Asking is a read: the answer comes from the in-memory index, and the question's log row is
queued here rather than inserted by the request (on SQLite that insert would take the
database's write lock for every question asked). The writer inserts what is queued in one
transaction every FLUSH_SECONDS (or BATCH_SIZE rows). The client is told only the row's `ref`,
chosen here; feedback and shutdown flush the queue first."""
from __future__ import annotations

import logging
import queue
import secrets
import threading
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.core.db import session_factory, utcnow
from app.matters.consultation.models import ConsultationQuery

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2
BATCH_SIZE = 500


def new_ref() -> str:
    return secrets.token_hex(8)


class QueryLogWriter:
    def __init__(self, sessions: Callable[[], Session] | None = None):
        self._sessions = sessions or (lambda: session_factory()())
        self._queue: queue.Queue[dict] = queue.Queue()
        self._hurry = threading.Event()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def record(self, values: dict) -> None:
        """Queue one log row (returns at once)."""
        values.setdefault("created_at", utcnow())
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="consultation-log", daemon=True)
                self._thread.start()
        self._queue.put(values)

    def flush(self) -> None:
        """Block until every row queued so far is written (or was dropped on a database error)."""
        if self._thread is None:
            return
        self._hurry.set()
        self._queue.join()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            self._hurry.wait(FLUSH_SECONDS)  # gather a batch, unless someone is waiting for it
            while len(batch) < BATCH_SIZE:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if self._queue.empty():
                self._hurry.clear()
            try:
                with self._sessions() as session, session.begin():
                    session.execute(insert(ConsultationQuery), batch)
            except Exception:  # the log must never cost anyone an answer
                log.warning("consultation log: %d row(s) not written", len(batch), exc_info=True)
            finally:
                for _ in batch:
                    self._queue.task_done()


writer = QueryLogWriter()


def get_query_log() -> QueryLogWriter:
    return writer


QueryLogDep = Annotated[QueryLogWriter, Depends(get_query_log)]
