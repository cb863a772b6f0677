"""Every answer of verify_pdf, with real PDFs signed by real keys."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from app.services.seals import documents, pdf, service, signing
from app.services.seals.exceptions import SealNotActive

from .helpers import flip_byte, foreign_signed, result_input

CHECK_DATA = Path("/work/shared/checks/data")


@pytest.fixture
def sealed(db_session):
    doc = documents.issue_result(db_session, result_input())
    return doc, documents.document_pdf(db_session, doc.id)


def test_sealed_result_is_valid(db_session, sealed):
    doc, data = sealed
    result = service.verify_pdf(db_session, data)
    assert result.status == "valid" and result.valid
    assert result.seal == "区民政局" and result.signer == "区民政局"
    assert result.document_id == doc.id
    assert result.signatures[0].timestamped, "B-T: the platform TSA stamps every signature"
    assert abs((result.signed_at - datetime.now(timezone.utc)).total_seconds()) < 120


@pytest.mark.parametrize("where", [0.33, 0.5, 0.9, -40])
def test_any_flipped_byte_is_tampered(db_session, sealed, where):
    _, data = sealed
    at = int(len(data) * where) if where > 0 else len(data) + where
    result = service.verify_pdf(db_session, flip_byte(data, at))
    assert result.status == "tampered", (at, result.status)
    assert not result.valid


def test_bytes_appended_after_signing_are_tampered(db_session, sealed):
    _, data = sealed
    extra = b"\n1 0 obj\n<< /Evil true >>\nendobj\n"
    assert service.verify_pdf(db_session, data + extra).status == "tampered"


def test_foreign_ca_is_unknown_signer(db_session):
    data = foreign_signed(pdf.render_summary_pdf("测试", "XH1", [("姓名", "李明")]))
    assert service.verify_pdf(db_session, data).status == "unknown_signer"


def test_shared_sample_files(db_session):
    assert service.verify_pdf(db_session, (CHECK_DATA / "foreign-signed.pdf").read_bytes()).status == "unknown_signer"
    assert service.verify_pdf(db_session, (CHECK_DATA / "unsigned.pdf").read_bytes()).status == "unsigned"


def test_revoked_seal_makes_its_documents_revoked(db_session):
    seal = service.create_active_seal(db_session, owner_type="enterprise", owner_code="91310104MA1FL0001Q",
                                      owner_name="上海徐汇示范科技有限公司")
    data = signing.seal_pdf(db_session, seal.owner_code, pdf.render_summary_pdf("合同", "HT1", [("甲方", "示范")]))
    assert service.verify_pdf(db_session, data).status == "valid"
    service.revoke_seal(db_session, seal, reason="营业执照注销")
    assert service.verify_pdf(db_session, data).status == "revoked"
    with pytest.raises(SealNotActive):
        signing.seal_pdf(db_session, seal.owner_code, pdf.render_summary_pdf("合同", "HT2", []))


def test_expired_certificate_is_expired(db_session):
    past = datetime.now(timezone.utc) - timedelta(days=400)
    seal = service.create_active_seal(db_session, owner_type="enterprise", owner_code="91310104MA1EXPIRED",
                                      owner_name="过期测试有限公司", not_before=past,
                                      not_after=past + timedelta(days=30))
    data = signing.seal_pdf(db_session, seal.owner_code, pdf.render_summary_pdf("合同", "HT3", []))
    result = service.verify_pdf(db_session, data)
    assert result.status == "expired" and not result.valid


def test_unsigned_and_not_a_pdf(db_session):
    assert service.verify_pdf(db_session, pdf.render_summary_pdf("表", "XH2", [])).status == "unsigned"
    result = service.verify_pdf(db_session, b"GIF89a not a pdf at all")
    assert result.status == "unsigned" and result.detail == "not_a_pdf"


def test_truncated_signed_pdf_is_tampered(db_session, sealed):
    _, data = sealed
    assert service.verify_pdf(db_session, data[: len(data) - 200]).status == "tampered"


def test_person_signature_then_seal_both_valid(db_session):
    summary = pdf.render_summary_pdf("临时救助申请", "XH3", [("申请人", "李明")])
    signed = signing.sign_as_person(db_session, full_name="李明", id_number="310104199606121013", user_id=None,
                                    pdf_bytes=summary)
    person = service.verify_pdf(db_session, signed)
    assert person.status == "valid" and person.signer == "李明" and person.seal is None
    assert person.signatures[0].signer_serial_number == "310104199606121013"
    both = signing.seal_pdf(db_session, "civil", signed)
    result = service.verify_pdf(db_session, both)
    assert [s.status for s in result.signatures] == ["valid", "valid"]
    assert result.status == "valid" and result.seal == "区民政局"
    # tampering inside the first (person's) revision breaks it even though the seal came later
    assert service.verify_pdf(db_session, flip_byte(both, len(summary) // 2)).status == "tampered"
