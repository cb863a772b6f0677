"""The licence wallet: issue, find, supersede, revoke, expire, count downloads."""
from __future__ import annotations

from datetime import date, timedelta

from app.services.seals import documents, licences

from .helpers import result_input

HOLDER = "91310104MA1FL0002U"  # an enterprise with an empty wallet (not the demo one)


def _issue(db_session, **kw):
    values = dict(holder_key=HOLDER, holder_name="上海徐汇示范科技有限公司", licence_type="business-licence",
                  licence_name="营业执照", issuer_code="amr", issuer_name="区市场监督管理局")
    values.update(kw)
    return licences.issue_licence(db_session, **values)


def test_issue_find_and_list(db_session):
    lic = _issue(db_session)
    assert licences.find_active_licence(db_session, HOLDER, "business-licence").id == lic.id
    assert licences.find_active_licence(db_session, HOLDER, "food-business-licence") is None
    assert licences.find_active_licence(db_session, "310104199606121013", "business-licence") is None
    assert [x.id for x in licences.list_licences(db_session, HOLDER)] == [lic.id]


def test_new_licence_supersedes_old(db_session):
    old = _issue(db_session)
    new = _issue(db_session)
    assert old.status == "revoked" and new.status == "active"
    assert licences.find_active_licence(db_session, HOLDER, "business-licence").id == new.id


def test_revoked_licence_is_not_offered(db_session):
    lic = _issue(db_session)
    licences.revoke_licence(db_session, lic, reason="吊销")
    assert licences.find_active_licence(db_session, HOLDER, "business-licence") is None


def test_expiry(db_session):
    lic = _issue(db_session, valid_from=date.today() - timedelta(days=10), valid_to=date.today() - timedelta(days=1))
    assert licences.find_active_licence(db_session, HOLDER, "business-licence") is None
    assert lic.status == "expired"
    other = _issue(db_session, licence_type="food-business-licence", licence_name="食品经营许可证",
                   valid_to=date.today() - timedelta(days=1))
    assert licences.expire_due_licences(db_session) == 1
    db_session.refresh(other)
    assert other.status == "expired"


def test_download_counting(db_session):
    doc = documents.issue_result(db_session, result_input(department_code="amr", department_name="区市场监督管理局",
                                                          result_type="licence", licence_name="营业执照",
                                                          applicant_id_number=HOLDER))
    lic = _issue(db_session, sealed_document_id=doc.id)
    before = licences.downloaded_holder_count(db_session)
    licences.record_download(db_session, lic)
    licences.record_download(db_session, lic)
    assert lic.download_count == 2 and lic.last_downloaded_at is not None
    assert licences.downloaded_holder_count(db_session) == before + 1
