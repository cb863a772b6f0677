"""Result PDFs: extractable Chinese, masked ID, QR to the verification URL; registry; key storage."""
from __future__ import annotations

import hashlib
import io

import pypdf
import pytest
import zxingcpp
from fontTools import ttLib
from PIL import Image
from sqlalchemy import select

from app.core import blobs
from app.core.config import get_settings
from app.services.seals import ca, documents, keys, pdf
from app.services.seals.models import SealCredential

from .helpers import result_input


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_result_pdf_text_is_extractable_chinese_with_masked_id(db_session):
    doc = documents.issue_result(db_session, result_input(reasons=["符合临时救助条件", "家庭遭遇突发困难"]))
    text = _text(documents.document_pdf(db_session, doc.id))
    for expected in ("临时救助申请决定书", "李明", "310104********1013", "符合临时救助条件",
                     "家庭遭遇突发困难", "XH20261127000001", "区民政局", "2026年11月27日", doc.id):
        assert expected in text, expected
    assert "310104199606121013" not in text


def test_denial_reads_as_denial(db_session):
    doc = documents.issue_result(db_session, result_input(outcome="deny", reasons=["不符合临时救助条件"]))
    text = _text(documents.document_pdf(db_session, doc.id))
    assert "不予临时救助申请决定书" in text and "不符合临时救助条件" in text and "行政复议" in text


def test_qr_code_decodes_to_verification_url(db_session):
    doc = documents.issue_result(db_session, result_input())
    page = pypdf.PdfReader(io.BytesIO(documents.document_pdf(db_session, doc.id))).pages[0]
    decoded = []
    for image in page.images:
        img = Image.open(io.BytesIO(image.data)).convert("L")
        decoded += [r.text for r in zxingcpp.read_barcodes(img)]
    assert f"{get_settings().base_url}/verify/documents/{doc.id}" in decoded
    assert len(page.images) >= 2, "the QR code and the seal stamp are both on the page"


def test_registry_record_matches_stored_blob(db_session):
    doc = documents.issue_result(db_session, result_input())
    content = blobs.get(db_session, doc.blob_sha256).content
    assert hashlib.sha256(content).hexdigest() == doc.sha256 and doc.size == len(content)
    assert content.startswith(b"%PDF")
    assert documents.documents_for_application(db_session, "XH20261127000001")[0].id == doc.id


def _embedded_fonts(data: bytes) -> list[tuple[str, str, bytes]]:
    """(BaseFont, /FontFile key, font program) of every font on the first page."""
    found = []
    for font in pypdf.PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        for descendant in font.get("/DescendantFonts", []):
            descriptor = descendant.get_object()["/FontDescriptor"].get_object()
            key = next(k for k in descriptor if k.startswith("/FontFile"))
            found.append((str(font["/BaseFont"]), key, descriptor[key].get_object().get_data()))
    return found


def test_documents_embed_the_simplified_chinese_font(db_session):
    doc = documents.issue_result(db_session, result_input())
    [(base_font, key, program)] = _embedded_fonts(documents.document_pdf(db_session, doc.id))
    assert base_font.endswith("+NotoSansSC") and key == "/FontFile2"
    names = ttLib.TTFont(io.BytesIO(program))["name"]
    # Simplified Chinese glyph forms (mainland GB 18030 conventions), not the TC/HK/JP variant
    assert (names.getDebugName(1), names.getDebugName(6)) == ("Noto Sans SC", "NotoSansSC-Regular")


def test_rare_characters_fall_back_to_full_font(db_session):
    data = pdf.render_summary_pdf("测试", "XH9", [("姓名", "王㛃")])  # U+36C3, CJK Extension A
    [(base_font, key, program)] = _embedded_fonts(data)
    # the whole SC font (CFF, FontFile3) instead of the common TrueType subset, and the name survives
    assert base_font.endswith("+NotoSansSC") and key == "/FontFile3"
    assert "王㛃" in _text(data).replace("\x00", "")


def test_summary_pdf_rows(db_session):
    text = _text(pdf.render_summary_pdf("临时救助申请", "XH5", [("申请人", "李明"), ("困难情况", "突发疾病")]))
    assert "临时救助申请" in text and "XH5" in text and "突发疾病" in text


def test_private_keys_are_encrypted_at_rest(db_session):
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    rows = db_session.scalars(select(SealCredential)).all()
    assert rows, "the seed created the platform CA and department seals"
    secret = get_settings().secret_key
    held = [row for row in rows if row.key_encrypted]  # the root's key is not in the database at all
    assert len(held) == len(rows) - 1
    for row in held:
        assert b"PRIVATE KEY" not in row.key_encrypted
        with pytest.raises(TypeError, match="encrypted"):  # it needs a password
            serialization.load_der_private_key(row.key_encrypted, password=None)
    key = keys.decrypt_key(held[0].key_encrypted, secret)
    cert = x509.load_der_x509_certificate(held[0].cert_der)
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()  # the row's own key
    with pytest.raises(ValueError):  # a wrong secret does not decrypt the key
        keys.decrypt_key(held[0].key_encrypted, secret + "-wrong")


def test_keys_are_loaded_once_per_process(db_session):
    platform = ca.ensure_platform(db_session)
    again = ca.ensure_platform(db_session)
    assert platform.issuing is again.issuing  # same cached object, not decrypted again
    row = db_session.scalar(select(SealCredential).where(SealCredential.serial == platform.issuing.serial))
    assert ca.load_credential(db_session, row.id) is platform.issuing


def test_mask_id_number():
    assert pdf.mask_id_number("310104199606121013") == "310104********1013"
    assert pdf.mask_id_number("91310104MA1FL0001Q") == "913101********001Q"
