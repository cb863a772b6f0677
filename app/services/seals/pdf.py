"""Result documents and application summaries as PDFs (fpdf2 + the embedded Noto CJK font)."""
from __future__ import annotations

import hashlib
import io
import threading
from datetime import date, datetime, timezone

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from PIL import Image

from app.core import clock
from app.core.clock import CHINA_TZ
from app.core.config import get_settings
from app.identity.validation import mask_id
from app.services.seals import layout, qr
from app.services.seals.fonts import FAMILY, attach_cjk_font, output
from app.services.seals.schemas import ResultDocumentInput

RED = (176, 20, 20)
INK = (20, 20, 20)
GREY = (110, 110, 110)

TYPE_TITLES = {
    "licence": ("准予行政许可决定书", "Licence"),
    "certificate": ("证明", "Certificate"),
    "decision": ("决定书", "Decision"),
    "notice": ("办理结果通知书", "Notice of result"),
}


def mask_id_number(value: str) -> str:
    """310104199606121013 → 310104********1013 (first 6, last 4)."""
    return mask_id((value or "").strip())


def verification_url(document_id: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/verify/documents/{document_id}"


def qr_image(url: str, scale: int = 6, border: int = 2) -> Image.Image:
    """The QR code as a 1-bit image (the pixels segno's PNG writer gives, without the PNG round trip:
    writing it in Python and fpdf2 decoding it again cost ≈ 3 ms a document)."""
    rows = qr.matrix(url)
    side = len(rows) + 2 * border
    quiet = b"\xff" * border
    modules = b"\xff" * (side * border) + b"".join(
        quiet + bytes(0 if dark else 255 for dark in row) + quiet for row in rows) + b"\xff" * (side * border)
    return Image.frombytes("L", (side, side), modules).convert("1").resize((side * scale, side * scale),
                                                                          Image.Resampling.NEAREST)


# The seal stamp is the same PNG on every document of a department: fpdf2 decodes and re-compresses
# it per document (≈ 5 ms), so keep what it parsed, by the digest fpdf2 itself names it with.
_PARSED_IMAGES: dict[str, dict] = {}
_PER_DOCUMENT_KEYS = ("i", "usages", "iccp_i", "obj_id", "rendered_width", "rendered_height")
_images_lock = threading.Lock()


def _cached_image(pdf: FPDF, png: bytes, **placement) -> None:
    """`pdf.image(png)` reusing the parsed image across documents (same bytes, same PDF objects)."""
    key = hashlib.md5(png.strip(), usedforsecurity=False).hexdigest()
    parsed = _PARSED_IMAGES.get(key)
    if parsed is not None and key not in pdf.image_cache.images:
        info = type(parsed["info"])(parsed["info"])
        info.update(i=len(pdf.image_cache.images) + 1, usages=0, iccp_i=None)
        pdf.image_cache.images[key] = info
    pdf.image(io.BytesIO(png), **placement)
    if parsed is None:
        info = pdf.image_cache.images.get(key)
        if info is not None and info.get("iccp") is None:
            with _images_lock:
                if len(_PARSED_IMAGES) > 256:
                    _PARSED_IMAGES.clear()
                _PARSED_IMAGES[key] = {"info": type(info)({k: v for k, v in info.items()
                                                           if k not in _PER_DOCUMENT_KEYS})}


def china_date(value: datetime | date | None) -> str:
    if value is None:
        value = clock.utc_now()
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(CHINA_TZ).date()
    return f"{value.year}年{value.month}月{value.day}日"


def _new_pdf(texts: list[str], title: str, author: str) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.set_margins(22, 20, 22)
    attach_cjk_font(pdf, texts + [title, author])
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("一网通办电子印章公共平台 / one-network portal e-seal platform")
    pdf.set_lang("zh-CN")
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, title: str, subtitle: str) -> None:
    pdf.set_text_color(*RED)
    pdf.set_font(FAMILY, size=20)
    layout.cell(pdf, 0, 12, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*GREY)
    pdf.set_font(FAMILY, size=10)
    layout.cell(pdf, 0, 6, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.6)
    y = pdf.get_y() + 2
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_y(y + 5)
    pdf.set_text_color(*INK)


