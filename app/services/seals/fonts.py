"""The bundled Noto Sans SC font (Simplified Chinese glyph forms, as mainland documents use),
parsed once per process and shared by every PDF.

fpdf2 parses the 8 MB OTF (≈ 0.2 s) per `add_font` and subsets the whole CFF (≈ 0.2 s) per
document; its CID-keyed CFF output also uses an embedded encoding CMap that pypdf cannot read
(extracted text comes out as "\\x00临\\x00时…"). So, once per machine (≈ 20 s, cached on disk),
the font is subset to the "common" characters — the whole CJK Unified Ideographs block (covers
GBK, i.e. nearly every name), ASCII, Latin-1, CJK punctuation, full-width forms — and converted
to TrueType outlines (cu2qu); fpdf2 then embeds it as Identity-H, which every reader extracts.
That font is parsed once per process (a prototype `TTFFont` whose metrics all documents share);
a document costs ≈ 1 ms of font work (its font file assembled from the glyphs it uses, `font_bytes`,
and embedded by `_Producer`). Text with a character outside that set (CJK Ext-A/B) falls back to the
original OTF for that document.
"""
from __future__ import annotations

import array
import copy
import hashlib
import io
import os
import struct
import sys
import tempfile
import threading
from collections import defaultdict
from functools import lru_cache
from itertools import accumulate
from pathlib import Path

import pylopdf_fonts_zh_cn
from fontTools import subset as ft_subset
from fontTools import ttLib
from fontTools.ttLib.ttFont import sortedTagList
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable
from fontTools.ttLib.tables._g_l_y_f import Glyph as TTGlyph
from fontTools.ttLib.tables.O_S_2f_2 import calcCodePageRanges, intersectUnicodeRanges
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.output import LOGGER as FPDF_OUTPUT_LOG
from fpdf.output import CIDSystemInfo, OutputProducer, PDFFont, PDFFontStream, _build_cmap_blocks, _tt_font_widths
from fpdf.syntax import Name, PDFArray, PDFContentStream


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


