"""Batched lookups: the same answers as one lookup at a time, each read on its own access-log row."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.services.datahub import service
from app.services.datahub.models import DataAccessLog

ELDER, YOUNG, NODATA = "310104195603152027", "310104199606121013", "320102199508233037"
TODAY = date(2026, 11, 27)


def _logs_after(db, last_id: int) -> list[DataAccessLog]:
    return list(db.scalars(select(DataAccessLog).where(DataAccessLog.id > last_id).order_by(DataAccessLog.id)))


def _last_id(db) -> int:
    return db.scalar(select(DataAccessLog.id).order_by(DataAccessLog.id.desc()).limit(1)) or 0


def test_lookup_many_answers_in_order_as_single_lookups_do(db_session):
    reads = [(ELDER, "XH1"), (NODATA, "XH2"), (YOUNG.lower().replace("1013", " 1013"), None), (ELDER, "XH4")]
    start = _last_id(db_session)
    many = service.lookup_many(db_session, "population", reads, actor="system", purpose="批量 / batch", as_of=TODAY)
    logs = _logs_after(db_session, start)
    singles = [service.lookup(db_session, "population", s, actor="system", application_number=n, as_of=TODAY)
               for s, n in reads]
    assert [r.status for r in many] == ["found", "not_found", "found", "found"]
    assert [r.model_dump() for r in many] == [r.model_dump() for r in singles]
    assert many[0].record["age"] == 70 and many[2].subject_key == YOUNG
    assert [(g.subject_key, g.application_number, g.outcome, g.purpose) for g in logs] == [
        (ELDER, "XH1", "found", "批量 / batch"), (NODATA, "XH2", "not_found", "批量 / batch"),
        (YOUNG, None, "found", "批量 / batch"), (ELDER, "XH4", "found", "批量 / batch")]


def test_lookup_many_of_an_unavailable_source_logs_every_read_as_unavailable(db_session):
    service.set_available(db_session, "population", False)
    start = _last_id(db_session)
    many = service.lookup_many(db_session, "population", [(ELDER, "XH1"), (YOUNG, "XH2")], actor="system")
    assert [(r.status, r.record) for r in many] == [("unavailable", None), ("unavailable", None)]
    assert [g.outcome for g in _logs_after(db_session, start)] == ["unavailable", "unavailable"]


def test_lookup_many_of_nothing_reads_and_logs_nothing(db_session):
    start = _last_id(db_session)
    assert service.lookup_many(db_session, "population", [], actor="system") == []
    assert _logs_after(db_session, start) == []


def test_read_many_sees_records_added_but_not_yet_flushed_and_logs_each_read(db_session):
    from app.services.datahub.models import DataRecord

    subject = "310104198001010015"
    start = _last_id(db_session)
    db_session.add(DataRecord(source="population", subject_key=subject,
                              payload={"id_number": subject, "birth_date": "1980-01-01", "hukou_since": "2000-01-01"}))
    got = service.read_many(db_session, "population", [(subject, "XH9"), (NODATA, None)], actor="", as_of=TODAY)
    assert [(status, key) for status, key, _, _ in got] == [("found", subject), ("not_found", NODATA)]
    assert got[0][2]["age"] == 46 and got[0][2]["hukou_years"] == 26 and got[0][3] is not None
    assert got[1][2:] == (None, None)
    assert [(g.actor, g.subject_key, g.application_number, g.outcome) for g in _logs_after(db_session, start)] == [
        ("system", subject, "XH9", "found"), ("system", NODATA, None, "not_found")]


def test_a_single_subject_read_sees_a_record_added_but_not_yet_flushed(db_session):
    from app.services.datahub.models import DataRecord

    subject = "310104198001010023"
    start = _last_id(db_session)
    db_session.add(DataRecord(source="population", subject_key=subject,
                              payload={"id_number": subject, "birth_date": "1980-01-01", "hukou_since": "2000-01-01"}))
    one = service.lookup(db_session, "population", subject[:6] + " " + subject[6:], actor="", application_number="XH8",
                         as_of=TODAY)
    assert (one.status, one.subject_key) == ("found", subject)
    assert one.record["age"] == 46 and one.record["hukou_years"] == 26 and one.updated_at is not None
    # The same subject asked twice in one call is still a single subject: read once, logged twice.
    twice = service.read_many(db_session, "population", [(subject, "XH9"), (subject, None)], actor="", as_of=TODAY)
    assert [(status, key) for status, key, _, _ in twice] == [("found", subject)] * 2
    assert [(g.subject_key, g.application_number, g.outcome) for g in _logs_after(db_session, start)] == [
        (subject, "XH8", "found"), (subject, "XH9", "found"), (subject, None, "found")]
