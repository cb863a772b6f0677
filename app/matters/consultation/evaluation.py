"""Measure the consultation engine on a labelled question file (question<TAB>expected_matter_code)."""
from __future__ import annotations

import csv
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.matters.consultation.engine import ConsultationIndex


@dataclass
class Miss:
    question: str
    expected: str
    got: list[str]


@dataclass
class EvalReport:
    total: int = 0
    top1: int = 0
    top3: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)

    @property
    def top1_accuracy(self) -> float:
        return self.top1 / self.total if self.total else 0.0

    @property
    def top3_accuracy(self) -> float:
        return self.top3 / self.total if self.total else 0.0

    def percentile_ms(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        xs = sorted(self.latencies_ms)
        return xs[min(len(xs) - 1, int(p * len(xs)))]


def read_labelled(path: Path) -> list[tuple[str, str]]:
    """Rows of a TSV with a header line; blank lines and lines starting with # are skipped."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    out = []
    for row in rows[1:]:
        if len(row) < 2 or not row[0].strip() or row[0].startswith("#"):
            continue
        out.append((row[0].strip(), row[1].strip()))
    return out


def evaluate(index: ConsultationIndex, rows: list[tuple[str, str]]) -> EvalReport:
    report = EvalReport()
    for question, expected in rows:
        started = time.perf_counter()
        answer = index.search(question, limit=5)
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        codes = [h.matter_code for h in answer.results]
        report.total += 1
        report.top1 += codes[:1] == [expected]
        report.top3 += expected in codes[:3]
        if codes[:1] != [expected]:
            report.misses.append(Miss(question, expected, codes[:3]))
    return report