class _GlyphStore:
    """A TrueType font's raw glyph data, metrics and cmap parsed once, to cut per-document fonts from.

    Only for fonts whose glyphs are all simple (no components), as the common font is (its outlines
    were drawn from CFF, which has none): a glyph's bytes then stand alone.
    """

    _SMALL_TABLES = ("head", "hhea", "maxp", "OS/2", "name", "BASE")
    _FIXED = ("BASE", "name", "post")

    def __init__(self, data: bytes):
        font = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
        self.order = font.getGlyphOrder()
        self.gid = {name: i for i, name in enumerate(self.order)}
        offsets = list(font["loca"])
        glyf = font.reader["glyf"]
        self.glyphs = [glyf[offsets[i]:offsets[i + 1]] for i in range(len(self.order))]
        # Per glyph: contours, bounding box and points, read from its header; what fontTools would
        # recompute (expanding and recompiling every glyph) for head, maxp and hhea is summed below.
        self.bounds: list[tuple[int, int, int, int, int, int]] = []
        for g in self.glyphs:
            if len(g) < 10:
                self.bounds.append((0, 0, 0, 0, 0, 0))
                continue
            contours, x_min, y_min, x_max, y_max = struct.unpack(">hhhhh", g[:10])
            if contours < 0:
                raise ValueError("composite glyphs: not cut by _GlyphStore")
            points = int.from_bytes(g[8 + 2 * contours:10 + 2 * contours], "big") + 1 if contours else 0
            self.bounds.append((contours, x_min, y_min, x_max, y_max, points))
        self.metrics = dict(font["hmtx"].metrics)
        self.gid_metrics = [self.metrics[name] for name in self.order]
        # Per glyph with an outline, what _bounds sums up: its header's figures, then its left and
        # right side bearings, its extent and whether its left side bearing is its xMin.
        self.extents = [None if not b[0] else (*b, lsb, adv - lsb - (b[3] - b[1]), lsb + b[3] - b[1], lsb == b[1])
                        for b, (adv, lsb) in zip(self.bounds, self.gid_metrics)]
        self.raw_tables = {tag: font.reader[tag] for tag in self._SMALL_TABLES if tag in font.reader}
        post = font["post"]
        self.post = {k: v for k, v in vars(post).items() if k not in ("extraNames", "mapping", "glyphOrder", "data")}
        self.cmaps = []  # per subtable: its header and glyph name → code points
        for sub in font["cmap"].tables:
            codes: dict[str, list[int]] = defaultdict(list)
            for code, name in sub.cmap.items():
                codes[name].append(code)
            self.cmaps.append(((sub.format, sub.platformID, sub.platEncID, sub.language), dict(codes)))
        font.close()
        self._trimmed_gids: set[int] = set()
        self._fixed: dict[str, bytes] | None = None

    def font_for(self, names: list[str]) -> ttLib.TTFont:
        """A TTFont of the first four glyphs and `names`, in the original glyph order."""
        keep = sorted({0, 1, 2, 3} | {self.gid[n] for n in names})
        order = [self.order[i] for i in keep]
        font = ttLib.TTFont(recalcTimestamp=False)
        font.setGlyphOrder(order)
        for tag, raw in self.raw_tables.items():
            table = ttLib.newTable(tag)
            table.decompile(raw, font)
            font[tag] = table
        glyf = ttLib.newTable("glyf")
        glyf.glyphOrder = order
        glyf.glyphs = {order[j]: TTGlyph(self.glyphs[i]) for j, i in enumerate(keep)}
        font["glyf"] = glyf
        font["loca"] = ttLib.newTable("loca")
        hmtx = ttLib.newTable("hmtx")
        hmtx.metrics = {name: self.metrics[name] for name in order}
        font["hmtx"] = hmtx
        font["cmap"] = self._cmap(order)
        post = ttLib.newTable("post")
        vars(post).update(self.post)
        post.extraNames, post.mapping = [], {}
        font["post"] = post
        self._set_bounds(font, keep, order)
        return font

    def _cmap(self, order: list[str]):
        cmap = ttLib.newTable("cmap")
        cmap.tableVersion = 0
        cmap.tables = []
        for (fmt, platform, encoding, language), codes in self.cmaps:
            sub = CmapSubtable.newSubtable(fmt)
            sub.platformID, sub.platEncID, sub.language = platform, encoding, language
            sub.cmap = {code: name for name in order for code in codes.get(name, ())}
            cmap.tables.append(sub)
        return cmap

    def font_bytes(self, names: list[str]) -> tuple[bytes, list[str]]:
        """What fpdf2 embeds for `font_for(names)` — fontTools' subsetter run over it with fpdf2's
        options, then saved — assembled straight away: the same bytes (a test compares them) in a
        fraction of the time. The subsetter keeps every glyph there (fpdf2 asks for all of them);
        what it changes is done here the way it does it: each glyph's padding trimmed
        (`Glyph.trim`), the OS/2 Unicode and code page ranges pruned to the characters present, the
        name table pruned and `post` cut to format 3 — those last two, like BASE, the same in every
        document, so they are taken once from a real subsetter run (`_fixed`). Saving is then done
        as fontTools does it, table by table (`_sfnt`), without parsing the font again."""
        keep = sorted({0, 1, 2, 3} | {self.gid[n] for n in names})
        order = [self.order[i] for i in keep]
        requested = set(names)  # the subsetter keeps the characters of the glyphs asked for, not of 0-3
        fixed = self._fixed or self._fixed_tables()
        glyf, loca, long_loca = self._glyf_loca(keep)
        hmtx, h_metrics = self._hmtx(keep)
        new_gid = {name: i for i, name in enumerate(order)}
        cmap, unicodes = self._cmap_bytes([name for name in order if name in requested], new_gid)
        bounds = self._bounds(keep)

        head = bytearray(self.raw_tables["head"])
        struct.pack_into(">L", head, 8, 0)  # checkSumAdjustment: set once the font is assembled
        flags = struct.unpack_from(">H", head, 16)[0]
        struct.pack_into(">H", head, 16, flags | 0x2 if bounds["lsb_is_x_min"] else flags & ~0x2)
        struct.pack_into(">hhhh", head, 36, *bounds["bbox"])
        struct.pack_into(">h", head, 50, 1 if long_loca else 0)
        hhea = bytearray(self.raw_tables["hhea"])
        struct.pack_into(">Hhhh", hhea, 10, *bounds["hhea"])
        struct.pack_into(">H", hhea, 34, h_metrics)
        maxp = bytearray(self.raw_tables["maxp"])
        struct.pack_into(">HHH", maxp, 4, len(order), bounds["max_points"], bounds["max_contours"])
        if len(maxp) >= 32:  # version 1.0: no composite glyphs
            struct.pack_into(">HH", maxp, 10, 0, 0)
            struct.pack_into(">HH", maxp, 28, 0, 0)
        tables = {"head": head, "hhea": hhea, "maxp": maxp, "OS/2": self._os2(unicodes), "hmtx": hmtx,
                  "cmap": cmap, "loca": loca, "glyf": glyf, **fixed}
        return _sfnt(tables), order

    def _glyf_loca(self, keep: list[int]) -> tuple[bytes, bytes, bool]:
        """glyf and loca as fontTools compiles them (glyphs unpadded, odd ones padded by a byte when
        the short loca format then fits), and whether loca is the long format."""
        glyphs = [self._trimmed(i) for i in keep]
        total = sum(map(len, glyphs))
        odd = sum(len(g) & 1 for g in glyphs)
        if odd and total + odd < 0x20000:
            glyphs = [g + b"\0" if len(g) & 1 else g for g in glyphs]
        offsets = list(accumulate(map(len, glyphs), initial=0))
        long_loca = offsets[-1] >= 0x20000 or any(o & 1 for o in offsets)
        loca = array.array("I", offsets) if long_loca else array.array("H", [o >> 1 for o in offsets])
        if sys.byteorder != "big":
            loca.byteswap()
        return b"".join(glyphs) or b"\0", loca.tobytes(), long_loca

    def _hmtx(self, keep: list[int]) -> tuple[bytes, int]:
        """hmtx as fontTools compiles it: the run of equal advances at the end kept as side bearings only."""
        metrics = [self.gid_metrics[i] for i in keep]
        last = len(metrics)
        while metrics[last - 2][0] == metrics[-1][0]:
            last -= 1
            if last <= 1:
                last = 1
                break
        data = struct.pack(">" + "Hh" * last, *(v for adv_lsb in metrics[:last] for v in adv_lsb))
        data += struct.pack(f">{len(metrics) - last}h", *(lsb for _, lsb in metrics[last:]))
        return data, last

    def _cmap_bytes(self, names: list[str], new_gid: dict[str, int]) -> tuple[bytes, set[int]]:
        """cmap as fontTools compiles it (its own format 4 writer; equal subtables stored once) and the
        code points it maps."""
        subtables, unicodes = [], set()
        for (fmt, platform, encoding, language), codes in self.cmaps:
            mapping = {code: name for name in names for code in codes.get(name, ())}
            sub = CmapSubtable.newSubtable(fmt)
            sub.platformID, sub.platEncID, sub.language = platform, encoding, language
            sub.cmap = mapping
            if sub.isUnicode():
                unicodes.update(mapping)
            subtables.append(sub)
        subtables.sort()
        glyph_ids = _GlyphIds(new_gid)
        offset = 4 + 8 * len(subtables)
        header = struct.pack(">HH", 0, len(subtables))
        chunks: dict[bytes, int] = {}
        compiled: dict[tuple, bytes] = {}
        for sub in subtables:
            key = (sub.format, tuple(sorted(sub.cmap.items())))
            chunk = compiled.get(key)
            if chunk is None:
                chunk = compiled[key] = sub.compile(glyph_ids)
            if chunk not in chunks:
                chunks[chunk] = offset
                offset += len(chunk)
            header += struct.pack(">HHL", sub.platformID, sub.platEncID, chunks[chunk])
        return header + b"".join(chunks), unicodes

    def _os2(self, unicodes: set[int]) -> bytes:
        """OS/2 with the Unicode and code page ranges pruned and the first/last character set, as the
        subsetter and fontTools' compiler leave them."""
        os2 = bytearray(self.raw_tables["OS/2"])
        ranges = struct.unpack_from(">LLLL", os2, 42)
        bits = {i + 32 * word for word, value in enumerate(ranges) for i in range(32) if value >> i & 1}
        bits -= intersectUnicodeRanges(unicodes, inverse=True)
        words = [0, 0, 0, 0]
        for bit in bits:
            words[bit // 32] |= 1 << bit % 32
        struct.pack_into(">LLLL", os2, 42, *words)
        if unicodes:
            struct.pack_into(">HH", os2, 64, min(0xFFFF, min(unicodes)), min(0xFFFF, max(unicodes)))
        if struct.unpack_from(">H", os2, 0)[0] >= 1:
            pages = struct.unpack_from(">LL", os2, 78)
            present = {i + 32 * word for word, value in enumerate(pages) for i in range(32) if value >> i & 1}
            present &= calcCodePageRanges(unicodes & _CODE_PAGE_CHARACTERS)
            words = [0, 0]
            for bit in present or {0}:  # none left: bit 0 (Latin 1), as fontTools does
                words[bit // 32] |= 1 << bit % 32
            struct.pack_into(">LL", os2, 78, *words)
        return bytes(os2)

    def _trimmed(self, gid: int) -> bytes:
        """A glyph's data without its padding, as the subsetter trims it (done once, kept in place:
        the subsetter leaves trimmed data as it is)."""
        if gid not in self._trimmed_gids:
            glyph = TTGlyph(self.glyphs[gid])
            glyph.trim()
            self.glyphs[gid] = bytes(getattr(glyph, "data", b""))
            self._trimmed_gids.add(gid)
        return self.glyphs[gid]

    def _fixed_tables(self) -> dict[str, bytes]:
        """BASE, name and post as fontTools writes them after fpdf2's subsetting (they do not depend
        on the glyphs kept: checked for two different sets)."""
        with _lock:
            if self._fixed is None:
                samples = [fpdf2_subset(self.font_for(names), names) for names in (self.order[4:6], self.order[-3:])]
                readers = [ttLib.TTFont(io.BytesIO(data)).reader for data in samples]
                tables = [{tag: reader[tag] for tag in self._FIXED if tag in reader} for reader in readers]
                if tables[0] != tables[1]:  # pragma: no cover - a font whose BASE names glyphs
                    raise RuntimeError("the font's BASE/name/post tables depend on the glyphs kept")
                self._fixed = tables[0]
        return self._fixed

    def _bounds(self, keep: list[int]) -> dict:
        """What fontTools' recalcBBoxes sets in head, maxp and hhea for the glyphs `keep`, from the
        glyph headers (the glyphs themselves are then written as they are, not expanded and recompiled)."""
        advance_max = max(self.gid_metrics[i][0] for i in keep)
        outlined = [self.extents[i] for i in keep if self.extents[i] is not None]
        if not outlined:
            return {"bbox": (0, 0, 0, 0), "lsb_is_x_min": True, "max_points": 0, "max_contours": 0,
                    "hhea": (advance_max, 0, 0, 0)}
        contours, x_min, y_min, x_max, y_max, points, lsb, rsb, extent, lsb_is_x_min = zip(*outlined)
        return {"bbox": (min(x_min), min(y_min), max(x_max), max(y_max)), "lsb_is_x_min": all(lsb_is_x_min),
                "max_points": max(points), "max_contours": max(contours),
                "hhea": (advance_max, min(lsb), min(rsb), max(extent))}

    def _set_bounds(self, font: ttLib.TTFont, keep: list[int], order: list[str]) -> None:
        """`_bounds` set on a TTFont's tables (which fontTools then saves as they are)."""
        font.recalcBBoxes = False
        bounds = self._bounds(keep)
        head, maxp, hhea = font["head"], font["maxp"], font["hhea"]
        head.xMin, head.yMin, head.xMax, head.yMax = bounds["bbox"]
        head.flags = head.flags | 0x2 if bounds["lsb_is_x_min"] else head.flags & ~0x2
        maxp.maxPoints, maxp.maxContours = bounds["max_points"], bounds["max_contours"]
        maxp.maxCompositePoints = maxp.maxCompositeContours = 0
        maxp.maxComponentElements = maxp.maxComponentDepth = 0
        hhea.advanceWidthMax, hhea.minLeftSideBearing, hhea.minRightSideBearing, hhea.xMaxExtent = bounds["hhea"]


# The characters fontTools' calcCodePageRanges looks for (its result depends on nothing else): ASCII
# and the characters that mark a code page.
_CODE_PAGE_CHARACTERS = frozenset(range(0x20, 0x7E)) | {ord(ch) for ch in "ÞĽБЅ╜Ά½√İאرŗ₫ๅエㄅㄱ央곴♥þ╚Åéõ┤‰∑"}


class _GlyphIds:
    """What fontTools' cmap compiler asks of a font: the glyph ids by name."""

    def __init__(self, gids: dict[str, int]):
        self._gids = gids

    def getReverseGlyphMap(self, rebuild: bool = False) -> dict[str, int]:
        return self._gids


def _checksum(data: bytes) -> int:
    """The sfnt checksum: the sum of the big-endian 32-bit words, the data padded with zeros."""
    data = data + b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}L", data)) & 0xFFFFFFFF


def _sfnt(tables: dict[str, bytes]) -> bytes:
    """A TrueType font file as fontTools saves it (reordered): the directory sorted by tag, the tables
    in the recommended order, each padded to four bytes, and head's checkSumAdjustment set."""
    tags = sorted(tables)
    laid_out = sortedTagList(tags)
    num = len(tags)
    search_range, entry_selector, range_shift = ttLib.getSearchRange(num, 16)
    offset = 12 + 16 * num
    entries, body, total = {}, [], 0
    for tag in laid_out:
        data = bytes(tables[tag])
        checksum = _checksum(data)
        total += checksum
        entries[tag] = struct.pack(">4sLLL", tag.encode("latin-1"), checksum, offset, len(data))
        padded = data + b"\0" * (-len(data) % 4)
        body.append(padded)
        offset += len(padded)
    directory = struct.pack(">LHHHH", 0x00010000, num, search_range, entry_selector, range_shift) + b"".join(
        entries[tag] for tag in tags)
    font = bytearray(directory + b"".join(body))
    # the whole file's checksum: the directory's and the tables' (each padded to whole words)
    adjustment = (0xB1B0AFBA - _checksum(directory) - total) & 0xFFFFFFFF
    struct.pack_into(">L", font, struct.unpack_from(">L", entries["head"], 8)[0] + 8, adjustment)
    return bytes(font)


# fpdf2's subsetting of an embedded TrueType font (fpdf/output.py, `_add_fonts`), as it is done there.
_FPDF2_DROPPED_TABLES = ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC", "EBDT",
                         "EBLC", "EBSC", "SVG ", "CPAL", "COLR"]


