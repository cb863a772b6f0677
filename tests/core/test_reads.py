"""reads.rows: the driver-level fast path returns what session.execute returns (types processed,
columns by name), sees the session's pending changes, calls the engine's cursor listeners, raises
the engine's errors, and hands statements it cannot run as compiled to Connection.execute."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import bindparam, event, select, text
from sqlalchemy.exc import DBAPIError

from app.core import reads
from app.identity.models import Role, User

_USER = select(User.id, User.username, User.role, User.active, User.created_at, User.locked_until).where(
    User.username == bindparam("username"))
_ADMINS_NAMED = select(User.username).where(User.role == Role.admin, User.username == bindparam("username"))
_MANY = select(User.username).where(User.username.in_(bindparam("names", expanding=True))).order_by(User.username)
_BROKEN = select(User.id).where(text("no_such_column = 1"))


def _user(db_session, username: str, role: Role = Role.applicant_person) -> User:
    user = User(username=username, password_hash="x", role=role, full_name="测试", phone="")
    db_session.add(user)
    return user


def test_rows_match_session_execute_with_types_processed(db_session):
    _user(db_session, "reads-a")
    db_session.flush()
    fast = reads.rows(db_session, _USER, {"username": "reads-a"}).first()
    orm = db_session.execute(_USER, {"username": "reads-a"}).first()
    assert tuple(fast) == tuple(orm)
    assert fast.role is Role.applicant_person  # the enum column's processor ran
    assert fast.active is True  # a boolean, not SQLite's 1
    assert isinstance(fast.created_at, datetime) and fast.created_at.utcoffset().total_seconds() == 0
    assert fast.locked_until is None
    assert fast._mapping["username"] == "reads-a"
    assert list(fast._mapping) == ["id", "username", "role", "active", "created_at", "locked_until"]


def test_pending_changes_are_flushed_first(db_session):
    _user(db_session, "reads-pending")  # not flushed: the read must see it, as session.execute would
    assert reads.rows(db_session, _USER, {"username": "reads-pending"}).scalar() is not None


def test_values_written_into_the_statement_are_bound(db_session):
    _user(db_session, "reads-admin", Role.admin)
    _user(db_session, "reads-citizen")
    assert reads.rows(db_session, _ADMINS_NAMED, {"username": "reads-admin"}).scalar() == "reads-admin"
    assert reads.rows(db_session, _ADMINS_NAMED, {"username": "reads-citizen"}).first() is None


def test_expanding_in_goes_through_connection_execute(db_session):
    for name in ("reads-x", "reads-y", "reads-z"):
        _user(db_session, name)
    got = [r.username for r in reads.rows(db_session, _MANY, {"names": ["reads-z", "reads-x", "nobody"]})]
    assert got == ["reads-x", "reads-z"]
    assert reads._PLANS[(_MANY, db_session.connection().dialect.name)] is None


def test_empty_result(db_session):
    result = reads.rows(db_session, _USER, {"username": "nobody-at-all"})
    assert result.first() is None and result.scalar() is None and result.all() == [] and list(result) == []


def test_cursor_listeners_see_the_statement(db_session):
    seen: list[str] = []
    engine = db_session.get_bind().engine

    def listener(conn, cursor, statement, params, context, many):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        reads.rows(db_session, _USER, {"username": "nobody"})
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert any("user_account" in s for s in seen)


def test_driver_errors_are_raised_as_the_engine_raises_them(db_session):
    if db_session.get_bind().dialect.name == "postgresql":
        with pytest.raises(DBAPIError):
            with db_session.begin_nested():
                reads.rows(db_session, _BROKEN)
    else:
        with pytest.raises(DBAPIError):
            reads.rows(db_session, _BROKEN)


_USER_COLUMNS, _USER_KEYS = reads.entity_columns(User, "u_")
_USER_ROW = select(*_USER_COLUMNS).where(User.username == bindparam("username"))


def test_adopt_makes_a_persistent_instance_whose_changes_are_flushed(db_session):
    _user(db_session, "reads-adopt")
    db_session.flush()
    user_id = db_session.execute(select(User.id).where(User.username == "reads-adopt")).scalar_one()
    db_session.expunge_all()  # the identity map no longer holds it: adopt builds the instance
    row = reads.rows(db_session, _USER_ROW, {"username": "reads-adopt"}).first()
    adopted = reads.adopt(db_session, User, _USER_KEYS, row)
    assert adopted.id == user_id and adopted.username == "reads-adopt" and adopted.role is Role.applicant_person
    assert adopted in db_session and not db_session.dirty and not db_session.new  # loaded, not added
    assert db_session.get(User, user_id) is adopted  # in the identity map: no second instance
    adopted.full_name = "改名"
    assert adopted in db_session.dirty
    db_session.flush()
    db_session.expunge_all()
    assert db_session.execute(select(User.full_name).where(User.id == user_id)).scalar_one() == "改名"


def test_adopt_returns_the_instance_the_session_already_holds(db_session):
    user = _user(db_session, "reads-held")
    db_session.flush()
    user.full_name = "未写入"  # a change the row read from the database does not have
    row = reads.rows(db_session, _USER_ROW, {"username": "reads-held"}).first()  # autoflush writes it
    user.phone = "13800000000"  # pending again
    assert reads.adopt(db_session, User, _USER_KEYS, row) is user
    assert user.phone == "13800000000" and user.full_name == "未写入"  # nothing overwritten


def test_adopted_instance_can_be_deleted(db_session):
    _user(db_session, "reads-gone")
    db_session.flush()
    db_session.expunge_all()
    row = reads.rows(db_session, _USER_ROW, {"username": "reads-gone"}).first()
    db_session.delete(reads.adopt(db_session, User, _USER_KEYS, row))
    db_session.flush()
    assert reads.rows(db_session, _USER_ROW, {"username": "reads-gone"}).first() is None
