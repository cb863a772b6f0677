"""一件事 bundles: a life or business event ("孩子刚出生要办哪些事") offers its bundle first."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from app.matters.consultation.text import Segmenter, normalise_question

# A question about everything an event needs, not one matter.
EVENT_MARKERS = ("哪些", "什么证", "啥证", "一件事", "所有", "全部", "一次办", "一次性办", "一起办", "都要办", "都办", "要办什么",
                 "办什么", "什么手续", "哪几", "流程", "的事情", "的手续", "要办的", "一次办完", "一起申请", "一并", "一块办",
                 "一块儿办", "全套", "整套", "跑哪些", "都要跑", "要跑几", "需要做什么", "要做什么", "该做什么", "做哪些", "步骤",
                 "都需要", "what do i need", "what do we need", "what licence", "what licences", "what permits",
                 "what to do", "sort out", "everything", "all the", "all at once", "in one go", "procedures", "what steps",
                 "paperwork", "formalities", "what should i do", "what should we do", "what must i do", "checklist",
                 "one-stop", "one stop", "one application", "single application", "which departments", "whole process",
                 "一个窗口", "还要办", "一起弄", "一次弄", "一块弄", "办些什么", "跑几个部门", "哪些部门")
BUNDLE_FIELDS = {"name": 3.0, "name_en": 2.5, "description": 1.0, "description_en": 1.0}
MIN_BUNDLE_SCORE = 3.0
MEMBER_SHARE = 0.3  # how much the scores of a bundle's matters add to it
# The learned vote (learned.py) trains a class per bundle: its cosine times 10 times VOTE_SHARE adds to
# the bundle's score, and a bundle the vote likes at least VOTE_MIN and VOTE_MARGIN times more than
# any matter, off-topic or hotline question is offered without an event word.
VOTE_SHARE = 1.0
VOTE_MIN = 0.12
VOTE_MARGIN = 0.9


@dataclass
class BundleHit:
    code: str
    name: str
    name_en: str
    score: float
    matters: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "name_en": self.name_en, "score": self.score,
                "matters": self.matters, "url": f"/bundles/{self.code}"}


class Bundles:
    def __init__(self, bundles: list[dict], segmenter: Segmenter):
        self.items = {b["code"]: b for b in bundles or []}
        # What the learned vote starts each bundle's class from (learned.py), as the engine reads text.
        self.texts = {code: normalise_question(" ".join(str(b.get(f, "")) for f in BUNDLE_FIELDS))
                      for code, b in self.items.items()}
        self._terms: dict[str, Counter] = {}
        for code, b in self.items.items():
            terms: Counter = Counter()
            core = b["name"].replace("一件事", "")
            for f, w in BUNDLE_FIELDS.items():
                for t in set(segmenter.tokens(b.get(f, ""))):
                    terms[t] = max(terms[t], w)
            for t in segmenter.tokens(core):
                terms[t] = max(terms[t], 3.0)
            self._terms[code] = terms

    def rank(self, question: str, weights: dict[str, float], idf: dict[str, float],
             matter_scores: dict[str, float], asked: str | None = None,
             sims: dict[str, float] | None = None) -> list[BundleHit]:
        """Bundles the question is about, best first; only for an event question, a bundle named
        outright, or one the learned vote likes better than any matter.

        `asked`: the part of a long story that asks (an event word in its background does not count);
        `sims`: the learned vote's cosines (matters, bundles, off-topic, hotline)."""
        asked = (question if asked is None else asked).replace("第一次", "")  # "第一次办" is no "一次办"
        event = any(m in asked for m in EVENT_MARKERS)
        top = max(matter_scores.values(), default=0.0) or 1.0
        sims = sims or {}
        rival = max((x for c, x in sims.items() if c not in self.items), default=0.0)
        hits = []
        for code, terms in self._terms.items():
            b = self.items[code]
            score = sum(qw * idf.get(t, 1.0) * bw for t, bw in terms.items() if (qw := weights.get(t)))
            score += MEMBER_SHARE * 10 * sum(matter_scores.get(m, 0.0) for m in b["matters"]) / top
            vote = sims.get(code, 0.0)
            score += VOTE_SHARE * 10 * vote
            named = "一件事" in question and b["name"].replace("一件事", "") in question
            liked = vote >= VOTE_MIN and vote >= VOTE_MARGIN * rival
            if score >= MIN_BUNDLE_SCORE and (event or named or liked):
                hits.append(BundleHit(code, b["name"], b.get("name_en", ""), round(score, 3), list(b["matters"])))
        hits.sort(key=lambda h: -h.score)
        best = hits[0].score if hits else 0.0
        return [h for h in hits if h.score >= 0.5 * best][:3]
