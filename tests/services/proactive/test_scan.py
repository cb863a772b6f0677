"""The eligibility scan: the decision models in reverse over the datahub's records."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.core.clock import china_today
from app.services.applications.models import Application, InboxMessage, Status
from app.services.datahub import service as datahub
from app.services.datahub.synthetic import make_id_number
from app.services.proactive import scan
from app.services.proactive.models import OfferStatus, ProactiveOffer

ELDER, YOUNG, NODATA = "310104195603152027", "310104199606121013", "320102199001011234"


def offers(session, subject):
    return {o.matter_code: o for o in session.scalars(select(ProactiveOffer).where(ProactiveOffer.subject_key == subject))}


def full_pass(session):
    report = scan.scan_batch(session, batch_size=10_000)
    assert report["finished"]
    return report


def test_elder_is_offered_the_allowance_and_young_is_not(db_session):
    full_pass(db_session)
    elder = offers(db_session, ELDER)
    assert elder["elderly-allowance"].kind.value == "offer"
    assert elder["elderly-allowance"].status == OfferStatus.offered
    texts = [r["zh"] for r in elder["elderly-allowance"].reasons]
    assert any("年满70周岁" in t for t in texts) and any("自动审批模型 v1" in t for t in texts)
    assert "elderly-allowance" not in offers(db_session, YOUNG)
    assert "retirement-pension" not in elder  # already receiving a pension: the model denies
    assert offers(db_session, NODATA) == {}


def test_a_near_miss_of_64_is_not_offered(db_session):
    today = china_today()
    born = date(today.year - 64, 1, 2) if (today.month, today.day) > (1, 2) else date(today.year - 65, 12, 31)
    id_number = make_id_number("310104", born, 77)
    record = {**datahub.demo_records()["population"][0], "id_number": id_number, "birth_date": born.isoformat()}
    datahub.load_records(db_session, [("population", id_number, record)])
    full_pass(db_session)
    assert "elderly-allowance" not in offers(db_session, id_number)
    assert "elderly-allowance" in offers(db_session, ELDER)


def test_rerun_is_idempotent_and_a_declined_offer_is_never_repeated(db_session):
    first = full_pass(db_session)
    assert first["offers"] >= 2
    count = db_session.scalar(select(func.count()).select_from(ProactiveOffer))
    offer = offers(db_session, ELDER)["elderly-allowance"]
    offer.status = OfferStatus.declined
    db_session.flush()
    again = full_pass(db_session)
    assert again["offers"] == 0
    assert db_session.scalar(select(func.count()).select_from(ProactiveOffer)) == count
    assert offers(db_session, ELDER)["elderly-allowance"].status == OfferStatus.declined


def test_the_cursor_resumes_where_the_last_batch_stopped(db_session):
    keys = datahub.records_after(db_session, scan.SCANNED_SOURCES, 0, 10_000)
    assert len(keys) >= 3
    first = scan.scan_batch(db_session, batch_size=1)
    assert not first["finished"] and first["scanned"] == 1
    assert scan.cursor(db_session).last_record_id == keys[0][0]
    scan.scan_batch(db_session, batch_size=1)
    assert scan.cursor(db_session).last_record_id == keys[1][0]
    rest = scan.scan_batch(db_session, batch_size=10_000)
    assert rest["scanned"] == len(keys) - 2 and rest["finished"]
    cur = scan.cursor(db_session)
    assert (cur.last_record_id, cur.passes) == (0, 1)


def test_a_grant_is_decided_sealed_and_issued_with_a_notice(db_session):
    full_pass(db_session)
    grant = offers(db_session, ELDER)["single-child-reward"]
    assert grant.kind.value == "grant" and grant.status == OfferStatus.granted
    app = db_session.scalar(select(Application).where(Application.number == grant.application_number))
    assert app.status == Status.issued and app.decision_by == "system" and app.result_document_id
    titles = list(db_session.scalars(select(InboxMessage.title).where(InboxMessage.application_number == app.number)))
    assert any(t.startswith("已为您办理") for t in titles)