def fpdf2_subset(font: ttLib.TTFont, names: list[str]) -> bytes:
    """The font bytes fpdf2 embeds for `font` when a document uses the glyphs `names`."""
    options = ft_subset.Options(notdef_outline=True, recommended_glyphs=True)
    options.drop_tables += _FPDF2_DROPPED_TABLES
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(glyphs=names)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


class _Finished(ttLib.TTFont):
    """A font already cut for one document, handed to fpdf2 in place of the TTFont it would subset:
    it has no tables for the subsetter to change, answers glyph ids in the finished font's order
    (whatever order the subsetter leaves it), and saving writes the finished bytes."""

    def __init__(self, data: bytes, order: list[str]):
        super().__init__(recalcTimestamp=False)
        self.setGlyphOrder(order)
        self.data = data
        self._gids = {name: gid for gid, name in enumerate(order)}

    def getGlyphID(self, glyphName: str) -> int:
        return self._gids[glyphName]

    def save(self, file, reorderTables=True) -> None:
        file.write(self.data)


class _Prototype:
    """A parsed font whose metrics are shared; each document gets a fresh subset state."""

    def __init__(self, path: Path, cut_glyphs: bool = False):
        self.path = path
        self.data = path.read_bytes()
        holder = FPDF()
        holder.add_font(FAMILY, "", str(path))
        self.font: TTFFont = holder.fonts[FAMILY]
        self.cmap = frozenset(self.font.cmap)
        self.store = _GlyphStore(self.data) if cut_glyphs else None

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
        pdf._portal_glyph_store = self.store  # read by output()
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
                proto = (_Prototype(common_font_path(), cut_glyphs=True) if kind == "common"
                         else _Prototype(cjk_font_path()))
                _prototypes[kind] = proto
    return proto


