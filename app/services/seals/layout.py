"""Text laid out in lines the way fpdf2's `multi_cell` lays it out, at a fraction of its cost.

fpdf2's line breaker measures the line anew, character by character, for every character it adds:
a paragraph costs the square of its length (≈ 60 % of an application summary's rendering went
there). Here the same rules are applied in one pass, with widths counted as integers in the font's
units (its own `cw` table): "\\n" ends a line; a line that would overflow breaks at its last breaking
space (the space dropped, the line justified) or, with none, before the character that overflows
(the line left-aligned, as are the last line and a line ended by "\\n"). Each line is then drawn by
fpdf2's own line renderer, as `multi_cell` draws it, so the page is the same (a test lays texts out
both ways and compares where every piece of text lands).

Anything this does not do — soft hyphens, no-break spaces, text shaping, fallback fonts, letter
spacing, a framed box that runs over a page break — goes to fpdf2's `multi_cell` as it is.
"""
from __future__ import annotations

from typing import NamedTuple

from fpdf import FPDF
from fpdf.enums import Align, CharVPos, TextMode, XPos, YPos
from fpdf.line_break import BREAKING_SPACE_SYMBOLS_STR, TextLine
from fpdf.table import draw_box_borders

TOLERANCE = 1e-9  # fpdf2's FloatTolerance: a line overflows when it is wider by more than this
_UNHANDLED = "\u00ad\u00a0\f"  # soft hyphen, no-break space, form feed: fpdf2 treats them specially


class Line(NamedTuple):
    text: str
    units: int      # width in the font's units (1/1000 of the font size)
    spaces: int     # breaking spaces, for justification
    justify: bool   # broken at a space (not the last line, not ended by "\n", not cut mid-word)
    trailing_nl: bool


def _width(pdf: FPDF, units: int) -> float:
    """A width in font units in document units at the current font size, computed as fpdf2 does."""
    return units * pdf.font_size_pt * 0.001 / pdf.k


def break_lines(pdf: FPDF, w: float, text: str) -> list[Line]:
    """The lines `pdf.multi_cell(w, …, text)` makes of `text` in the current font (w = 0: to the right
    margin); [] for an empty text."""
    if w == 0:
        w = pdf.w - pdf.r_margin - pdf.x
    max_width = w - 2 * pdf.c_margin
    cw, size, k = pdf.current_font.cw, pdf.font_size_pt * 0.001, pdf.k
    lines: list[Line] = []
    start = 0           # index in text of the line's first character
    units = spaces = 0
    hint = None         # the line's last breaking space: (its index, units and spaces before it)
    last_forced = None  # guards against a character wider than the whole line
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            lines.append(Line(text[start:i], units, spaces, False, True))
            i += 1
            start, units, spaces, hint = i, 0, 0, None
            continue
        ch_units = cw[ord(ch)]
        if units * size / k + ch_units * size / k - max_width > TOLERANCE:
            if ch in BREAKING_SPACE_SYMBOLS_STR:  # the overflowing space itself is dropped
                lines.append(Line(text[start:i], units, spaces, True, False))
                i += 1
            elif hint is not None:
                at, hint_units, hint_spaces = hint
                lines.append(Line(text[start:at], hint_units, hint_spaces, True, False))
                i = at + 1
            else:
                if last_forced == i:
                    raise ValueError("Not enough horizontal space to render a single character")
                last_forced = i
                lines.append(Line(text[start:i], units, spaces, False, False))
            start, units, spaces, hint = i, 0, 0, None
            continue
        if ch in BREAKING_SPACE_SYMBOLS_STR:
            hint = (i, units, spaces)
            spaces += 1
        units += ch_units
        i += 1
    if units:  # as fpdf2: a rest of zero width makes no line
        lines.append(Line(text[start:], units, spaces, False, False))
    return lines


def _handled(pdf: FPDF, text: str) -> bool:
    return (pdf.is_ttf_font and not pdf.text_shaping and not pdf._fallback_font_ids
            and not pdf.char_spacing and pdf.font_stretching == 100
            and not any(ch in text for ch in _UNHANDLED)
            and not (pdf.str_alias_nb_pages and pdf.str_alias_nb_pages in text))


_PLAIN_X = (XPos.LEFT, XPos.RIGHT, XPos.LMARGIN)


def _plain(pdf: FPDF, new_x: XPos, new_y: YPos) -> bool:
    """Whether fpdf2's line renderer would draw a line not justified as `_draw_plain` draws it: no
    underline, strike-through, text mode, raised text or link areas."""
    return (not pdf.underline and not pdf.strikethrough
            and pdf.text_mode == TextMode.FILL and pdf.char_vpos == CharVPos.LINE
            and not pdf._record_text_quad_points and not pdf.current_font.color_font
            and new_y in (YPos.NEXT, YPos.TOP, YPos.LAST))


