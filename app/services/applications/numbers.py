"""Human-readable application numbers, unique under concurrency on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.core.clock import china_now
from app.core.db import side_session

from app.services.applications.models import NumberSequence



def next_number(session: Session, prefix: str = "XH") -> str:
    """XH20261127000123: district prefix, the date in China, a daily sequence (atomic upsert).

    On PostgreSQL the day's counter is counted up in a short transaction of its own, committed at
    once. Counted up in the create's transaction, its row stayed locked until that create
    committed: every creator of the day queued on it, each on a pool thread, and with more
    creators than threads the one holding it found no thread for its next step — a deadlock that
    no timeout ended. A number whose create then fails is left unused (a gap in the register).
    On SQLite the create holds the database's write lock already: the counter goes with it."""
    scope = f"{prefix}{china_now():%Y%m%d}"
    bind = session.get_bind()
    postgres = bind.dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    stmt = insert(NumberSequence).values(scope=scope, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=[NumberSequence.scope],
                                      set_={"last": NumberSequence.last + 1}).returning(NumberSequence.last)
    if postgres:
        with side_session(session) as own:
            value = own.execute(stmt).scalar_one()
            own.commit()
    else:
        value = session.execute(stmt).scalar_one()
    return f"{scope}{value:06d}"
