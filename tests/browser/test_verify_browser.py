"""The public verification page says valid for a sealed result and tampered for a modified copy."""
import hashlib

from playwright.sync_api import expect
from sqlalchemy.orm import Session

from app.services.seals import documents
from tests.services.seals.helpers import result_input


def _sealed_pdf(engine) -> bytes:
    with Session(engine) as s, s.begin():
        doc = documents.issue_result(s, result_input(number="XH20261127999001"))
        return documents.document_pdf(s, doc.id)


def test_verification_page_valid_then_tampered(page, engine, tmp_path):
    pdf = _sealed_pdf(engine)
    good = tmp_path / "result.pdf"
    good.write_bytes(pdf)
    i = len(pdf) // 3
    bad = tmp_path / "result-modified.pdf"
    bad.write_bytes(pdf[:i] + bytes([pdf[i] ^ 0x01]) + pdf[i + 1:])

    page.goto("/verify")
    page.get_by_label("PDF 文件").set_input_files(str(good))
    page.get_by_role("button", name="验证").click()
    result = page.locator("#verify-result")
    expect(result).to_contain_text("验证通过")
    expect(result.locator("[data-status=valid]")).to_contain_text("有效")  # a word, not the machine value
    expect(result).to_contain_text("区民政局")
    # The registry record the QR code opens is linked from the answer.
    result.get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text("临时救助申请")
    expect(page.locator("main")).to_contain_text(hashlib.sha256(pdf).hexdigest())

    page.goto("/verify")
    page.get_by_label("PDF 文件").set_input_files(str(bad))
    page.get_by_role("button", name="验证").click()
    expect(page.locator("#verify-result [data-status=tampered]")).to_contain_text("签署后被修改")
    expect(page.locator("#verify-result")).to_contain_text("验证未通过")
