"""Human-readable application numbers, unique under concurrency on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.core.clock import china_now

from app.services.applications.models import NumberSequence



def next_number(session: Session, prefix: str = "XH") -> str:
    """XH20261127000123: district prefix, the date in China, a daily sequence (atomic upsert)."""
    scope = f"{prefix}{china_now():%Y%m%d}"
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(NumberSequence).values(scope=scope, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=[NumberSequence.scope],
                                      set_={"last": NumberSequence.last + 1}).returning(NumberSequence.last)
    value = session.execute(stmt).scalar_one()
    return f"{scope}{value:06d}"