def _draw_plain(pdf: FPDF, line: Line, w: float, h: float, align: Align, new_x: XPos, new_y: YPos) -> bool:
    """A line as `FPDF._render_styled_text_line` draws a plain one (see `_plain`) — the same content
    stream operators, positions and moves — without building its fragments and graphics states
    (a quarter of the cost). True when it started a new page."""
    page_break = pdf._perform_page_break_if_need_be(h)
    if line.text:
        if not pdf.current_font_is_set_on_page:  # a new page: the renderer sets the font first
            pdf._out(pdf._set_font_for_page(pdf.current_font, pdf.font_size_pt))
        width = _width(pdf, line.units)
        dx = (w - pdf.c_margin - width if align == Align.R else (w - width) / 2 if align == Align.C
              else pdf.c_margin)
        pick = pdf.current_font.subset.pick
        glyphs = "".join(chr(code) for code in map(pick, map(ord, line.text)) if code)
        colour = "" if pdf.text_color == pdf.fill_color else f" {pdf.text_color.serialize().lower()}"
        k = pdf.k
        text = (f"BT {(pdf.x + dx) * k:.2f} {(pdf.h - pdf.y - 0.5 * h - 0.3 * pdf.font_size) * k:.2f} Td{colour}"
                f" ({pdf.current_font.escape_text(glyphs)}) Tj ET")
        pdf._out(f"q {text} Q" if colour else text)
    pdf._lasth = h
    if new_x == XPos.RIGHT:
        pdf.x += w
    elif new_x == XPos.LMARGIN:
        pdf.x = pdf.l_margin
    if new_y == YPos.NEXT:
        pdf.y += h
    return page_break


def cell(pdf: FPDF, w: float, h: float, text: str, *, align: str = "L", new_x: XPos = XPos.RIGHT,
         new_y: YPos = YPos.TOP) -> None:
    """`pdf.cell(w, h, text, align=…, new_x=…, new_y=…)` — one line, never wrapped, no border —
    drawn as fpdf2 draws it (by `_draw_plain` when it can)."""
    text = pdf.normalize_text(text)
    align = Align.coerce(align)
    if not (_handled(pdf, text) and _plain(pdf, new_x, new_y) and align in (Align.L, Align.R, Align.C)
            and new_x in _PLAIN_X):
        pdf.cell(w, h, text, align=align, new_x=new_x, new_y=new_y)
        return
    if w == 0:
        w = pdf.w - pdf.r_margin - pdf.x
    cw = pdf.current_font.cw
    _draw_plain(pdf, Line(text, sum(cw[ord(ch)] for ch in text), 0, False, False), w, h, align, new_x, new_y)


def line_count(pdf: FPDF, w: float, text: str) -> int:
    """How many lines `multi_cell(w, …, text)` draws (at least one)."""
    if not _handled(pdf, text):
        return max(len(pdf.multi_cell(w, 1, text, dry_run=True, output="LINES")), 1)
    return max(len(break_lines(pdf, w, text)), 1)


def multi_cell(pdf: FPDF, w: float, h: float, text: str, *, border: int | str = 0, fill: bool = False,
               align: str = "J", new_x: XPos = XPos.RIGHT, new_y: YPos = YPos.NEXT) -> None:
    """`pdf.multi_cell(w, h, text, border=…, fill=…, align=…, new_x=…, new_y=…)`, drawn the same."""
    text = pdf.normalize_text(text).replace("\r", "")
    if not _handled(pdf, text):
        pdf.multi_cell(w, h, text, border=border, fill=fill, align=align, new_x=new_x, new_y=new_y)
        return
    if w == 0:
        w = pdf.w - pdf.r_margin - pdf.x
    align = Align.coerce(align)
    lines = break_lines(pdf, w, text) or [Line("", 0, 0, False, False)]
    if border or fill:  # one box around all the lines, drawn before the first, as fpdf2 does
        if pdf.y + len(lines) * h > pdf.page_break_trigger:  # a page break: fpdf2 splits the box
            pdf.multi_cell(w, h, text, border=border, fill=fill, align=align, new_x=new_x, new_y=new_y)
            return
        draw_box_borders(pdf, pdf.x, pdf.y, pdf.x + w, pdf.y + len(lines) * h, border,
                         pdf.fill_color if fill else None)
    top, page_break = pdf.y, False
    plain = _plain(pdf, new_x, new_y)
    last = len(lines) - 1
    for index, line in enumerate(lines):
        line_align = align if line.justify or align != Align.J else Align.L
        line_x, line_y = (new_x, new_y) if index == last else (XPos.LEFT, YPos.NEXT)
        if plain and line_align in (Align.L, Align.R, Align.C) and line_x in _PLAIN_X:
            page_break |= _draw_plain(pdf, line, w, h, line_align, line_x, line_y)
            continue
        page_break |= pdf._render_styled_text_line(
            TextLine(pdf._preload_font_styles(line.text, False), text_width=_width(pdf, line.units),
                     number_of_spaces=line.spaces, align=line_align, height=h, max_width=w,
                     trailing_nl=line.trailing_nl),
            h=h, new_x=line_x, new_y=line_y)
    if lines[last].trailing_nl and new_y in (YPos.LAST, YPos.NEXT):
        pdf.ln()  # as multi_cell: its line renderer leaves a trailing "\n" out
    if new_y == YPos.TOP and not page_break:  # as multi_cell: back to the top of the block
        pdf.y = top