def _rows(pdf: FPDF, rows: list[tuple[str, str]], label_w: float = 48) -> None:
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.2)
    value_w = pdf.w - pdf.l_margin - pdf.r_margin - label_w
    for label, value in rows:
        value = value or "—"
        # Measure the value first so the label cell can take the same height.
        pdf.set_font(FAMILY, size=11)
        h = layout.line_count(pdf, value_w, value) * 7
        pdf.set_font(FAMILY, size=10)
        pdf.set_fill_color(246, 242, 242)
        x, y = pdf.get_x(), pdf.get_y()
        if y + h > pdf.page_break_trigger:
            pdf.add_page()
            x, y = pdf.get_x(), pdf.get_y()
        layout.multi_cell(pdf, label_w, h, label, border=1, fill=True, new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.set_font(FAMILY, size=11)
        layout.multi_cell(pdf, value_w, 7, value, border=1, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_xy(x, y + h)


# How to challenge a denial: the Administrative Reconsideration Law (60 days) and the Administrative
# Litigation Law (6 months), both from the day the decision is received.
APPEAL_NOTICE = ("如对本决定不服，可自收到本决定书之日起六十日内依法申请行政复议，或者自收到之日起六个月内依法向人民法院"
                 "提起行政诉讼。If you disagree with this decision, you may apply for administrative reconsideration "
                 "within 60 days of receiving it, or bring an administrative lawsuit before a people's court within "
                 "6 months.")


def render_result_pdf(data: ResultDocumentInput, *, document_id: str, seal_png: bytes | None,
                      seal_number: str = "") -> bytes:
    """The result document: applicant (ID masked), decision, reasons, seal stamp and a verify QR code."""
    zh_type, en_type = TYPE_TITLES.get(data.result_type, TYPE_TITLES["decision"])
    if data.result_type == "licence" and data.licence_name and data.approved:
        title = data.licence_name
        subtitle = f"电子证照 / Electronic licence · {data.matter_name}"
    else:
        verdict = "准予" if data.approved else "不予"
        title = f"{data.matter_name}{zh_type}" if data.approved else f"{verdict}{data.matter_name}{zh_type}"
        subtitle = f"{en_type} · {data.department_name}"
    url = verification_url(document_id)
    date_text = china_date(data.decided_at)
    approved_text = "准予 / Approved" if data.approved else "不予 / Denied"
    body = (f"经审查，申请人{data.applicant_name}提出的“{data.matter_name}”申请（办件编号 {data.number}）"
            + ("符合规定条件，本机关决定予以办理。" if data.approved else "不符合规定条件，本机关决定不予办理。"))
    reasons = [r for r in (data.reasons or []) if r.strip()] or (
        ["材料齐全，符合法定形式"] if data.approved else ["不符合办理条件"])
    rows = [
        ("申请人 Applicant", data.applicant_name),
        ("证件号码 ID number", mask_id_number(data.applicant_id_number)),
        ("办理事项 Matter", f"{data.matter_name}（{data.matter_code}）"),
        ("办件编号 Application No.", data.number),
        ("办理结果 Outcome", approved_text),
    ]
    if data.licence_name and data.approved:
        rows.append(("证照名称 Licence", data.licence_name))
    if data.licence_number and data.approved:
        rows.append(("证照编号 Licence No.", data.licence_number))
    if data.valid_to and data.approved:
        rows.append(("有效期至 Valid until", china_date(data.valid_to)))
    rows.append(("决定日期 Date", date_text))
    if data.approved:
        if not data.licence_name:  # a licence says what it grants in its own rows
            rows.insert(5, ("准予事项 Granted", f"准予办理“{data.matter_name}”"))
            rows[6:6] = list(data.granted)  # the amount, the period, when and how it is paid
        notice = "本文书加盖电子印章，与纸质文书具有同等法律效力。"
    else:
        notice = APPEAL_NOTICE
    texts = [title, subtitle, body, notice, url, data.department_name, date_text, *reasons,
             *[t for row in rows for t in row], "决定理由 Reasons", "扫码核验 Scan to verify", document_id]
    pdf = _new_pdf(texts, title, data.department_name)
    pdf.set_subject(f"{data.number} {data.matter_code}")
    _heading(pdf, title, subtitle)

    pdf.set_font(FAMILY, size=10)
    pdf.set_text_color(*GREY)
    layout.cell(pdf, 0, 6, f"文书编号 Document No.：{document_id}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(2)
    pdf.set_font(FAMILY, size=12)
    layout.multi_cell(pdf, 0, 8, body, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    _rows(pdf, rows)
    pdf.ln(4)
    pdf.set_font(FAMILY, size=12)
    layout.cell(pdf, 0, 8, "决定理由 Reasons", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=11)
    for i, reason in enumerate(reasons, 1):
        layout.multi_cell(pdf, 0, 7, f"{i}. {reason}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font(FAMILY, size=9)
    pdf.set_text_color(*GREY)
    layout.multi_cell(pdf, 0, 6, notice, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)

    # Issuer block: the stamp above the authority's name and the date, never over any text; QR on the left.
    block_top = max(pdf.get_y() + 8, 190)
    if block_top + 66 > pdf.h - 20:
        pdf.add_page()
        block_top = pdf.get_y() + 10
    right_x = pdf.w - pdf.r_margin - 70
    if seal_png:
        _cached_image(pdf, seal_png, x=right_x + 15, y=block_top, w=40, h=40)
    pdf.set_xy(right_x, block_top + 42)
    pdf.set_font(FAMILY, size=12)
    layout.cell(pdf, 70, 8, data.department_name, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    layout.cell(pdf, 70, 8, date_text, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    if seal_number:
        pdf.set_font(FAMILY, size=8)
        pdf.set_text_color(*GREY)
        layout.cell(pdf, 70, 6, f"印章编码 Seal No. {seal_number}", align="C")
        pdf.set_text_color(*INK)
    pdf.image(qr_image(url), x=pdf.l_margin, y=block_top, w=34, h=34)
    pdf.set_xy(pdf.l_margin, block_top + 35)
    pdf.set_font(FAMILY, size=8)
    pdf.set_text_color(*GREY)
    layout.cell(pdf, 60, 5, "扫码核验 Scan to verify", new_x=XPos.LEFT, new_y=YPos.NEXT)
    layout.multi_cell(pdf, 80, 4, url, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return output(pdf)


def render_summary_pdf(title: str, number: str, rows: list[tuple[str, str]], *,
                       declaration: tuple[str, str] | None = None) -> bytes:
    """A summary of an application for the applicant to e-sign (申请信息确认单), with their declaration."""
    heading = title or "申请信息确认单"
    subtitle = f"申请信息确认单 Application summary · 办件编号 {number}"
    statement_zh, statement_en = declaration or ("", "")
    statement_zh = f"申请人承诺 Declaration：{statement_zh}"
    generated = f"生成时间 Generated：{clock.china_now():%Y-%m-%d %H:%M} (UTC+8)"
    pdf = _new_pdf([heading, subtitle, statement_zh, statement_en, generated, number,
                    *[t for r in rows for t in r]], heading, "一网通办 one-network portal")
    pdf.set_subject(number)
    _heading(pdf, heading, subtitle)
    _rows(pdf, [(str(k), str(v)) for k, v in rows], label_w=55)
    pdf.ln(6)
    if declaration:
        pdf.set_font(FAMILY, size=11)
        layout.multi_cell(pdf, 0, 7, statement_zh, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, size=10)
        layout.multi_cell(pdf, 0, 6, statement_en, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_text_color(*GREY)
    pdf.set_font(FAMILY, size=9)
    layout.cell(pdf, 0, 6, generated, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return output(pdf)


def render_notice_pdf(title: str, subtitle: str, rows: list[tuple[str, str]], closing: tuple[str, str]) -> bytes:
    """A notice to an applicant (e.g. the one-time correction notice 一次性告知书): rows and a closing line."""
    generated = f"出具时间 Issued：{clock.china_now():%Y-%m-%d %H:%M} (UTC+8)"
    pdf = _new_pdf([title, subtitle, *closing, generated, *[t for r in rows for t in r]], title,
                   "一网通办 one-network portal")
    _heading(pdf, title, subtitle)
    _rows(pdf, rows, label_w=55)
    pdf.ln(6)
    pdf.set_font(FAMILY, size=11)
    layout.multi_cell(pdf, 0, 7, closing[0], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=10)
    layout.multi_cell(pdf, 0, 6, closing[1], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_text_color(*GREY)
    pdf.set_font(FAMILY, size=9)
    layout.cell(pdf, 0, 6, generated, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return output(pdf)
