"""What rendering caches across documents changes nothing in the PDF: the font cut to the document's
glyphs embeds the same font fpdf2 would subset from the whole one, and the parsed seal image gives
the same bytes as parsing it afresh."""
from __future__ import annotations

import io
import random
import re

import pypdf
import pytest
from fontTools import ttLib

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
    (our_objects, our_map), (their_objects, their_map) = _objects(ours), _objects(theirs)
    assert our_objects == their_objects  # every object, streams decoded, but the CIDToGIDMap
    # the map: fpdf2's for all 65,536 CIDs, ours up to the last one used — the same mapping
    assert their_map[:len(our_map)] == our_map and not any(their_map[len(our_map):])
    assert len(our_map) > 40 and any(our_map)


def _plain(value):
    """A PDF value comparable across readers (a reference as its object number)."""
    if isinstance(value, pypdf.generic.IndirectObject):
        return ("ref", value.idnum)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _objects(data: bytes) -> tuple[list, bytes]:
    """Every object of a PDF (a stream as its dictionary, without its length and filter, and its
    decoded data), the document info without its creation date; and the CIDToGIDMap's data apart."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    cid_map = None
    objects = []
    for number in range(1, reader.trailer["/Size"]):
        obj = reader.get_object(number)
        if isinstance(obj, pypdf.generic.StreamObject):
            entries = {k: _plain(v) for k, v in obj.items() if k not in ("/Length", "/Filter")}
            objects.append((entries, obj.get_data()))
        elif isinstance(obj, pypdf.generic.DictionaryObject):
            objects.append({k: _plain(v) for k, v in obj.items() if k not in ("/CreationDate", "/CIDToGIDMap")})
            if "/CIDToGIDMap" in obj:
                cid_map = obj["/CIDToGIDMap"].get_object().get_data()
        else:
            objects.append(_plain(obj))
    objects = [o for o in objects if not (isinstance(o, tuple) and o[1] == cid_map)]
    return objects, cid_map


def test_cut_font_holds_only_the_documents_glyphs():
    store = fonts._prototype("common").store
    small = store.font_for([store.order[10], store.order[15]])
    assert len(small.getGlyphOrder()) == 6  # the first four (as fpdf2 keeps them) and the two asked for
    assert small.getGlyphOrder()[:4] == store.order[:4]


@pytest.mark.parametrize("count", [2, 150, 3000])  # 3000 glyphs: past 128 KB, the long loca format
def test_font_built_directly_is_what_the_subsetter_makes_of_any_glyph_set(count):
    store = fonts._prototype("common").store
    names = random.Random(count).sample(store.order[4:], count)
    ours, order = store.font_bytes(names)
    assert ours == fonts.fpdf2_subset(store.font_for(names), names)
    assert len(order) == len(set(names) | set(store.order[:4]))


def test_font_built_directly_sets_the_code_page_ranges_the_subsetter_sets():
    """ASCII with the Latin-1 marks (Þ, é …), CJK with the Simplified Chinese one (ㄅ): bits that depend on
    which characters are present."""
    store = fonts._prototype("common").store
    by_code = {code: name for _, codes in store.cmaps for name, cs in codes.items() for code in cs}
    text = "".join(map(chr, range(0x20, 0x7F))) + "Þé½√‰ㄅ临时救助"
    names = sorted({by_code[ord(ch)] for ch in text if ord(ch) in by_code}, key=store.gid.get)
    ours, _ = store.font_bytes(names)
    assert ours == fonts.fpdf2_subset(store.font_for(names), names)
    os2 = ttLib.TTFont(io.BytesIO(ours))["OS/2"]
    assert os2.ulCodePageRange1 & 1  # Latin 1: present, so kept


def test_seal_image_parsed_once_gives_the_same_pdf():
    png = stamp_image.render_seal_png("区民政局测试用章")
    pdf._PARSED_IMAGES.clear()
    first = pdf.render_result_pdf(result_input(), document_id="ABCDEFGHJK2345678923", seal_png=png, seal_number="Y")
    assert len(pdf._PARSED_IMAGES) == 1
    second = pdf.render_result_pdf(result_input(), document_id="ABCDEFGHJK2345678923", seal_png=png, seal_number="Y")
    assert STAMPS.sub(b"", first) == STAMPS.sub(b"", second)
    assert len(pypdf.PdfReader(io.BytesIO(second)).pages[0].images) == 2  # the stamp and the QR code


def _placed_text(data: bytes) -> list[tuple[float, float, str]]:
    """Every piece of text on the first page with where it starts (x, y in points)."""
    placed: list[tuple[float, float, str]] = []
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    page.extract_text(visitor_text=lambda text, cm, tm, font, size: text.strip() and placed.append(
        (round(tm[4], 2), round(tm[5], 2), text.strip())))
    return placed


def test_a_row_is_as_tall_as_its_wrapped_value():
    """The value is measured in the size it is written in (11 pt): the next row starts below its last line."""
    long_value = "很长的困难情况说明，" * 12
    placed = _placed_text(pdf.render_summary_pdf("临时救助申请", "XH1", [("困难情况", long_value), ("下一行", "值")]))
    value_lines = [y for x, y, text in placed if "很长" in text or "说明" in text]
    (next_label,) = [y for x, y, text in placed if text == "下一行"]
    assert len(value_lines) >= 3 and min(value_lines) > next_label + 10  # ≥ 10 pt above the next row's text
