"""A learned vote: which matter a question's characters look like, learned from the project's own text.

Each matter is a centroid of TF-IDF vectors of character n-grams (1–3 characters of every Chinese
run; English words whole): one vector for its catalogue text (name, English name, keywords,
descriptions, materials, FAQ, guide questions) and one for every labelled question of the
training files. A question is scored by its cosine with every centroid. Nothing is hand-written:
the vote generalises from how residents have phrased needs, not from phrases someone listed.

Trained at index build from the catalogue and `TRAINING_FILES` (the regression and tuning
question sets; never a held-out set). Pure Python: a few hundred milliseconds to train, a fraction
of a millisecond to score.
"""
from __future__ import annotations

import csv
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from app.matters.consultation.text import EN_STOPWORDS, _CJK

# The labelled questions the vote learns from (question<TAB>expected[<TAB>kind]); rows whose expected
# value is a matter or a bundle train that class, "-" (off-topic) rows the NOTHING class and 12345
# rows the HOTLINE class. A held-out file must never be here.
DATA_DIR = Path(__file__).resolve().parents[3] / "tests" / "data"
TRAINING_FILES = ("consultation.tsv", "consultation-tuning.tsv", "consultation-tuning-2.tsv", "consultation-tuning-3.tsv",
                  "consultation-tuning-4.tsv")
NOTHING = "-"
HOTLINE = "12345"
NGRAMS = (1, 2, 3)
CATALOGUE_WEIGHT = 2.0  # the catalogue vector counts this many questions in its matter's centroid
MIN_WEIGHT = 0.01      # centroid weights below this (of a unit vector) are dropped
MAX_SHARE = 1.0        # features in more than this share of the centroids are dropped
_RUN = re.compile(f"[{_CJK}]+|[a-z][a-z0-9']*")


def features(text: str) -> Counter:
    """Character 1–3-grams of each Chinese run, and English words (text already normalised)."""
    out: Counter = Counter()
    for run in _RUN.findall(text):
        if run[0].isascii():
            if len(run) > 1 and run not in EN_STOPWORDS:
                out[run] += 1
            continue
        for n in NGRAMS:
            for i in range(len(run) - n + 1):
                out[run[i:i + n]] += 1
    return out


def read_training(files: Iterable[Path]) -> list[tuple[str, str]]:
    """(question, matter-or-other code) rows of the training files that exist."""
    rows: list[tuple[str, str]] = []
    for path in files:
        if not path.exists():
            continue
        with open(path, encoding="utf-8", newline="") as fh:
            for row in list(csv.reader(fh, delimiter="\t"))[1:]:
                if len(row) >= 2 and row[0].strip() and not row[0].startswith("#"):
                    rows.append((row[0].strip(), row[1].strip()))
    return rows


class LearnedVote:
    """Nearest-centroid classifier over TF-IDF character n-grams."""

    def __init__(self, catalogue_texts: dict[str, str], questions: list[tuple[str, str]],
                 read: Callable[[str], str]):
        """`catalogue_texts`: class code (a matter or a bundle) → its text, normalised; `questions`:
        (question, code) pairs, codes neither a class nor NOTHING/HOTLINE skipped; `read`: the engine's
        own reading of a question (normalised script, corrected typos), applied to every training
        question as it is to the questions scored."""
        items: list[tuple[str, Counter, float]] = []
        for code, text in catalogue_texts.items():
            items.append((code, features(text), CATALOGUE_WEIGHT))
        for q, code in questions:
            if code in catalogue_texts or code in (NOTHING, HOTLINE):
                items.append((code, features(read(q)), 1.0))
        # Questions about nothing the government does, and city problems for the 12345 hotline, are
        # classes of their own: a question nearer to them than to any matter is not given a matter by
        # the vote alone.
        self.codes = list(catalogue_texts) + [c for c in (NOTHING, HOTLINE) if any(x == c for x, _, _ in items)]
        position = {c: i for i, c in enumerate(self.codes)}
        df: Counter = Counter()
        for _, f, _ in items:
            df.update(f.keys())
        n = len(items) or 1
        self.idf = {t: math.log((1 + n) / (1 + c)) + 1.0 for t, c in df.items()}
        centroids: list[dict[str, float]] = [defaultdict(float) for _ in self.codes]
        for code, f, w in items:
            vec = self._vector(f)
            centroid = centroids[position[code]]
            for t, x in vec.items():
                centroid[t] += w * x
        # Only what tells matters apart is kept: a centroid's faint features, and the features nearly
        # every matter has (的, 我, 办), add little but cost most of the scoring time.
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, centroid in enumerate(centroids):
            norm = math.sqrt(sum(x * x for x in centroid.values())) or 1.0
            for t, x in centroid.items():
                if x >= MIN_WEIGHT * norm:
                    self.postings[t].append((i, x / norm))
        widest = MAX_SHARE * len(self.codes)
        self.postings = {t: p for t, p in self.postings.items() if len(p) <= widest}

    def _vector(self, f: Counter) -> dict[str, float]:
        vec = {t: (1 + math.log(tf)) * idf for t, tf in f.items() if (idf := self.idf.get(t))}
        norm = math.sqrt(sum(x * x for x in vec.values())) or 1.0
        return {t: x / norm for t, x in vec.items()}

    def scores(self, text: str) -> dict[str, float]:
        """Cosine of the (already read) question with every matter's centroid that shares a feature."""
        out: dict[int, float] = defaultdict(float)
        for t, x in self._vector(features(text)).items():
            for i, y in self.postings.get(t, ()):
                out[i] += x * y
        return {self.codes[i]: s for i, s in out.items()}
