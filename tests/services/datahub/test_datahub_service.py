"""Datahub: lookups (found / not found / unavailable), the access log, demo personas, seeding."""
from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import func, inspect, select

from app.matters import content
from app.services.datahub import service
from app.services.datahub.exceptions import UnknownDataSource
from app.services.datahub.models import SOURCES, DataAccessLog, DataRecord, DataSourceStatus

ELDER, YOUNG, NODATA = "310104195603152027", "310104199606121013", "320102199508233037"
USCC = "91310104MA1FL0001Q"
TODAY = date(2026, 11, 27)


def _last_log(db) -> DataAccessLog:
    return db.scalars(select(DataAccessLog).order_by(DataAccessLog.id.desc()).limit(1)).one()


def test_lookup_found_is_logged_with_actor_application_and_purpose(db_session):
    result = service.lookup(db_session, "population", ELDER, actor="reviewer-civil",
                            application_number="XH20261127000001", purpose="老年综合津贴审核", as_of=TODAY)
    assert result.status == "found" and result.found
    assert result.record["full_name"] == "王秀英"
    log = _last_log(db_session)
    assert (log.actor, log.source, log.subject_key, log.application_number, log.outcome, log.purpose) == (
        "reviewer-civil", "population", ELDER, "XH20261127000001", "found", "老年综合津贴审核")


def test_elder_qualifies_for_the_elderly_allowance(db_session):
    p = service.lookup(db_session, "population", ELDER, actor="system", as_of=TODAY).record
    assert p["age"] == 70 and p["hukou_shanghai"] and p["hukou_district_code"] == "310104"
    assert p["hukou_years"] >= 40 and p["alive"] is True and p["receiving_elderly_allowance"] is False
    ss = service.lookup(db_session, "social-security", ELDER, actor="system").record
    assert ss["retired"] and ss["receiving_pension"] and ss["contribution_months"] >= 180


def test_young_citizen_is_employed_insured_married_and_owns_no_home(db_session):
    p = service.lookup(db_session, "population", YOUNG, actor="system", as_of=TODAY).record
    assert p["age"] == 30 and p["marital_status"] == "married" and p["spouse_name"] == "张婷"
    spouse = service.lookup(db_session, "population", p["spouse_id_number"], actor="system").record
    assert spouse["spouse_id_number"] == YOUNG
    ss = service.lookup(db_session, "social-security", YOUNG, actor="system").record
    assert ss["insured"] and ss["employment_status"] == "employed" and ss["employer_uscc"] == USCC
    hpf = service.lookup(db_session, "hpf", YOUNG, actor="system").record
    assert hpf["account_status"] == "active" and hpf["contribution_months"] >= 3 and hpf["balance"] > 0
    assert service.lookup(db_session, "realty", YOUNG, actor="system").record["owns_home_shanghai"] is False


def test_demo_enterprise_records_are_consistent(db_session):
    le = service.lookup(db_session, "legal-entity", USCC, actor="system").record
    assert le["legal_representative"] == "李明" and le["legal_representative_id_number"] == YOUNG
    assert le["status"] == "active" and le["business_scope"]
    addr = service.lookup(db_session, "address-cloud", le["registered_address"], actor="system").record
    assert addr["verified"] is True
    tax = service.lookup(db_session, "tax", USCC, actor="system").record
    assert tax["taxpayer_status"] == "normal" and tax["arrears"] == 0 and tax["unfiled_returns"] == 0
    credit = service.lookup(db_session, "credit", USCC, actor="system").record
    assert not credit["dishonest"] and not credit["business_anomaly"]


def test_citizen_without_data_is_not_found_and_logged(db_session):
    result = service.lookup(db_session, "population", NODATA, actor="window-officer", purpose="窗口核验")
    assert result.status == "not_found" and result.record is None
    assert _last_log(db_session).outcome == "not_found"


def test_unavailable_source_answers_unavailable_and_is_logged(db_session):
    service.set_available(db_session, "tax", False, note="数据交换平台维护")
    assert not service.is_available(db_session, "tax")
    result = service.lookup(db_session, "tax", USCC, actor="system", application_number="XH1")
    assert result.status == "unavailable" and result.record is None
    log = _last_log(db_session)
    assert (log.outcome, log.application_number) == ("unavailable", "XH1")
    assert {s.source: s.available for s in service.source_statuses(db_session)}["tax"] is False
    service.set_available(db_session, "tax", True)
    assert service.lookup(db_session, "tax", USCC, actor="system").status == "found"


def test_subjects_are_normalised_and_unknown_sources_refused(db_session):
    assert service.lookup(db_session, "population", "31010419970921102x", actor="system").found
    assert service.lookup(db_session, "address-cloud", " 上海市徐汇区虹梅路１８０１号 10层05室", actor="system").found
    with pytest.raises(UnknownDataSource):
        service.lookup(db_session, "horoscope", ELDER, actor="system")


