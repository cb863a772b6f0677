"""The bundled Noto Sans SC font (Simplified Chinese glyph forms, as mainland documents use),
parsed once per process and shared by every PDF.

fpdf2 parses the 8 MB OTF (≈ 0.2 s) per `add_font` and subsets the whole CFF (≈ 0.2 s) per
document; its CID-keyed CFF output also uses an embedded encoding CMap that pypdf cannot read
(extracted text comes out as "\\x00临\\x00时…"). So, once per machine (≈ 20 s, cached on disk),
the font is subset to the "common" characters — the whole CJK Unified Ideographs block (covers
GBK, i.e. nearly every name), ASCII, Latin-1, CJK punctuation, full-width forms — and converted
to TrueType outlines (cu2qu); fpdf2 then embeds it as Identity-H, which every reader extracts.
That font is parsed once per process (a prototype `TTFFont` whose metrics all documents share);
a document costs ≈ 0.03 s of font work. Text with a character outside that set (CJK Ext-A/B)
falls back to the original OTF for that document.
"""
from __future__ import annotations

import copy
import hashlib
import io
import os
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

import pylopdf_fonts_zh_cn
from fontTools import subset as ft_subset
from fontTools import ttLib
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont


FAMILY = "noto"
_CHARSET_VERSION = "uro-ttf-v1"
_lock = threading.Lock()


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    path = pylopdf_fonts_zh_cn.sans_path()
    if not path.exists():  # pragma: no cover - broken install
        raise RuntimeError(f"bundled CJK font missing: {path}")
    return path


def common_charset() -> set[int]:
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | set(range(0x2000, 0x2070))
    chars |= set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFEF)) | set(range(0x2460, 0x2500))
    chars |= {0x2116, 0x2103, 0x2605, 0x2606, 0x25CB, 0x25CF, 0x00D7, 0x00B7}
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes((hi, lo)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    chars |= set(range(0x4E00, 0xA000))  # CJK Unified Ideographs (everything GBK has)
    return chars


def _cache_dir() -> Path:
    # Outside the data directory on purpose: the derived font is the same for every database,
    # and a fresh data dir (tests, checks) should not pay the one-off build again.
    base = os.environ.get("PORTAL_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    for candidate in (Path(base) / "portal", Path(tempfile.gettempdir()) / "portal-cache"):
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            if os.access(candidate, os.W_OK):
                return candidate
        except OSError:
            continue
    raise RuntimeError("no writable cache directory for the font subset")


def _to_truetype(font: ttLib.TTFont) -> None:
    """Replace CFF outlines by quadratic TrueType ones (the fontTools otf2ttf recipe)."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = ttLib.newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = ttLib.newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    del font["CFF "]
    font.sfntVersion = "\x00\x01\x00\x00"
    font["head"].glyphDataFormat = 0


def _build_common_font(target: Path) -> None:
    font = ttLib.TTFont(str(cjk_font_path()), recalcTimestamp=False, lazy=True)
    options = ft_subset.Options(notdef_outline=True, recommended_glyphs=True, hinting=False, desubroutinize=True)
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "MATH", "VORG", "vhea", "vmtx"]
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=common_charset())
    subsetter.subset(font)
    _to_truetype(font)
    tmp = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    font.save(str(tmp))
    os.replace(tmp, target)  # atomic: a concurrent reader never sees half a file


@lru_cache(maxsize=1)
def common_font_path() -> Path:
    src = cjk_font_path()
    tag = hashlib.sha256(f"{src.name}:{src.stat().st_size}:{_CHARSET_VERSION}".encode()).hexdigest()[:12]
    target = _cache_dir() / f"noto-cjk-common-{tag}.ttf"
    if target.exists():
        return target
    lock_path = target.with_suffix(".lock")
    with open(lock_path, "w") as lock_file:
        try:
            import fcntl

            fcntl.flock(lock_file, fcntl.LOCK_EX)  # one builder per machine; the others wait
        except (ImportError, OSError):
            pass
        if not target.exists():
            _build_common_font(target)
    return target


class _Prototype:
    """A parsed font whose metrics are shared; each document gets a fresh subset state."""

    def __init__(self, path: Path):
        self.path = path
        self.data = path.read_bytes()
        holder = FPDF()
        holder.add_font(FAMILY, "", str(path))
        self.font: TTFFont = holder.fonts[FAMILY]
        self.cmap = frozenset(self.font.cmap)

    def attach(self, pdf: FPDF) -> None:
        proto = self.font
        memo = {id(proto.cw): proto.cw, id(proto.glyph_ids): proto.glyph_ids,
                id(proto.subset): None, id(proto.missing_glyphs): None}
        clone = copy.deepcopy(proto, memo)
        clone.i = len(pdf.fonts) + 1
        # fontTools' subsetter rewrites the TTFont in place, so every document needs its own.
        clone.ttfont = ttLib.TTFont(io.BytesIO(self.data), recalcTimestamp=False, lazy=True)
        clone.missing_glyphs = []
        clone.biggest_size_pt = 0
        clone.subset = SubsetMap(clone)
        pdf.fonts[FAMILY] = clone
        if clone.is_cff and clone.is_cid_keyed:
            pdf._set_min_pdf_version("1.6")


_prototypes: dict[str, _Prototype] = {}


def _prototype(kind: str) -> _Prototype:
    proto = _prototypes.get(kind)
    if proto is None:
        with _lock:
            proto = _prototypes.get(kind)
            if proto is None:
                proto = _Prototype(common_font_path() if kind == "common" else cjk_font_path())
                _prototypes[kind] = proto
    return proto


def warm_up() -> None:
    """Build/parse the common font now (seed, app start) instead of on the first document."""
    _prototype("common")


def warm_up_in_background() -> threading.Thread:
    """Start warm_up() in a daemon thread (for an app's startup hook)."""
    thread = threading.Thread(target=warm_up, name="cjk-font-warm-up", daemon=True)
    thread.start()
    return thread


def attach_cjk_font(pdf: FPDF, texts: list[str]) -> None:
    """Register the CJK font on `pdf` under FAMILY, the common subset when it covers `texts`."""
    proto = _prototype("common")
    missing = {ord(ch) for text in texts for ch in text if not ch.isspace()} - proto.cmap
    if missing and missing & _prototype("full").cmap:
        proto = _prototype("full")
    proto.attach(pdf)