def warm_up() -> None:
    """Build/parse the common font now (seed, app start) instead of on the first document."""
    _prototype("common")




def attach_cjk_font(pdf: FPDF, texts: list[str]) -> None:
    """Register the CJK font on `pdf` under FAMILY, the common subset when it covers `texts`."""
    proto = _prototype("common")
    missing = {ord(ch) for text in texts for ch in text if not ch.isspace()} - proto.cmap
    if missing and missing & _prototype("full").cmap:
        proto = _prototype("full")
    proto.attach(pdf)


class _Producer(OutputProducer):
    """fpdf2's output, but for a document whose only font is one already cut (`_Finished`): that font
    is embedded by `_add_finished_font`, the objects fpdf2 writes for a TrueType font in the same order
    with the same contents, without the work around them that is thrown away — fontTools' subsetter
    run over a finished font, and a CIDToGIDMap of all 65,536 CIDs assembled from 131,072 one-character
    strings and compressed (≈ 1.5 ms a document). Anything else (more fonts, PDF/A-1's CIDSet, CFF or colour fonts) goes to fpdf2."""

    def _add_fonts(self, image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name):
        fonts = list(self.fpdf.fonts.values())
        compliance = self.fpdf._compliance
        if (len(fonts) != 1 or not isinstance(fonts[0], TTFFont) or not isinstance(fonts[0].ttfont, _Finished)
                or fonts[0].color_font or fonts[0].is_cff
                or (compliance and compliance.profile == "PDFA" and compliance.part == 1)):
            return super()._add_fonts(image_objects_per_index, gfxstate_objs_per_name, pattern_objs_per_name)
        return {fonts[0].i: self._add_finished_font(fonts[0])}

    def _add_finished_font(self, font: TTFFont) -> PDFFont:
        """What fpdf2's `_add_fonts` writes for a TrueType font (fpdf/output.py), object by object (the
        CIDToGIDMap only as long as the document needs it)."""
        fontname = f"MPDFAA+{font.name}"
        if font.missing_glyphs:
            msg = ", ".join(f"'{chr(x)}' ({chr(x).encode('unicode-escape').decode()})"
                            for x in font.missing_glyphs[:10])
            if len(font.missing_glyphs) > 10:
                msg += f", ... (and {len(font.missing_glyphs) - 10} others)"
            FPDF_OUTPUT_LOG.warning("Font %s is missing the following glyphs: %s", fontname, msg)
        code_to_glyph = {char_id: font.ttfont.getGlyphID(glyph.glyph_name)
                         for glyph, char_id in font.subset.items() if glyph is not None}
        composite = PDFFont(subtype="Type0", base_font=fontname, encoding="Identity-H")
        self._add_pdf_obj(composite, "fonts")
        cid_font = PDFFont(subtype="CIDFontType2", base_font=fontname, d_w=font.desc.missing_width,
                           w=_tt_font_widths(font))
        self._add_pdf_obj(cid_font, "fonts")
        composite.descendant_fonts = PDFArray([cid_font])
        bf_char = [f"<{code:04X}> <{''.join(_utf16_hex(u) for u in glyph.unicode)}>\n"
                   for glyph, code in font.subset.items()
                   if glyph is not None and isinstance(glyph.unicode, tuple) and glyph.unicode]
        to_unicode = PDFContentStream((
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo\n"
            "<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n/CMapName /Adobe-Identity-UCS def\n"
            "/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            f"{_build_cmap_blocks(bf_char, 'bfchar')}"
            "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend").encode("latin-1"))
        self._add_pdf_obj(to_unicode, "fonts")
        composite.to_unicode = to_unicode
        system_info = CIDSystemInfo()
        self._add_pdf_obj(system_info, "fonts")
        cid_font.c_i_d_system_info = system_info
        descriptor = font.desc
        descriptor.font_name = Name(fontname)
        self._add_pdf_obj(descriptor, "fonts")
        cid_font.font_descriptor = descriptor
        # fpdf2 writes the map for all 65,536 CIDs (128 KB to assemble and compress, ≈ 1 ms); it is
        # written here up to the last CID the document uses, as a CIDToGIDMap may be (ISO 32000-1,
        # 9.7.4.2: the GID of CID c is at bytes 2c and 2c + 1): the same mapping for every CID drawn.
        cid_to_gid = bytearray(2 * (max(code_to_glyph, default=0) + 1))
        for code, gid in code_to_glyph.items():
            cid_to_gid[2 * code:2 * code + 2] = gid.to_bytes(2, "big")
        cid_to_gid_map = PDFContentStream(contents=bytes(cid_to_gid), compress=True)
        self._add_pdf_obj(cid_to_gid_map, "fonts")
        cid_font.c_i_d_to_g_i_d_map = cid_to_gid_map
        font_file = PDFFontStream(contents=font.ttfont.data)
        self._add_pdf_obj(font_file, "fonts")
        descriptor.font_file2 = font_file
        font.subset.pick.cache_clear()
        font.subset.get_glyph.cache_clear()
        font.close()
        return composite


def _utf16_hex(code: int) -> str:
    """A code point as the ToUnicode CMap writes it (a surrogate pair above the BMP), as fpdf2 does."""
    if code > 0xFFFF:
        return f"{0xD800 | (code - 0x10000) >> 10:04X}{0xDC00 | (code & 0x3FF):04X}"
    return f"{code:04X}"


def output(pdf: FPDF) -> bytes:
    """`pdf.output()`, with the common font cut down to the document's glyphs first (see above)."""
    font = pdf.fonts.get(FAMILY)
    store = getattr(pdf, "_portal_glyph_store", None)
    if store is not None and font is not None:
        font.ttfont = _Finished(*store.font_bytes(font.subset.get_all_glyph_names()))
        return bytes(pdf.output(output_producer_class=_Producer))
    return bytes(pdf.output())
