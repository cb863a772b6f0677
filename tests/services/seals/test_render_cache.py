"""What rendering caches across documents changes nothing in the PDF: the font cut to the document's
glyphs embeds the same font fpdf2 would subset from the whole one, and the parsed seal image gives
the same bytes as parsing it afresh."""
from __future__ import annotations

import io
import re

import pypdf

from app.services.seals import fonts, pdf, stamp_image

from .helpers import result_input

STAMPS = re.compile(rb"/CreationDate \(D:[^)]*\)|/ID \[[^\]]*\]")


def _font_and_text(data: bytes) -> tuple[bytes, str]:
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    (font,) = [f.get_object() for f in page["/Resources"]["/Font"].values()]
    descendant = font["/DescendantFonts"][0].get_object()
    return descendant["/FontDescriptor"].get_object()["/FontFile2"].get_object().get_data(), page.extract_text()


def test_cut_font_embeds_what_fpdf2_subsets_from_the_whole_font(monkeypatch):
    data = result_input(applicant_name="欧阳娜娜", reasons=["符合条件 Qualifies: 65+", "户籍满1年"])
    ours = pdf.render_result_pdf(data, document_id="ABCDEFGHJK2345678923", seal_png=None, seal_number="YZ1")
    monkeypatch.setattr(pdf, "output", lambda doc: bytes(doc.output()))  # fpdf2's own subsetting
    theirs = pdf.render_result_pdf(data, document_id="ABCDEFGHJK2345678923", seal_png=None, seal_number="YZ1")
    (our_font, our_text), (their_font, their_text) = _font_and_text(ours), _font_and_text(theirs)
    assert our_font == their_font and our_text == their_text and "欧阳娜娜" in our_text
    assert STAMPS.sub(b"", ours) == STAMPS.sub(b"", theirs)


def test_cut_font_holds_only_the_documents_glyphs():
    store = fonts._prototype("common").store
    small = store.font_for([store.order[10], store.order[15]])
    assert len(small.getGlyphOrder()) == 6  # the first four (as fpdf2 keeps them) and the two asked for
    assert small.getGlyphOrder()[:4] == store.order[:4]


def test_seal_image_parsed_once_gives_the_same_pdf():
    png = stamp_image.render_seal_png("区民政局测试用章")
    pdf._PARSED_IMAGES.clear()
    first = pdf.render_result_pdf(result_input(), document_id="ABCDEFGHJK2345678923", seal_png=png, seal_number="Y")
    assert len(pdf._PARSED_IMAGES) == 1
    second = pdf.render_result_pdf(result_input(), document_id="ABCDEFGHJK2345678923", seal_png=png, seal_number="Y")
    assert STAMPS.sub(b"", first) == STAMPS.sub(b"", second)
    assert len(pypdf.PdfReader(io.BytesIO(second)).pages[0].images) == 2  # the stamp and the QR code
