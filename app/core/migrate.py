"""Run and inspect Alembic migrations from code (CLI, serve, readyz, tests)."""
from __future__ import annotations

from functools import lru_cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from app.core.config import PROJECT_ROOT


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine) -> None:
    """Migrate the database to every head."""
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "heads")


@lru_cache
def script_heads() -> frozenset[str]:
    """The heads of the migration scripts (read once: they do not change while running)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_heads(bind: Engine | Connection) -> set[str]:
    if isinstance(bind, Connection):
        return set(MigrationContext.configure(bind).get_current_heads())
    with bind.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def pending(bind: Engine | Connection) -> bool:
    return current_heads(bind) != script_heads()
