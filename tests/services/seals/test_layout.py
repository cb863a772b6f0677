"""`layout` lays text out as fpdf2's `multi_cell` does: the same lines, and on the page the same text
in the same places and the same boxes (rendered both ways and compared)."""
from __future__ import annotations

import io
import random
import re

import pypdf
import pytest
from fpdf import FPDF

from app.services.seals import fonts, layout, pdf, stamp_image

from .helpers import result_input

STRING = rb"\((?:[^()\\]|\\.)*\)"
SHOWN_TEXT = re.compile(rb"(?:" + STRING + rb" ?Tj|\[(?:" + STRING + rb"|[^\](])*\] ?TJ)", re.S)  # Tj and TJ
WORDS = ["the", "applicant", "申请人", "材料齐全，符合法定形式", "x" * 40, "SHA-256", "a\n", "\n", "  ", "临时救助",
         "Lorem ipsum dolor sit amet,", "。", "\t", "\u3000", "Ünïcödé", "（办件编号 XH20261127000001）"]


def _texts(seed: int, count: int) -> list[str]:
    r = random.Random(seed)
    return ["".join(r.choice(WORDS) + r.choice(["", " "]) for _ in range(r.randint(0, 40))) for _ in range(count)]


@pytest.fixture
def page() -> FPDF:
    doc = FPDF(unit="mm", format="A4")
    doc.set_margins(22, 20, 22)
    fonts.attach_cjk_font(doc, WORDS)
    doc.add_page()
    return doc


@pytest.mark.parametrize("size,width", [(11, 111.0), (10, 55.0), (12, 0), (8, 80.0)])
def test_lines_are_fpdf2s_lines(page, size, width):
    page.set_font(fonts.FAMILY, size=size)
    for text in _texts(size, 150):
        ours = [line.text for line in layout.break_lines(page, width, text)] or [""]  # multi_cell: one empty line
        assert ours == page.multi_cell(width, 5, text, dry_run=True, output="LINES"), repr(text)


def _through_fpdf2(monkeypatch) -> None:
    monkeypatch.setattr(layout, "cell", lambda doc, w, h, text, **kw: doc.cell(w, h, text, **kw))
    monkeypatch.setattr(layout, "multi_cell", lambda doc, w, h, text, **kw: doc.multi_cell(w, h, text, **kw))
    monkeypatch.setattr(layout, "line_count", lambda doc, w, text: max(len(
        doc.multi_cell(w, 1, text, dry_run=True, output="LINES")), 1))


def _page_content(data: bytes) -> list[tuple]:
    """Per page: where each piece of text lands, and the drawing without the text (glyph ids are
    numbered in the order they are met, which a dry run of fpdf2's line breaker changes)."""
    out = []
    for number, page in enumerate(pypdf.PdfReader(io.BytesIO(data)).pages):
        placed: list[tuple] = []
        page.extract_text(visitor_text=lambda text, cm, tm, font, size: text.strip() and placed.append(
            (round(tm[4], 2), round(tm[5], 2), text.strip())))
        stream = page.get_contents().get_data()
        stream = re.sub(rb"q BT [0-9. ]+ Td [0-9. ]+ rg \(\) Tj ET Q\n", b"", stream)  # an empty text object
        out.append((number, placed, SHOWN_TEXT.sub(b"T", stream)))
    return out


def test_documents_are_laid_out_as_multi_cell_lays_them_out(monkeypatch):
    png = stamp_image.render_seal_png("区民政局测试用章")
    long_rows = [(label, value) for label, value in zip(_texts(1, 30), _texts(2, 30))]

    def render() -> list[bytes]:
        return [
            pdf.render_result_pdf(result_input(reasons=["符合临时救助条件", "家庭遭遇突发困难，" * 6]),
                                  document_id="ABCDEFGHJK2345678923", seal_png=png, seal_number="Y"),
            pdf.render_result_pdf(result_input(outcome="deny", applicant_name="买买提·艾力" * 8,
                                               reasons=_texts(3, 12)),
                                  document_id="ABCDEFGHJK2345678923", seal_png=None, seal_number=""),
            pdf.render_summary_pdf("临时救助申请", "XH1", long_rows, declaration=("本人承诺" * 30, "I declare " * 40)),
        ]

    ours = [_page_content(data) for data in render()]
    _through_fpdf2(monkeypatch)
    theirs = [_page_content(data) for data in render()]
    assert max(len(doc) for doc in ours) >= 2  # a second page is part of what is compared
    assert ours == theirs


def test_a_character_wider_than_the_line_is_refused_as_fpdf2_refuses_it(page):
    page.set_font(fonts.FAMILY, size=12)
    with pytest.raises(ValueError, match="horizontal space"):
        layout.break_lines(page, 2 * page.c_margin + 1, "临")
