"""Column reads on the request's session without the ORM's per-statement machinery.

`session.execute(select(Model.a, Model.b))` builds an ORM compile state and result even when it
returns plain columns; on the pages' hot reads that was half of each query's cost. `rows()` runs
a built-once Core statement on the session's connection instead, after the same autoflush the
session would do, so that it sees the session's own pending changes as before."""
from __future__ import annotations

from sqlalchemy.engine import Result
from sqlalchemy.orm import Session


def rows(session: Session, statement, params: dict | None = None) -> Result:
    if session.autoflush:
        session.flush()  # what session.execute would do first (a no-op when nothing is pending)
    return session.connection().execute(statement, params or {})