def test_access_log_lists_who_read_a_subject(db_session):
    service.lookup(db_session, "hpf", YOUNG, actor="reviewer-civil", application_number="XH9")
    rows = service.access_log(db_session, subject_key=YOUNG)
    assert rows[0].actor == "reviewer-civil" and rows[0].source == "hpf"
    assert [r.application_number for r in service.access_log(db_session, application_number="XH9")] == ["XH9"]


def test_prefill_values_reads_each_source_once_and_leaves_out_missing_data(db_session):
    before = db_session.scalar(select(func.count()).select_from(DataAccessLog))
    values = service.prefill_values(
        db_session, ["population.household_address", "population.marital_status", "hpf.balance", "tax.nothing"],
        subject=YOUNG, actor="system", application_number="XH2")
    assert values == {"population.household_address": "上海市徐汇区宜山路700弄5号1102室",
                      "population.marital_status": "married", "hpf.balance": 58320.0}
    assert db_session.scalar(select(func.count()).select_from(DataAccessLog)) == before + 3
    assert service.prefill_values(db_session, ["population.full_name"], subject=NODATA, actor="system") == {}


def test_seed_demo_is_idempotent(db_session):
    before = {(r.source, r.subject_key): r.payload for r in db_session.scalars(select(DataRecord))}
    assert service.seed_demo(db_session)["written"] == 0
    service.seed_demo(db_session)
    after = {(r.source, r.subject_key): r.payload for r in db_session.scalars(select(DataRecord))}
    assert after == before
    assert db_session.scalar(select(func.count()).select_from(DataSourceStatus)) == len(SOURCES)
    assert ("population", NODATA) not in after


def test_seed_demo_restores_a_changed_record(db_session):
    row = db_session.scalar(select(DataRecord).where(DataRecord.source == "population", DataRecord.subject_key == ELDER))
    row.payload = {**row.payload, "alive": False}
    db_session.flush()
    assert service.seed_demo(db_session)["written"] == 1
    assert service.lookup(db_session, "population", ELDER, actor="system").record["alive"] is True


def test_migration_creates_the_tables_the_models_describe(db_session):
    insp = inspect(db_session.get_bind())
    for model in (DataRecord, DataSourceStatus, DataAccessLog):
        table = model.__table__
        assert {c["name"] for c in insp.get_columns(table.name)} == set(table.columns.keys())
    uniques = insp.get_unique_constraints("datahub_record")
    assert any(set(u["column_names"]) == {"source", "subject_key"} for u in uniques)


# ----------------------------------------------------------------------------- prefill contract
PERSONAS = {"person": [YOUNG, ELDER], "enterprise": [USCC]}


@pytest.mark.parametrize("code", sorted(content.load_forms()))
def test_every_prefill_reference_is_provided_for_the_personas(db_session, code):
    """`prefill: SOURCE.FIELD` names a field the demo records carry, and the first example is a persona's value."""
    subject_type = content.catalogue()["matters"][code]["subject"]
    for f in content.form_fields(code):
        if not f.prefill:
            continue
        source, _, name = f.prefill.partition(".")
        if source == "profile":
            assert name in {"full_name", "id_number", "phone", "uscc", "enterprise_name"}, f.prefill
            continue
        assert source in SOURCES, f.prefill
        values = []
        for subject in PERSONAS[subject_type]:
            result = service.lookup(db_session, source, subject, actor="test")
            if result.found:
                assert name in result.record, f"{code}.{f.name}: {source} record of {subject} lacks {name}"
                values.append(result.record[name])
        assert values, f"{code}.{f.name}: no persona has a {source} record"
        assert f.examples[0] in values, f"{code}.{f.name}: first example {f.examples[0]!r} is none of {values}"


@pytest.fixture
def far_from_china(monkeypatch):
    """The process clock in a zone whose date differs from China's at this moment (the real clock,
    no fake time): UTC−12 while it is before 20:00 in China, UTC+14 after."""
    from app.core.clock import china_now

    zone = "Etc/GMT+12" if china_now().hour < 20 else "Etc/GMT-14"
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_ages_are_counted_on_chinas_date(db_session, far_from_china):
    from app.core.clock import china_today

    china, local = china_today(), date.today()
    assert china != local
    # A birthday on China's date: 28 today in China, still 27 where the server's date is behind.
    # Or a birthday on the server's date when it is ahead: not yet 28 in China.
    born = (china if local < china else local).replace(year=china.year - 28)
    subject = "31010419" + born.strftime("%m%d") + "0000"  # a key, not a real ID number
    db_session.add(DataRecord(source="population", subject_key=subject,
                              payload={"full_name": "测试", "birth_date": born.isoformat()}))
    db_session.flush()
    record = service.lookup(db_session, "population", subject, actor="test").record
    assert record["age"] == (28 if local < china else 27)
