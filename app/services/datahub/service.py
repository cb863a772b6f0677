"""Shared government data behind one interface: look up, log every read, seed, simulate outages.

Services flush, never commit: the caller's unit of work commits.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from app.core.clock import china_today
from app.core.db import utcnow
from app.core.reads import rows as fast_rows  # `reads` names the reads asked for, below
from app.services.datahub.exceptions import UnknownDataSource
from app.services.datahub.models import SOURCES, DataAccessLog, DataRecord, DataSourceStatus, LookupOutcome
from app.services.datahub.schemas import LookupResult
from app.services.datahub.synthetic import (  # noqa: F401  (part of this module's interface)
    BUSINESS_SCOPES,
    address_key,
    age_on,
    subject_key_of,
    synthesize_address,
    synthesize_enterprise,
    synthesize_person,
)

DEMO_RECORDS = Path(__file__).parent / "data" / "demo.yaml"

Record = tuple[str, str, dict[str, Any]]


def _check_source(source: str) -> str:
    if source not in SOURCES:
        raise UnknownDataSource(source)
    return source


def normalise_subject(source: str, subject: str) -> str:
    """ID numbers and credit codes upper-case without spaces; addresses NFKC without spaces."""
    if source == "address-cloud":
        return address_key(subject)
    return "".join((subject or "").split()).upper()


def _derive(source: str, payload: dict[str, Any], as_of: date) -> dict[str, Any]:
    """Add facts that change with time (age, years of household registration) at read time."""
    record = dict(payload)
    if source == "population":
        if record.get("birth_date"):
            record["age"] = age_on(date.fromisoformat(record["birth_date"]), as_of)
        since = record.get("hukou_since")
        record["hukou_years"] = age_on(date.fromisoformat(since), as_of) if since else 0
    return record


def is_available(session: Session, source: str) -> bool:
    status = session.get(DataSourceStatus, _check_source(source))
    return status is None or status.available


def lookup(
    session: Session,
    source: str,
    subject: str,
    *,
    actor: str,
    application_number: str | None = None,
    purpose: str = "",
    as_of: date | None = None,
) -> LookupResult:
    """Read one subject's record from one source; every read is written to the access log."""
    return lookup_many(session, source, [(subject, application_number)], actor=actor, purpose=purpose,
                       as_of=as_of)[0]


def lookup_many(
    session: Session,
    source: str,
    reads: Sequence[tuple[str, str | None]],
    *,
    actor: str,
    purpose: str = "",
    as_of: date | None = None,
) -> list[LookupResult]:
    """`lookup` of several (subject, application number) reads of one source at once, answered in
    order: one availability check, one query for the records and one insert of the access-log rows
    (each read is still logged on its own row)."""
    return [LookupResult(status=status, record=record, source=source, subject_key=key, updated_at=updated_at)
            for status, key, record, updated_at in read_many(session, source, reads, actor=actor, purpose=purpose,
                                                             as_of=as_of)]


# Core statements built once (plain table columns: no ORM entities are loaded, and SQLAlchemy finds
# their compiled form by a cache key it works out once per statement object).
_RECORD = DataRecord.__table__
_READ_RECORDS = select(_RECORD.c.subject_key, _RECORD.c.payload, _RECORD.c.updated_at).where(
    _RECORD.c.source == bindparam("source"), _RECORD.c.subject_key.in_(bindparam("keys", expanding=True)))
# One subject (most reads): `=` instead of an expanding IN, so that it runs on the driver's cursor
# (app.core.reads.rows), as does the availability flag.
_READ_RECORD = select(_RECORD.c.subject_key, _RECORD.c.payload, _RECORD.c.updated_at).where(
    _RECORD.c.source == bindparam("source"), _RECORD.c.subject_key == bindparam("key"))
_READ_STATUS = select(DataSourceStatus.__table__.c.available).where(
    DataSourceStatus.__table__.c.source == bindparam("source"))
_LOG_READS = insert(DataAccessLog.__table__)


def _records(session: Session, source: str, keys: list[str]):
    """The stored records of distinct subject `keys`: one `=` on the driver's cursor for a single
    subject (most reads), expanding INs of at most 500 otherwise."""
    if len(keys) == 1:
        return fast_rows(session, _READ_RECORD, {"source": source, "key": keys[0]})
    return (row for i in range(0, len(keys), 500)
            for row in session.execute(_READ_RECORDS, {"source": source, "keys": keys[i:i + 500]}))


def read_many(
    session: Session,
    source: str,
    reads: Sequence[tuple[str, str | None]],
    *,
    actor: str,
    purpose: str = "",
    as_of: date | None = None,
) -> list[tuple[str, str, dict[str, Any] | None, datetime | None]]:
    """What `lookup_many` answers, as (status, subject key, record, updated_at) tuples: for callers
    that read many subjects at once (auto-approval) and need no validated result objects. Every read
    is written to the access log (one executemany insert)."""
    _check_source(source)
    if not reads:
        return []
    keys = [normalise_subject(source, subject) for subject, _ in reads]
    flag = fast_rows(session, _READ_STATUS, {"source": source}).scalar()
    available = flag is None or bool(flag)
    found: dict[str, tuple[dict[str, Any], datetime]] = {
        key: (payload, updated_at)
        for key, payload, updated_at in (_records(session, source, sorted(set(keys))) if available else ())}
    missing = LookupOutcome.not_found.value if available else LookupOutcome.unavailable.value
    now = utcnow()  # the reads of one call happen at one moment
    actor, purpose = actor or "system", (purpose or "")[:200]
    today = as_of or china_today()
    out: list[tuple[str, str, dict[str, Any] | None, datetime | None]] = []
    log_rows = []
    for key, (_, number) in zip(keys, reads):
        hit = found.get(key)
        status = missing if hit is None else LookupOutcome.found.value
        log_rows.append({"actor": actor, "source": source, "subject_key": key, "application_number": number,
                         "outcome": status, "purpose": purpose, "at": now})
        out.append((status, key, None, None) if hit is None else (status, key, _derive(source, hit[0], today), hit[1]))
    session.execute(_LOG_READS, log_rows)
    return out


