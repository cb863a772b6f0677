"""A decision document says who decided (in full), what was granted, how to appeal a denial, and
links to the server that made it; its number reads without doubt; the seal covers no text."""
from __future__ import annotations

import io
import re
from urllib.parse import unquote

import pypdf

from app.cli import _follow_port
from app.core.config import get_settings
from app.services.seals import documents
from tests.conftest import bearer
from tests.services.applications.helpers import accept, apply, decide

from .helpers import result_input


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages).replace(" ", "").replace("\n", "")


def test_approved_result_names_the_authority_in_full_and_links_to_this_server(client, monkeypatch):
    settings = get_settings()
    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    monkeypatch.setattr(settings, "base_url", settings.base_url)
    _follow_port("127.0.0.1", 8765)  # as `portal serve --port 8765` does
    young, civil = bearer(client, "citizen-young"), bearer(client, "reviewer-civil")
    number = apply(client, young, "temporary-assistance")["number"]
    accept(client, civil, number)
    assert decide(client, civil, number, "approve", ["经核实，符合条件"]).status_code == 200
    r = client.get(f"/api/v1/applications/{number}/result.pdf", headers=young)
    assert r.status_code == 200
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment")
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"临时救助申请决定书-{number}.pdf"
    text = _text(r.content)
    assert "徐汇区民政局" in text
    assert "127.0.0.1:8765/verify/documents/" in text
    assert "准予事项" in text and "准予办理“临时救助申请”" in text


def test_a_wildcard_host_is_reached_on_the_loopback(monkeypatch):
    settings = get_settings()
    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    monkeypatch.setattr(settings, "base_url", settings.base_url)
    _follow_port("0.0.0.0", 9001)
    assert settings.base_url == "http://127.0.0.1:9001"


def test_base_url_set_by_the_operator_is_kept(monkeypatch):
    settings = get_settings()
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.gov.cn")
    monkeypatch.setattr(settings, "base_url", "https://portal.example.gov.cn")
    _follow_port("0.0.0.0", 9000)
    assert settings.base_url == "https://portal.example.gov.cn"


def test_denial_says_how_to_appeal_and_within_what_time(db_session):
    doc = documents.issue_result(db_session, result_input(outcome="deny", department_name="徐汇区民政局",
                                                          reasons=["家庭收入超过救助标准"]))
    text = _text(documents.document_pdf(db_session, doc.id))
    assert "六十日内依法申请行政复议" in text and "六个月内依法向人民法院提起行政诉讼" in text
    assert "徐汇区民政局" in text and "准予事项" not in text


def test_document_numbers_use_an_unambiguous_alphabet():
    ids = {documents.new_document_id() for _ in range(300)}
    assert len(ids) == 300
    assert all(re.fullmatch(r"[2-9A-HJKMNP-Z]{20}", i) for i in ids)


def test_the_seal_covers_no_text(db_session):
    doc = documents.issue_result(db_session, result_input())
    page = pypdf.PdfReader(io.BytesIO(documents.document_pdf(db_session, doc.id))).pages[0]
    boxes = []  # (x0, y0, x1, y1) of each image drawn, from the `cm` before its `Do`
    ctm = None

    def before(op, args, cm, tm):
        nonlocal ctm
        if op == b"Do":
            a, _b, _c, d, e, f = cm
            boxes.append((e, f, e + a, f + d))

    texts = []

    def on_text(text, cm, tm, font, size):
        if text.strip():
            x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
            texts.append((text.strip(), x, y))

    page.extract_text(visitor_operand_before=before, visitor_text=on_text)
    seal = max(boxes, key=lambda b: b[0])  # the stamp is the right-hand image, the QR code the left
    covered = [t for t, x, y in texts if seal[0] <= x <= seal[2] and seal[1] <= y <= seal[3]]
    assert covered == []
    assert any("区民政局" in t for t, _x, y in texts if y < seal[1]), "the authority's name is printed below the stamp"
