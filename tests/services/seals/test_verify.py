"""Every answer of verify_pdf, with real PDFs signed by real keys."""
from __future__ import annotations

import io
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError

from app.services.seals import ca, documents, pdf, service, signing, stamp
from app.services.seals.exceptions import CredentialUnavailable, SealNotActive

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
    assert result.seal == "徐汇区民政局" and result.signer == "徐汇区民政局"
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


def _enterprise_seal(db_session, code="91310104MA1FL0001Q", **validity):
    return service.create_active_seal(db_session, owner_type="enterprise", owner_code=code,
                                      owner_name="上海徐汇示范科技有限公司", **validity)


def _sign_bypassing_checks(db_session, credential, unsigned: bytes) -> bytes:
    """A B-T signature with the platform's timestamp, made without the portal's refusals."""
    meta = signers.PdfSignatureMetadata(field_name="Seal_late", md_algorithm="sha256",
                                        subfilter=SigSeedSubFilter.PADES)
    return signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(unsigned)), meta, signing.LoadedKeySigner(credential),
                            timestamper=stamp.authority(db_session)).getvalue()


def test_seal_revoked_after_signing_leaves_earlier_documents_valid(db_session):
    seal = _enterprise_seal(db_session)
    data = signing.seal_pdf(db_session, seal.owner_code, pdf.render_summary_pdf("合同", "HT1", [("甲方", "示范")]))
    assert service.verify_pdf(db_session, data).status == "valid"
    service.revoke_seal(db_session, seal, reason="营业执照注销")
    result = service.verify_pdf(db_session, data)
    assert result.status == "valid" and result.valid, "signed (and timestamped) before the revocation"
    assert result.revoked_at is not None and result.revoked_at > result.signed_at
    assert abs((result.revoked_at - datetime.now(timezone.utc)).total_seconds()) < 60
    body = result.to_json()
    assert body["revoked_at"] and "注销" in body["note"] and body["valid"] is True
    with pytest.raises(SealNotActive):
        signing.seal_pdf(db_session, seal.owner_code, pdf.render_summary_pdf("合同", "HT2", []))


def test_signature_made_after_revocation_is_revoked(db_session):
    seal = _enterprise_seal(db_session, code="91310104MA1FL0002Q")
    credential = ca.load_credential(db_session, seal.credential_id)  # e.g. a key that leaked before revocation
    service.revoke_seal(db_session, seal, reason="私钥泄露")
    unsigned = pdf.render_summary_pdf("合同", "HT4", [])
    with pytest.raises(SigningError):  # the CRL lists it: pyHanko refuses to sign
        signing.sign_with(db_session, credential, unsigned, field_prefix="Seal", reason="r", name=seal.owner_name)
    data = _sign_bypassing_checks(db_session, credential, unsigned)
    result = service.verify_pdf(db_session, data)
    assert result.status == "revoked" and not result.valid
    assert result.revoked_at <= result.signed_at


def test_certificate_expiring_after_signing_stays_valid(db_session):
    now = datetime.now(timezone.utc)
    seal = _enterprise_seal(db_session, code="91310104MA1SHORT01", not_before=now - timedelta(days=1),
                            not_after=now + timedelta(seconds=4))
    data = signing.seal_pdf(db_session, seal.owner_code, pdf.render_summary_pdf("合同", "HT3", []))
    time.sleep(max(0.0, (now + timedelta(seconds=4.5) - datetime.now(timezone.utc)).total_seconds()))
    cert = ca.load_credential(db_session, seal.credential_id).cert
    assert cert.not_valid_after_utc < datetime.now(timezone.utc), "the certificate has lapsed by now"
    result = service.verify_pdf(db_session, data)
    assert result.status == "valid" and result.valid and result.signed_at < cert.not_valid_after_utc


def test_expired_certificate_cannot_seal_and_its_signature_is_expired(db_session):
    past = datetime.now(timezone.utc) - timedelta(days=400)
    seal = _enterprise_seal(db_session, code="91310104MA1EXPIRED", not_before=past,
                            not_after=past + timedelta(days=30))
    unsigned = pdf.render_summary_pdf("合同", "HT5", [])
    with pytest.raises(CredentialUnavailable):
        signing.seal_pdf(db_session, seal.owner_code, unsigned)
    # Signed anyway (bypassing the portal's refusal), with a real timestamp: judged at that time.
    data = _sign_bypassing_checks(db_session, ca.load_credential(db_session, seal.credential_id), unsigned)
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
    assert result.status == "valid" and result.seal == "徐汇区民政局"
    # tampering inside the first (person's) revision breaks it even though the seal came later
    assert service.verify_pdf(db_session, flip_byte(both, len(summary) // 2)).status == "tampered"