def prefill_values(
    session: Session,
    references: Iterable[str],
    *,
    subject: str,
    actor: str,
    application_number: str | None = None,
    purpose: str = "表单预填 / form pre-fill",
    as_of: date | None = None,
) -> dict[str, Any]:
    """Values of `SOURCE.FIELD` references for one subject; one logged lookup per source.

    References whose source is unavailable, has no record or lacks the field are left out,
    so the applicant fills them in (or uploads the material) instead.
    """
    by_source: dict[str, list[str]] = defaultdict(list)
    for ref in references:
        source, _, field = ref.partition(".")
        if source in SOURCES and field:
            by_source[source].append(field)
    values: dict[str, Any] = {}
    for source, fields in by_source.items():
        result = lookup(session, source, subject, actor=actor, application_number=application_number,
                        purpose=purpose, as_of=as_of)
        if result.record is None:
            continue
        for field in fields:
            if result.record.get(field) is not None:
                values[f"{source}.{field}"] = result.record[field]
    return values


def set_available(session: Session, source: str, available: bool, note: str = "") -> DataSourceStatus:
    """Switch a source on or off (simulating an outage of the government data exchange)."""
    status = session.get(DataSourceStatus, _check_source(source))
    if status is None:
        status = DataSourceStatus(source=source, available=available, note=note)
        session.add(status)
    else:
        status.available = available
        status.note = note
    session.flush()
    return status


def source_statuses(session: Session) -> list[DataSourceStatus]:
    """Every source with its availability (sources never switched are available)."""
    known = {s.source: s for s in session.scalars(select(DataSourceStatus))}
    return [known.get(s) or DataSourceStatus(source=s, available=True, note="") for s in SOURCES]


def access_log(
    session: Session,
    *,
    subject_key: str | None = None,
    application_number: str | None = None,
    limit: int = 100,
) -> list[DataAccessLog]:
    """Who read whose data, newest first (for the data subject's "who used my data" page)."""
    query = select(DataAccessLog).order_by(DataAccessLog.id.desc()).limit(limit)
    if subject_key is not None:
        query = query.where(DataAccessLog.subject_key == "".join(subject_key.split()).upper())
    if application_number is not None:
        query = query.where(DataAccessLog.application_number == application_number)
    return list(session.scalars(query))


def records_after(session: Session, sources: Iterable[str], after_id: int, limit: int) -> list[tuple[int, str, str]]:
    """(id, source, subject key) of the next records of these sources, in id order: a batch for a
    resumable scan (the caller keeps the last id). Reads no payload and is not a lookup of anyone's data."""
    rows = session.execute(select(DataRecord.id, DataRecord.source, DataRecord.subject_key).where(
        DataRecord.source.in_([_check_source(s) for s in sources]), DataRecord.id > after_id)
        .order_by(DataRecord.id).limit(limit))
    return [(r.id, r.source, r.subject_key) for r in rows]


def _iter_records(records: Iterable[Record | Mapping[str, Mapping[str, Any]]]) -> Iterable[Record]:
    for item in records:
        if isinstance(item, tuple):
            source, key, payload = item
            yield _check_source(source), normalise_subject(source, key), dict(payload)
        else:  # {source: payload} of one subject, as synthesize_person returns
            for source, payload in item.items():
                if source in SOURCES:
                    yield source, subject_key_of(source, payload), dict(payload)


def load_records(session: Session, records: Iterable[Record | Mapping[str, Mapping[str, Any]]]) -> int:
    """Insert or update records; returns how many rows were written (unchanged rows are not)."""
    by_source: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for source, key, payload in _iter_records(records):
        by_source[source][key] = payload
    written, new = 0, []
    for source, payloads in by_source.items():
        keys = list(payloads)
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            existing = {r.subject_key: r for r in session.scalars(
                select(DataRecord).where(DataRecord.source == source, DataRecord.subject_key.in_(chunk)))}
            for key in chunk:
                row = existing.get(key)
                if row is None:
                    new.append({"source": source, "subject_key": key, "payload": payloads[key]})
                elif row.payload != payloads[key]:
                    row.payload = payloads[key]
                    written += 1
    if new:  # one multi-row INSERT (a district's records load in chunks of thousands)
        session.execute(insert(DataRecord), new)
    session.flush()
    return written + len(new)


@lru_cache
def demo_records() -> dict[str, list[dict[str, Any]]]:
    """The demo personas' records by source (app/services/datahub/data/demo.yaml)."""
    with DEMO_RECORDS.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return {source: data.get(source, []) for source in SOURCES}


def seed_demo(session: Session) -> dict[str, int]:
    """Create the demo personas' government records and every source's status; idempotent."""
    records = [(source, subject_key_of(source, p), p) for source, items in demo_records().items() for p in items]
    written = load_records(session, records)
    existing = set(session.scalars(select(DataSourceStatus.source)))
    for source in SOURCES:
        if source not in existing:
            session.add(DataSourceStatus(source=source, available=True, note=""))
    session.flush()
    return {"records": len(records), "written": written}
