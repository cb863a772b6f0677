"""QR codes for the verification links: segno's encoding, with its choice of the data mask made faster.

ISO/IEC 18004 has the encoder try all eight data masks and keep the one with the lowest penalty
(N1 runs, N2 blocks, N3 finder-like patterns, N4 balance). segno does that module by module in
Python: ≈ 4.5 ms of the ≈ 6 ms a verification link's code costs, on every document. Here the code
is made once with mask 0, the masking undone to get the matrix segno evaluates (format and version
areas blank, as segno has them then), and the eight penalties computed on whole rows at once
(byte strings, regular expressions, integers as rows) — the same rules, the same scores; the winning
mask is applied and segno's own format/version writers finish the symbol (a test compares the
result with segno's over many links). Anything unexpected (another segno) falls back to segno.
"""
from __future__ import annotations

import re
from functools import lru_cache

import segno
from segno import consts
from segno import encoder as _encoder

_RUN = re.compile(rb"\x00{5,}|\x01{5,}")  # N1: five or more modules of one colour in a row
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


def _n3(seq: bytes, size: int) -> int:
    """segno's count of N3 patterns in one row or column (the same scan, on bytes)."""
    count = 0
    idx = seq.find(_N3)
    while idx != -1:
        offset = idx + 7
        if idx in (0, size - 7) or not any(seq[max(idx - 4, 0):idx]) or not any(seq[offset:offset + 4]):
            count += 40
        else:
            offset = idx + 4
        idx = seq.find(_N3, offset)
    return count


def penalty(rows: list[bytes]) -> int:
    """N1 + N2 + N3 + N4 of a square matrix of 0/1 modules, as segno's `evaluate_mask` scores it."""
    size = len(rows)
    cols = [bytes(col) for col in zip(*rows)]
    n1 = sum(len(run) - 2 for seq in (*rows, *cols) for run in _RUN.findall(seq))
    bits = [int.from_bytes(row, "big") for row in rows]  # one bit per module: a byte is 0x00 or 0x01
    # N2: 2×2 blocks of one colour. Shifting by a byte compares a module with its left neighbour;
    # every byte's low bit then says whether the four modules agree.
    lows = int.from_bytes(b"\x01" * (size - 1), "big")
    n2 = 0
    for above, row in zip(bits, bits[1:]):
        differs = (row ^ (row >> 8)) | (above ^ (above >> 8)) | (row ^ above)
        n2 += 3 * ((~differs) & lows).bit_count()
    n3 = sum(_n3(seq, size) for seq in (*rows, *cols))
    dark = sum(bits_row.bit_count() for bits_row in bits)
    n4 = 10 * int(abs(dark / size ** 2 * 100 - 50) / 5)
    return n1 + n2 + n3 + n4


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
        scores = [penalty([(row ^ flip).to_bytes(size, "big") for row, flip in zip(unmasked, mask)])
                  for mask in flips]
        best = scores.index(min(scores))  # the first of equal scores, as segno keeps it
        if best == 0:
            return code.matrix
        masked = tuple(bytearray((row ^ flip).to_bytes(size, "big")) for row, flip in zip(unmasked, flips[best]))
        _encoder.add_format_info(masked, int(code.version), consts.ERROR_MAPPING[code.error], best)
        _encoder.add_version_info(masked, int(code.version))
        return masked
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):  # pragma: no cover - another segno
        return segno.make(content, error="m", micro=False).matrix
