"""The migrations build exactly the models' schema, and every migration can be undone."""
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.core import migrate
from app.core.db import Base, make_engine


def test_models_match_the_migrated_schema(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], diff
    assert not migrate.pending(engine)


def test_downgrade_to_base_and_up_again(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path}/m.db")
    migrate.upgrade(eng)
    assert "application" in inspect(eng).get_table_names()
    with eng.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "base")
    assert set(inspect(eng).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(eng)
    assert not migrate.pending(eng)
    eng.dispose()
