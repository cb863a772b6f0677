"""QR codes for the verification links: segno's encoding, with its choice of the data mask made faster.

ISO/IEC 18004 has the encoder try all eight data masks and keep the one with the lowest penalty
(N1 runs, N2 blocks, N3 finder-like patterns, N4 balance). segno does that module by module in
Python: ≈ 4.5 ms of the ≈ 6 ms a verification link's code costs, on every document. Here the code
is made once with mask 0, the masking undone to get the matrix segno evaluates (format and version
areas blank, as segno has them then), and the eight penalties computed on all rows and columns at
once (packed in one integer, `_Packed`: masking is then one XOR) — the same rules, the same scores; the winning
mask is applied and segno's own format/version writers finish the symbol (a test compares the
result with segno's over many links). Anything unexpected (another segno) falls back to segno.
"""
from __future__ import annotations

from functools import lru_cache

import segno
from segno import consts
from segno import encoder as _encoder

_N3 = b"\x01\x00\x01\x01\x01\x00\x01"     # N3: 1:1:3:1:1 dark-light-dark-light-dark


@lru_cache(maxsize=16)
def _layout(size: int) -> tuple[tuple[int, ...], tuple[tuple[int, ...], ...]]:
    """Per row, as integers over the row's bytes: the format/version areas (what segno has blank while
    it evaluates) and, per mask, the modules that mask flips (its pattern within the encoding region,
    exactly as segno's `find_and_apply_best_mask` decides the region)."""
    function = _encoder.make_matrix(size, size)
    _encoder.add_finder_patterns(function, size, size)
    _encoder.add_alignment_patterns(function, size, size)
    function[-8][8] = 0x1
    blank = _encoder.make_matrix(size, size)  # format and version areas 0x0, the timing pattern, the rest 0x2
    unreserved = _encoder.make_matrix(size, size, reserve_regions=False)  # the timing pattern, the rest 0x2

    def row_int(values) -> int:
        return int.from_bytes(bytes(values), "big")

    reserved = tuple(row_int(1 if blank[i][j] == 0x0 and unreserved[i][j] == 0x2 else 0 for j in range(size))
                     for i in range(size))
    flips = tuple(tuple(row_int(1 if function[i][j] > 0x1 and pattern(i, j) else 0 for j in range(size))
                        for i in range(size))
                  for pattern in _encoder.get_data_mask_functions(False))
    return reserved, flips


class _Packed:
    """A size×size matrix's rows and columns laid out in one integer, a byte per module, each line
    between four light modules on either side and followed by a separator byte (0x02) — so that the
    penalty rules run on every line at once: as integer operations (N1, N2, N4) or, for N3, as one
    scan of its bytes in which the padding stands for the light surroundings segno allows at an edge."""

    def __init__(self, size: int):
        self.size, self.stride = size, size + 9
        pairs = int.from_bytes(b"\x01" * (size - 1), "big")  # a module and the next one in its line
        modules = int.from_bytes(b"\x01" * size, "big")
        self.pairs = self.place([pairs] * (2 * size))
        self.row_pairs = self.place([0] + [pairs] * (size - 1) + [0] * size)  # rows 1.. (each with the one above)
        self.row_modules = self.place([modules] * size + [0] * size)

    def place(self, lines: list[int], separator: int = 0) -> int:
        packed = 0
        for line in lines:
            packed = (packed << 8 * self.stride) | (line << 40) | separator
        return packed

    def lines(self, rows: list[int]) -> int:
        """The rows (an integer each, a byte per module) and their columns, laid out with separators."""
        cols = [int.from_bytes(bytes(col), "big")
                for col in zip(*(row.to_bytes(self.size, "big") for row in rows))]
        return self.place(rows + cols, separator=2)

    def penalty(self, packed: int) -> int:
        """N1 + N2 + N3 + N4, as segno's `evaluate_mask` scores the matrix."""
        # N1: runs of five or more modules of one colour score their length - 2.
        same = ~(packed ^ (packed >> 8)) & self.pairs
        five = same & (same >> 8) & (same >> 16) & (same >> 24)  # a run of 5 starts here
        in_runs = five | (five << 8) | (five << 16) | (five << 24) | (five << 32)
        n1 = in_runs.bit_count() - 2 * (five & ~(five << 8)).bit_count()
        # N2: 2×2 blocks of one colour, a row against the one above it.
        above = packed >> 8 * self.stride
        differs = (packed ^ (packed >> 8)) | (above ^ (above >> 8)) | (packed ^ above)
        n2 = 3 * (~differs & self.row_pairs).bit_count()
        # N3: 1:1:3:1:1 with four light modules before or after, scanned as segno scans a line.
        data = packed.to_bytes(2 * self.size * self.stride, "big")
        n3 = 0
        idx = data.find(_N3)
        while idx != -1:
            offset = idx + 7
            if not any(data[idx - 4:idx]) or not any(data[offset:offset + 4]):
                n3 += 40
            else:
                offset = idx + 4
            idx = data.find(_N3, offset)
        dark = (packed & self.row_modules).bit_count()
        n4 = 10 * int(abs(dark / self.size ** 2 * 100 - 50) / 5)
        return n1 + n2 + n3 + n4


@lru_cache(maxsize=16)
def _packed(size: int) -> tuple[_Packed, tuple[int, ...]]:
    """The layout for `size` and, per mask, the modules it flips laid out the same way."""
    packed = _Packed(size)
    return packed, tuple(packed.place(list(mask) + [int.from_bytes(bytes(col), "big") for col in zip(
        *(row.to_bytes(size, "big") for row in mask))]) for mask in _layout(size)[1])


def penalty(rows: list[bytes]) -> int:
    """N1 + N2 + N3 + N4 of a square matrix of 0/1 modules, as segno's `evaluate_mask` scores it."""
    packed, _ = _packed(len(rows))
    return packed.penalty(packed.lines([int.from_bytes(row, "big") for row in rows]))


def matrix(content: str) -> tuple[bytearray, ...]:
    """The modules (1 = dark, no quiet zone) of `segno.make(content, error="m", micro=False)`: the same
    symbol — mask chosen by the same penalties — made with one encoding instead of eight maskings."""
    try:
        code = segno.make(content, error="m", micro=False, mask=0)
        size = len(code.matrix)
        if code.is_micro or any(value > 1 for row in code.matrix for value in row):
            raise ValueError("not a plain 0/1 QR code matrix")
        reserved, flips = _layout(size)
        unmasked = [int.from_bytes(row, "big") & ~blank ^ flip
                    for row, blank, flip in zip(code.matrix, reserved, flips[0])]
        packed, packed_flips = _packed(size)
        lines = packed.lines(unmasked)  # masking flips modules: the packed lines XOR the mask's
        scores = [packed.penalty(lines ^ flip) for flip in packed_flips]
        best = scores.index(min(scores))  # the first of equal scores, as segno keeps it
        if best == 0:
            return code.matrix
        masked = tuple(bytearray((row ^ flip).to_bytes(size, "big")) for row, flip in zip(unmasked, flips[best]))
        _encoder.add_format_info(masked, int(code.version), consts.ERROR_MAPPING[code.error], best)
        _encoder.add_version_info(masked, int(code.version))
        return masked
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):  # pragma: no cover - another segno
        return segno.make(content, error="m", micro=False).matrix
