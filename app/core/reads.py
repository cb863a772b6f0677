"""Column reads on the request's session without the ORM's or the engine's per-statement machinery.

`session.execute(select(Model.a, Model.b))` builds an ORM compile state and result even when it
returns plain columns; `Connection.execute` of a Core statement still looks up its compiled form,
builds an execution context and a result object: ≈ 20 µs a statement against ≈ 3 µs for the
driver's own execution. `rows()` runs a built-once statement, compiled once per dialect, on the
session's connection's driver cursor, after the same autoflush the session would do (so that it
sees the session's own pending changes), with the engine's `before_cursor_execute` listeners called
as the engine calls them (the write-lock check, statement counts), the column types' result
processing applied, and a driver error raised as the engine raises it (`DBAPIError`, the
connection invalidated on a disconnect). A statement the fast path cannot run as compiled
(expanding `IN` lists, post-compile parameters) goes through `Connection.execute`."""
from __future__ import annotations

import operator
from typing import Any, Iterator

from sqlalchemy import inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state

# (statement, dialect name) -> its plan, None when it runs through Connection.execute. The statement
# itself is the key (held, so its identity is never reused): built-once statements only.
_PLANS: dict[tuple[Any, str], "_Plan | None"] = {}


class Row(tuple):
    """A result row: a tuple with its columns by name (`row.id`) and `_mapping` (name → value),
    as SQLAlchemy's Row offers them."""

    __slots__ = ()
    _keys: tuple[str, ...] = ()

    @property
    def _mapping(self) -> dict[str, Any]:
        return dict(zip(self._keys, self))


def _row_class(keys: tuple[str, ...]) -> type[Row]:
    attrs: dict[str, Any] = {"__slots__": (), "_keys": keys}
    for i, key in enumerate(keys):
        if key.isidentifier() and not hasattr(tuple, key) and key not in attrs:
            attrs[key] = property(operator.itemgetter(i))
    return type("Row", (Row,), attrs)


class Rows:
    """What a read returns: the rows fetched (`first`, `all`, `scalar`, iteration)."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator:
        return iter(self._rows)

    def first(self):
        return self._rows[0] if self._rows else None

    def all(self) -> list:
        return list(self._rows)

    def scalar(self):
        return self._rows[0][0] if self._rows else None


class _Plan:
    __slots__ = ("sql", "names", "positional", "defaults", "bind_processors", "types", "processors", "row")

    def __init__(self, statement, dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.positional = compiled.positional
        self.names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.bind_names.values())
        # values written into the statement (`where(T.x == 5)`): used unless the caller passes one
        self.defaults = {n: b.effective_value for b, n in compiled.bind_names.items() if not b.required}
        self.bind_processors = dict(compiled._bind_processors)
        self.types = [c[3] for c in compiled._result_columns]
        self.processors: list | None = None  # from the first execution's column descriptions
        self.row = _row_class(tuple(c[0] for c in compiled._result_columns))

    def result_processors(self, dialect, description) -> list:
        if self.processors is None:
            self.processors = [t._cached_result_processor(dialect, d[1]) for t, d in zip(self.types, description)]
        return self.processors


def _plan(statement, dialect) -> _Plan | None:
    key = (statement, dialect.name)
    try:
        return _PLANS[key]
    except KeyError:
        pass
    compiled = statement.compile(dialect=dialect)
    binds = compiled.binds.values()
    plan = None
    if (not any(b.expanding or b.literal_execute for b in binds) and not compiled.literal_execute_params
            and not compiled.post_compile_params and compiled._result_columns):
        plan = _Plan(statement, dialect)
    _PLANS[key] = plan
    return plan


def rows(session: Session, statement, params: dict | None = None):
    """Run a built-once (module-level) statement; returns something with `first()`, `all()`,
    `scalar()` and iteration, whose rows have the columns by name and `_mapping`."""
    if session.autoflush:
        session.flush()  # what session.execute would do first (a no-op when nothing is pending)
    conn = session.connection()
    params = params or {}
    plan = _plan(statement, conn.dialect)
    if plan is None:
        return conn.execute(statement, params)
    if plan.defaults:
        params = {**plan.defaults, **params}
    processors = plan.bind_processors
    if plan.positional:
        values: Any = tuple(processors[n](params[n]) if n in processors else params[n] for n in plan.names)
    else:
        values = {n: (processors[n](params[n]) if n in processors else params[n]) for n in plan.names}
    dbapi_conn = conn.connection.dbapi_connection
    cursor = dbapi_conn.cursor()
    sql = plan.sql
    try:
        if conn._has_events or conn.engine._has_events:
            for listener in conn.dispatch.before_cursor_execute:
                listener(conn, cursor, sql, values, None, False)
        cursor.execute(sql, values)
        fetched = cursor.fetchall()
        procs = plan.result_processors(conn.dialect, cursor.description)
    except BaseException as e:
        conn._handle_dbapi_exception(e, sql, values, cursor, None)
        raise
    finally:
        cursor.close()
    make = plan.row
    if any(procs):
        return Rows([make([p(v) if p else v for p, v in zip(procs, r)]) for r in fetched])
    return Rows([make(r) for r in fetched])


def entity_columns(cls, prefix: str) -> tuple[list, tuple[str, ...]]:
    """The columns of a mapped class labelled `prefix + key` for a statement that `adopt` reads back,
    and the attribute keys in the same order."""
    mapper = inspect(cls)
    columns = list(mapper.local_table.c)
    return ([c.label(prefix + c.key) for c in columns],
            tuple(mapper.get_property_by_column(c).key for c in columns))


_PRIMARY_KEYS: dict[Any, tuple[str, ...]] = {}


def adopt(session: Session, cls, keys: tuple[str, ...], values) -> Any:
    """The persistent instance of `cls` for a row's column values (attribute `keys`, all columns):
    the one already in the session's identity map, or a new one registered there as a query would
    have loaded it (its changes tracked and flushed, no history), without the ORM's result machinery."""
    mapper = cls.__mapper__
    values = dict(zip(keys, values))
    try:
        pk = _PRIMARY_KEYS[mapper]
    except KeyError:
        pk = _PRIMARY_KEYS[mapper] = tuple(mapper.get_property_by_column(c).key for c in mapper.primary_key)
    key = mapper.identity_key_from_primary_key([values[k] for k in pk])
    existing = session.identity_map.get(key)
    if existing is not None:
        return existing
    obj = mapper.class_manager.new_instance()
    instance_state(obj).dict.update(values)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj
