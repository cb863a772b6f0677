"""Measure the consultation engine on a labelled question file.

Columns: question<TAB>expected<TAB>kind (kind optional, "plain" when absent). `expected` is a
matter code, a bundle code (the bundle must come first among the bundles), `12345` (routed to
the hotline) or `-` (about nothing the government does: no matter, no bundle, no hotline).
"""
from __future__ import annotations

import csv
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from app.matters.consultation.engine import ConsultationIndex

NOTHING = "-"
HOTLINE = "12345"


@dataclass
class Miss:
    question: str
    expected: str
    got: list[str]
    kind: str = "plain"


@dataclass
class EvalReport:
    total: int = 0
    top1: int = 0
    top3: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)
    by_kind: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))

    @property
    def top1_accuracy(self) -> float:
        return self.top1 / self.total if self.total else 0.0

    @property
    def top3_accuracy(self) -> float:
        return self.top3 / self.total if self.total else 0.0

    def add(self, other: "EvalReport") -> None:
        """Count another report's questions in this one (the folds of a cross-validation)."""
        self.total += other.total
        self.top1 += other.top1
        self.top3 += other.top3
        self.latencies_ms += other.latencies_ms
        self.misses += other.misses
        for kind, counts in other.by_kind.items():
            self.by_kind[kind] = [a + b for a, b in zip(self.by_kind[kind], counts)]

    def kind_accuracy(self) -> dict[str, tuple[int, float, float]]:
        """Per kind: (questions, top-1, top-3)."""
        return {k: (n, t1 / n, t3 / n) for k, (n, t1, t3) in sorted(self.by_kind.items())}

    def percentile_ms(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        xs = sorted(self.latencies_ms)
        return xs[min(len(xs) - 1, int(p * len(xs)))]


def read_labelled(path: Path) -> list[tuple[str, str]]:
    """(question, expected) rows of a TSV with a header line; blank and # lines skipped."""
    return [(q, e) for q, e, _ in read_labelled_kinds(path)]


def read_labelled_kinds(path: Path) -> list[tuple[str, str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    out = []
    for row in rows[1:]:
        if len(row) < 2 or not row[0].strip() or row[0].startswith("#"):
            continue
        kind = row[2].strip() if len(row) > 2 and row[2].strip() else "plain"
        out.append((row[0].strip(), row[1].strip(), kind))
    return out


def _outcome(answer, expected: str, bundle_codes: set[str]) -> tuple[list[str], bool, bool]:
    """What the answer offered (codes shown in a miss), and whether it is right first / in the top 3."""
    codes = [h.matter_code for h in answer.results]
    bundles = [b.code for b in getattr(answer, "bundles", [])]
    hotline = getattr(answer, "hotline", None)
    if expected == NOTHING:
        ok = not codes and not bundles and hotline is None
        return codes[:3] or bundles[:3] or (["12345"] if hotline else []), ok, ok
    if expected == HOTLINE:
        ok = hotline is not None
        return codes[:3] or bundles[:3], ok, ok
    if expected in bundle_codes:
        return bundles[:3] or codes[:3], bundles[:1] == [expected], expected in bundles[:3]
    return codes[:3], codes[:1] == [expected], expected in codes[:3]


def evaluate(index: ConsultationIndex, rows: list[tuple[str, str]] | list[tuple[str, str, str]]) -> EvalReport:
    report = EvalReport()
    bundle_codes = set(index.bundles.items)
    for row in rows:
        question, expected = row[0], row[1]
        kind = row[2] if len(row) > 2 else "plain"
        started = time.perf_counter()
        answer = index.search(question, limit=5)
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        got, first, top3 = _outcome(answer, expected, bundle_codes)
        report.total += 1
        report.top1 += first
        report.top3 += top3
        counts = report.by_kind[kind]
        counts[0] += 1
        counts[1] += first
        counts[2] += top3
        if not first:
            report.misses.append(Miss(question, expected, got, kind))
    return report


def cross_validate(index: ConsultationIndex, rows: list[tuple[str, str, str]], k: int = 5,
                   seed: int = 13) -> EvalReport:
    """k-fold cross-validation of the learned vote: each fold is answered by a vote trained on the
    catalogue and the other folds only. The index's own vote is put back afterwards."""
    import random

    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    fold_of = {row: n % k for n, row in enumerate(order)}
    total = EvalReport()
    kept = index.learned
    try:
        for fold in range(k):
            index.learned = index.train([(q, e) for n, (q, e, _) in enumerate(rows) if fold_of[n] != fold])
            total.add(evaluate(index, [r for n, r in enumerate(rows) if fold_of[n] == fold]))
    finally:
        index.learned = kept
    return total
