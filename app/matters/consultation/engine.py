"""Smart consultation engine: a question in plain words → the matters that answer it.

Built once per process (`get_index()`) from the catalogue YAML, the optional situational
guides (guides.yaml), the colloquial lexicon (lexicon.yaml) and lexicon rows administrators
added in the database. Ranking is BM25F over the fields of each matter, in two token spaces
(jieba words / English stems, and Chinese character bigrams), after expanding colloquial words
with the lexicon. The engine needs no database to answer; `rebuild_index()` picks up new
admin entries.
"""
from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.matters.consultation import details
from app.matters.consultation.bundles import BundleHit, Bundles
from app.matters.consultation.hotline import Hotline, HotlineRoute
from app.matters.consultation.learned import DATA_DIR as TRAINING_DIR
from app.matters.consultation.learned import HOTLINE, NOTHING, TRAINING_FILES, LearnedVote, read_training
from app.matters.consultation.sources import _guide_entries, _load_yaml, _text, _theme_name_en
from app.matters.consultation.text import Segmenter, bigrams, clauses, normalise, normalise_question, phrase_variant
from app.matters.consultation.typos import PinyinCorrector

log = logging.getLogger(__name__)
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
CATALOGUE_FILE = DATA_DIR / "catalogue.yaml"
GUIDES_FILE = DATA_DIR / "guides.yaml"
LEXICON_FILE = Path(__file__).resolve().parent / "lexicon.yaml"
HOTLINE_FILE = Path(__file__).resolve().parent / "hotline.yaml"

MAX_QUESTION_CHARS = 500
FIELD_LABELS = {
    "name": "名称 / name", "keywords": "关键词 / keywords", "name_en": "英文名称 / English name",
    "description": "说明 / description", "description_en": "英文说明 / English description",
    "guides": "办事指南 / guide", "materials": "材料 / materials", "context": "主题部门 / theme, department",
}

# Field weights of BM25F: what a matter is called counts most, what it needs least.
FIELD_WEIGHTS = {
    "name": 3.0, "keywords": 3.0, "name_en": 2.5, "description": 1.0, "description_en": 1.0,
    "guides": 0.6, "materials": 0.35, "context": 0.3,
}
IDENTIFYING_FIELDS = ("name", "keywords", "name_en", "description", "description_en")
K1 = 1.2
B = 0.5
BIGRAM_WEIGHT = 0.35      # a character bigram counts this much of a word
EXPANSION_WEIGHT = 0.9    # a word brought in by the lexicon counts this much of a typed one
SUBJECT_BOOST = 1.15      # "公司/企业/单位..." in the question favours enterprise matters
CLOSE_RATIO = 0.88        # second best at least this close → ask which one is meant
SHORT_CLOSE_RATIO = 0.75  # ... or this close when the question is only a word or two
MIN_SCORE = 4.0           # below this the best match is not trusted
MIN_COVERAGE = 0.3        # share of the question's content words that must be known
LONG_CHARS = 30           # a question this long, in two clauses or more, is a story
EN_WORD_CHARS = 1.5       # an English word says about as much as this many Chinese characters
# A long story is read clause by clause, each clause ranked on its own and the rankings summed.
# The clause that asks counts fully; one that says what the person wants or was told to do counts
# almost as much; the background counts less but still votes (the need is often only told there).
ASK_WEIGHT = 1.0
WANT_WEIGHT = 0.9
TOLD_WEIGHT = 0.7
BACKGROUND_WEIGHT = 0.4
NEED_WEIGHT = 0.7         # clauses weighted at least this are the need (coverage, subject)
ASK_MARKERS = ("怎么", "如何", "哪里", "哪儿", "去哪", "在哪", "哪个", "哪些", "能不能", "能否", "可不可以", "可以吗",
               "行不行", "吗", "什么", "啥", "多少", "多久", "几天", "怎样", "手续", "有没有", "是不是", "找谁", "谁管",
               "归谁", "咋", "想问", "请问", "问一下", "问下", "咨询", "?", "how ", "where ", "can i", "can we",
               "what ", "which ", "do i ", "should i", "is there", "are there")
WANT_MARKERS = ("想", "打算", "准备", "需要", "要去", "要办", "得办", "该", "申请", "办理", "领", "报名", "登记",
                "补办", "帮我", "i want", "we want", "i need", "we need", "would like", "plan to", "going to")
# A clause that says something is done or had already ("执照办下来了", "养老金也开始发了") is not the need.
DONE_MARKERS = re.compile("(?:办好|办完|办下来|拿到|领到|批下来|批好|开始发|搞定|补好)了|是有的|已经有了|都有了")
DONE_WEIGHT = 0.15
TOLD_MARKERS = ("说", "告诉", "通知", "让我", "叫我", "要求", "必须", "得先", "要先", "told", "said", "asked me")
RECENCY = 0.95            # a story ends with its need: each later clause lowers an earlier one this much
BACKGROUND_FLOOR = 0.3    # ... but no clause counts less than this
CLAUSE_SATURATION = 20.0  # a clause's score s counts s / (1 + s / this): no one clause outvotes the rest
# Words every story's background is made of: in a background clause they count this much.
STORY_WORDS = frozenset("""
家 家里 我家 老家 家人 老人 孩子 小孩 儿子 女儿 老婆 老公 爸爸 妈妈 我爸 我妈 爸妈 父母 工作 上班 打工 时候 钱 公司 单位
上海 一直 现在 去年 今年 明年 年 月 天 人 医院 房子 朋友 同事 邻居 东西 事情 情况
""".split())
STORY_WORD_WEIGHT = 0.3
STRONG_CLAUSE = 12.0      # a story with a clause scoring a matter this high is about that matter
LIFT_REACH = 2            # an ask that names nothing refers to one of the clauses just before it
# Characters too common to tie a contentless ask to the clause it refers to.
_TIE_STOP = frozenset("我你他她们的了是在有要去办什么怎么哪里儿个一这那就都也还说能可以吗呢啊吧想需该到给把被上下")

# The learned vote (learned.py): a story's best score times this, times each matter's cosine relative
# to the best cosine raised to LEARNED_POWER, is added for the LEARNED_TOP matters it likes most.
LEARNED_WEIGHT = 1.0
LEARNED_POWER = 2.0
LEARNED_TOP = 5
LEARNED_SCOPE = "story"   # "story": long questions only; "all": every question
# When the words place a question nowhere, the vote alone may offer matters (always with a
# clarifying question): its best cosine at least GUESS_MIN and GUESS_MARGIN times the cosine with
# the off-topic questions (GUESS_MIN = 0 turns this off).
GUESS_MIN = 0.16
GUESS_MARGIN = 2.0
GUESS_TOP = 3
# A city problem no hotline phrase names goes to 12345 when the vote finds it at least HOTLINE_MIN like
# the hotline questions and HOTLINE_MARGIN times more than like any matter (HOTLINE_MIN = 0: off).
HOTLINE_MIN = 0.12
HOTLINE_MARGIN = 1.4

ENTERPRISE_MARKERS = ("公司", "企业", "单位", "员工", "职工们", "工厂", "厂房", "门店", "店铺", "机构",
                      "company", "business", "enterprise", "employer", "firm", "staff", "employees")
PERSON_MARKERS = ("我自己", "个人", "本人", "我家", "家里", "孩子", "老人", "宝宝", "我妈", "我爸",
                  "myself", "my family", "personal", "individual")


_EN_WORD = re.compile(r"[a-z][a-z0-9']*")


def story_length(q: str) -> float:
    """A question's length in Chinese characters: an English word counts EN_WORD_CHARS (the same
    need takes about three times as many letters as Chinese characters to say)."""
    words = _EN_WORD.findall(q)
    return len(_EN_WORD.sub("", q).replace(" ", "")) + EN_WORD_CHARS * len(words)


@dataclass
class Hit:
    matter_code: str
    name: str
    name_en: str
    score: float
    why: list[str]
    subject: str = ""
    theme: str = ""
    summary: str = ""
    summary_en: str = ""
    apply_url: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"matter_code": self.matter_code, "name": self.name, "name_en": self.name_en,
                "score": self.score, "why": self.why, "subject": self.subject, "theme": self.theme,
                "summary": self.summary, "summary_en": self.summary_en, "apply_url": self.apply_url}


@dataclass
class Clarify:
    question: str
    question_en: str
    options: list[dict[str, str]]  # [{"matter_code", "label", "label_en"}]

    def as_dict(self) -> dict[str, Any]:
        return {"question": self.question, "question_en": self.question_en, "options": self.options}


@dataclass
class Answer:
    query: str
    results: list[Hit] = field(default_factory=list)
    clarify: Clarify | None = None
    not_found: bool = False
    themes: list[dict[str, str]] = field(default_factory=list)
    bundles: list[BundleHit] = field(default_factory=list)
    hotline: HotlineRoute | None = None
    detail: details.Detail | None = None
    corrections: list[str] = field(default_factory=list)  # "公基金 → 公积金", shown as "did you mean"

    def as_dict(self) -> dict[str, Any]:
        return {"query": self.query, "results": [h.as_dict() for h in self.results],
                "bundles": [b.as_dict() for b in self.bundles],
                "clarify": self.clarify.as_dict() if self.clarify else None,
                "not_found": self.not_found, "themes": self.themes,
                "hotline": self.hotline.as_dict() if self.hotline else None,
                "detail": self.detail.as_dict() if self.detail else None, "corrections": self.corrections}


@dataclass
class _Doc:
    code: str
    name: str
    name_en: str
    subject: str
    theme: str
    prior: float
    summary: str
    summary_en: str
    fields: dict[str, Counter]
    lengths: dict[str, int]


@dataclass
class _Query:
    """A question read for ranking: its clauses (weight, terms, hinted matters) and what they add up to."""
    story: bool
    clauses: list[tuple[float, dict[str, float], dict[str, list[str]]]] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    bonus: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    phrases: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    notes: list[str] = field(default_factory=list)
    need: set[str] = field(default_factory=set)
    need_text: str = ""
    words: list[str] = field(default_factory=list)  # the question's own words (not the lexicon's)


@dataclass
class _Rule:
    """One lexicon rule: a colloquial phrase that expands to canonical words or names a matter."""
    phrase: str
    expansions: list[str]
    matter: str | None
    source: str  # "lexicon" | "admin"


class ConsultationIndex:
    def __init__(self, catalogue: dict, lexicon: dict | None = None, guides: Any = None,
                 admin_entries: list[dict] | None = None, segmenter: Segmenter | None = None,
                 hotline: dict | None = None, training: list[tuple[str, str]] | None = None):
        started = time.perf_counter()
        lexicon = lexicon or {}
        self.themes = [{"code": c, "name": t.get("name", c), "name_en": _theme_name_en(t)}
                       for c, t in (catalogue.get("themes") or {}).items()]
        theme_by_code = {t["code"]: t for t in self.themes}
        depts = self.departments = catalogue.get("departments") or {}
        self.matters = {m["code"]: m for m in catalogue.get("matters", [])}
        guide_text = _guide_entries(guides)

        self.rules = self._rules(lexicon, admin_entries or [])
        hints: dict[str, list[str]] = defaultdict(list)
        for rule in self.rules:
            if rule.matter in self.matters:
                hints[rule.matter].append(rule.phrase)

        vocabulary: set[str] = set()
        for m in self.matters.values():
            vocabulary.update(m.get("keywords") or [])
            vocabulary.add(m["name"])
        for rule in self.rules:
            vocabulary.add(rule.phrase)
            vocabulary.update(rule.expansions)
        vocabulary.update(lexicon.get("words") or [])
        if segmenter is None:
            segmenter = Segmenter(vocabulary)
        else:  # a rebuild reuses the loaded jieba dictionary (loading it is most of the cost)
            segmenter.add_words(vocabulary)
        self.segmenter = segmenter

        self.docs: list[_Doc] = []
        catalogue_texts: dict[str, str] = {}
        for m in self.matters.values():
            dept = depts.get(m.get("dept"), {})
            theme = theme_by_code.get(m.get("theme"), {})
            raw = {
                "name": m["name"],
                "keywords": " ".join([*(m.get("keywords") or []), *hints.get(m["code"], [])]),
                "name_en": m.get("name_en", ""),
                "description": m.get("description", ""),
                "description_en": m.get("description_en", ""),
                "guides": " ".join([_text([(f.get("q"), f.get("a")) for f in m.get("faq") or []]), guide_text.get(m["code"], {}).get("text", "")]),
                "materials": " ".join(str(mat[0]) if isinstance(mat, (list, tuple)) else _text(mat)
                                      for mat in m.get("materials") or []),
                "context": " ".join([theme.get("name", ""), theme.get("name_en", ""),
                                     dept.get("name", ""), dept.get("name_en", "")]),
            }
            fields = {f: Counter(self.segmenter.tokens(t)) for f, t in raw.items()}
            catalogue_texts[m["code"]] = normalise_question(" ".join(t for f, t in raw.items() if f != "context"))
            summary, summary_en = self._summary(m, guide_text.get(m["code"], {}))
            self.docs.append(_Doc(
                code=m["code"], name=m["name"], name_en=m.get("name_en", ""), subject=m.get("subject", ""),
                theme=m.get("theme", ""), prior=math.log10(max(int(m.get("annual") or 10), 10)),
                summary=summary, summary_en=summary_en, fields=fields,
                lengths={f: sum(c.values()) for f, c in fields.items()},
            ))
        self._finish()
        self._code_index = {d.code: i for i, d in enumerate(self.docs)}
        self.bundles = Bundles(catalogue.get("bundles") or [], self.segmenter)
        self.hotline = Hotline(hotline)
        sound_alike = set(vocabulary) | {t for d in self.docs for f in IDENTIFYING_FIELDS for t in d.fields[f]}
        self.corrector = PinyinCorrector(sound_alike, lambda w: w in sound_alike or self.segmenter.is_word(w))
        self.catalogue_texts = catalogue_texts
        self.learned = self.train(training or [])
        self.admin_state: tuple[int, int] = (0, 0)  # (count, max id) of the admin rows merged in
        self.build_seconds = time.perf_counter() - started

    # ------------------------------------------------------------------ building
    def read(self, question: str) -> str:
        """A question as the engine reads it: normalised script and noise, typos corrected."""
        return self.corrector.correct(normalise_question(question[:MAX_QUESTION_CHARS]))[0]

    def train(self, questions: list[tuple[str, str]]) -> LearnedVote:
        """The learned vote from the catalogue's text and the given labelled questions."""
        return LearnedVote({**self.catalogue_texts, **self.bundles.texts}, questions, self.read)

    @staticmethod
    def _rules(lexicon: dict, admin_entries: list[dict]) -> list[_Rule]:
        rules: list[_Rule] = []
        for canonical, variants in (lexicon.get("synonyms") or {}).items():
            expansions = [str(canonical)] if isinstance(canonical, str) else [str(c) for c in canonical]
            for v in variants or []:
                rules.append(_Rule(normalise(str(v)), expansions, None, "lexicon"))
        for code, phrases in (lexicon.get("hints") or {}).items():
            for p in phrases or []:
                rules.append(_Rule(normalise(str(p)), [], str(code), "lexicon"))
        for e in admin_entries:
            term = normalise(e.get("term") or "")
            if not term:
                continue
            expansion = (e.get("expansion") or "").strip()
            target = (e.get("target_matter_code") or "").strip() or None
            rules.append(_Rule(term, expansion.split() if expansion else [], target, "admin"))
        return [r for r in rules if r.phrase]

    def _finish(self) -> None:
        n = len(self.docs)
        self.avg_len = {f: (sum(d.lengths[f] for d in self.docs) / n if n else 1.0) or 1.0 for f in FIELD_WEIGHTS}
        df: Counter = Counter()
        df_main: Counter = Counter()
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._term_freq: dict[str, dict[int, float]] = defaultdict(dict)  # the postings by matter
        for i, d in enumerate(self.docs):
            terms: dict[str, float] = defaultdict(float)
            for f, counts in d.fields.items():
                norm = 1 - B + B * d.lengths[f] / self.avg_len[f]
                for t, tf in counts.items():
                    terms[t] += FIELD_WEIGHTS[f] * tf / norm
            for t, wtf in terms.items():
                df[t] += 1
                self.postings[t].append((i, wtf))
                self._term_freq[t][i] = wtf
            # Words every application needs (身份证, 户口簿) say little about which matter is
            # meant: document frequency counts the fields that describe the matter itself.
            for t in {t for f in IDENTIFYING_FIELDS for t in d.fields[f]}:
                df_main[t] += 1
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5))
                    for t, c in ((t, df_main.get(t) or c) for t, c in df.items())}
        # Match lexicon phrases longest first so "公积金贷款" wins over "贷款".
        by_phrase: dict[str, list[_Rule]] = defaultdict(list)
        for r in self.rules:
            by_phrase[r.phrase].append(r)
        self._rules_by_phrase = sorted(by_phrase.items(), key=lambda kv: -len(kv[0]))
        # Only phrases starting with a character of the question are tried (longest first, as ranked).
        self._phrases_by_first: dict[str, list[tuple[int, str, list[_Rule]]]] = defaultdict(list)
        self._ascii_phrases: list[tuple[int, str, list[_Rule]]] = []
        for rank, (phrase, rules) in enumerate(self._rules_by_phrase):
            if phrase.isascii():
                self._ascii_phrases.append((rank, phrase, rules))
            else:
                self._phrases_by_first[phrase[0]].append((rank, phrase, rules))
        self._expansion_words = {exp: self.segmenter.words(normalise(exp))
                                 for r in self.rules for exp in r.expansions}
        self._ascii_rule = {p: re.compile(r"(?<![a-z0-9])" + re.escape(p) + r"(?![a-z0-9])")
                            for p in by_phrase if p.isascii()}

    @staticmethod
    def _summary(m: dict, guide: dict[str, str]) -> tuple[str, str]:
        days = int(m.get("promised_days") or 0)
        when = "当场办结" if days == 0 else f"承诺 {days} 个工作日办结"
        when_en = "decided on the spot" if days == 0 else f"decided within {days} working days"
        how = "可全程网办" if m.get("online") else "需到窗口办理"
        how_en = "fully online" if m.get("online") else "at a service window"
        mats = [str(x[0]) if isinstance(x, (list, tuple)) else _text(x) for x in m.get("materials") or []]
        exempt = sum(1 for x in m.get("materials") or [] if isinstance(x, (list, tuple)) and len(x) > 1
                     and str(x[1]) != "upload")
        desc = (guide.get("summary") or m.get("description") or "").strip()
        desc_en = (guide.get("summary_en") or m.get("description_en") or "").strip()
        zh = f"{desc + ' ' if desc else ''}{how}，{when}。所需材料：{'、'.join(mats) or '无'}"
        en = f"{desc_en + ' ' if desc_en else ''}Handled {how_en}, {when_en}; {len(mats)} materials"
        if exempt:
            zh += f"（其中 {exempt} 项由系统从证照库或共享数据调取，免于提交）"
            en += f" ({exempt} taken from the licence wallet or shared data)"
        return zh + "。", en + "."

    # ------------------------------------------------------------------ searching
    def _expand_clause(self, q: str, words: list[str] | None = None
                       ) -> tuple[dict[str, float], dict[str, list[str]], list[str]]:
        """One clause's terms with weights, matters named by lexicon hints, notes for 'why'.

        `words`: the clause's words when they are already cut (`Segmenter.words`)."""
        weights: dict[str, float] = defaultdict(float)
        hinted: dict[str, list[str]] = defaultdict(list)
        notes: list[str] = []
        remaining = q + "\x00" + phrase_variant(q)
        fired: list[_Rule] = []
        latin = not q.isascii() and any("a" <= ch <= "z" for ch in q) or q.isascii()
        candidates = [c for ch in set(remaining) for c in self._phrases_by_first.get(ch, ())]
        if latin:
            candidates += self._ascii_phrases
        candidates.sort(key=lambda c: c[0])
        for _, phrase, rules in candidates:
            if phrase.isascii():
                if not latin or not self._ascii_rule[phrase].search(q):
                    continue
            elif phrase in remaining:
                # A phrase inside a longer matched phrase is not matched again ("公积金贷款" ⊃ "贷款").
                remaining = remaining.replace(phrase, "\x00")
            else:
                continue
            fired.extend(rules)
        for rule in fired:
            if rule.matter:
                hinted[rule.matter].append(rule.phrase)
            for exp in rule.expansions:
                notes.append(f"{rule.phrase} → {exp}")
                exp_words = self._expansion_words.get(exp)
                for t in exp_words if exp_words is not None else self.segmenter.words(normalise(exp)):
                    weights[t] = max(weights[t], EXPANSION_WEIGHT)
        for t in self.segmenter.words(q) if words is None else words:
            weights[t] = 1.0
        for t in bigrams(q):
            weights[t] = max(weights[t], BIGRAM_WEIGHT)
        return weights, hinted, notes

    @staticmethod
    def clause_kind(part: str) -> float:
        """The weight of a clause by what it does: asks, says what is wanted or was told, or tells the background."""
        if DONE_MARKERS.search(part) and not any(m in part for m in ("吗", "?", "怎么", "什么", "哪")):
            return DONE_WEIGHT
        if any(m in part for m in ASK_MARKERS):
            return ASK_WEIGHT
        if any(m in part for m in WANT_MARKERS):
            return WANT_WEIGHT
        if any(m in part for m in TOLD_MARKERS):
            return TOLD_WEIGHT
        return BACKGROUND_WEIGHT

    def clause_weights(self, parts: list[str], names: list[bool] | None = None) -> list[float]:
        """How much each clause of a long story says about the need (see ASK_WEIGHT ...).

        A clause that asks counts fully; the others lose RECENCY for every clause after them
        (the need comes last), down to BACKGROUND_FLOOR. An ask that names nothing itself
        ("去哪里领", "这个证怎么办") lifts the clauses it refers to: the nearest earlier one sharing
        a character with it ("把证领了") and, when that one names nothing either, the nearest
        earlier one that does. With no ask at all the last clause is taken as the ask. A clause
        saying something is done already ("执照办下来了") counts DONE_WEIGHT and is never lifted.
        `names[i]`: clause i names something (`_names`); worked out here when not given.
        """
        n = len(parts)
        if names is None:
            names = [self._names(*self._expand_clause(p)[:2]) for p in parts]
        kinds = [self.clause_kind(p) for p in parts]
        if ASK_WEIGHT not in kinds:
            kinds[-1] = ASK_WEIGHT
        weights = [k if k in (ASK_WEIGHT, DONE_WEIGHT) else max(BACKGROUND_FLOOR, k * RECENCY ** (n - 1 - i))
                   for i, k in enumerate(kinds)]
        names = [x and k != DONE_WEIGHT for x, k in zip(names, kinds)]  # what is done is not what is asked
        for i in range(1, n):
            if kinds[i] != ASK_WEIGHT or names[i]:
                continue
            own = set(parts[i]) - _TIE_STOP
            j = next((j for j in range(i - 1, -1, -1) if kinds[j] != DONE_WEIGHT and own & set(parts[j])), None)
            if j is not None:
                weights[j] = max(weights[j], WANT_WEIGHT)
            if j is None or not names[j]:
                start = i if j is None else j
                j = next((j for j in range(start - 1, max(-1, start - 1 - LIFT_REACH), -1) if names[j]), None)
                if j is not None:
                    weights[j] = max(weights[j], WANT_WEIGHT)
        return weights

    def _names(self, weights: dict[str, float], hinted: dict[str, list[str]]) -> bool:
        """A clause names something: a lexicon hint, or a word of the index that is neither one
        character nor a story word (the clause's own words or the lexicon's expansions)."""
        return bool(hinted) or any(len(t) > 1 and t[0] != "§" and t not in STORY_WORDS and t in self.postings
                                   for t in weights)

    def _expand(self, q: str) -> _Query:
        """The question's terms; a long story cut into clauses, each weighted by what it does.

        Background clauses keep their words but the words every story is made of (家里, 孩子,
        工作 ...) count STORY_WORD_WEIGHT there; coverage is measured on the clauses of the need.
        """
        parts = clauses(q)
        story = story_length(q) >= LONG_CHARS and len(parts) >= 2
        if not story:
            parts = [q]
        words = [self.segmenter.words(p) for p in parts]
        expanded = [self._expand_clause(p, ws) for p, ws in zip(parts, words)]
        factors = self.clause_weights(parts, [self._names(w, h) for w, h, _ in expanded]) if story else [1.0]
        out = _Query(story=story, words=[t for ws in words for t in ws])
        for factor, (w, hinted, n) in zip(factors, expanded):
            if story and factor < NEED_WEIGHT:
                for t in w:
                    if t in STORY_WORDS or (t[0] == "§" and t[1:] in STORY_WORDS):
                        w[t] *= STORY_WORD_WEIGHT
            out.clauses.append((factor, w, hinted))
            for t, x in w.items():
                out.weights[t] = max(out.weights[t], x * factor)
            for code, ps in hinted.items():
                out.bonus[code] += 2.0 * factor * len(ps)
                out.phrases[code] += ps
            out.notes += n
            if factor >= NEED_WEIGHT:
                out.need.update(t for t in w if not t.startswith("§"))
        out.need_text = "，".join(p for p, f in zip(parts, factors) if f >= NEED_WEIGHT)
        return out

    def _rank(self, weights: dict[str, float], hinted: dict[str, list[str]]) -> dict[int, float]:
        """BM25F of every matter sharing a term with the weights, plus the lexicon hints' bonus."""
        scores: dict[int, float] = defaultdict(float)
        for t, qw in weights.items():
            posting = self.postings.get(t)
            if not posting:
                continue
            x = qw * self.idf[t]
            for i, wtf in posting:
                scores[i] += x * wtf * (K1 + 1) / (K1 + wtf)
        for code, ps in hinted.items():
            i = self._code_index.get(code)
            if i is not None:
                # The keywords field already holds the phrase; make a whole-phrase hit decisive.
                scores[i] += 2.0 * len(ps)
        return scores

    def _indexed(self, weights: dict[str, float]) -> list[tuple[str, float, dict[int, float]]]:
        """The weighted terms the index holds: (term, weight × idf, its frequency per matter)."""
        return [(t, qw * self.idf[t], tf) for t, qw in weights.items() if (tf := self._term_freq.get(t))]

    def _contributions(self, i: int, terms: list[tuple[str, float, dict[int, float]]],
                       hinted: dict[str, list[str]], share: float = 1.0) -> list[tuple[float, str]]:
        """What each term (and lexicon hint) added to matter i's score: the reasons shown for it."""
        out = [(share * x * wtf * (K1 + 1) / (K1 + wtf), t) for t, x, tf in terms if (wtf := tf.get(i))]
        ps = hinted.get(self.docs[i].code)
        if ps:
            out.append((share * 2.0 * len(ps), "「" + "」「".join(ps) + "」"))
        return out

    def search(self, question: str, limit: int = 5) -> Answer:
        q, fixes = self.corrector.correct(normalise_question(question[:MAX_QUESTION_CHARS]))
        limit = max(1, min(int(limit or 5), 20))
        answer = Answer(query=question[:MAX_QUESTION_CHARS], corrections=[f"{a} → {b}" for a, b in fixes])
        query = self._expand(q)
        weights, bonus, notes, need, need_text = query.weights, query.bonus, query.notes, query.need, query.need_text
        # A city problem, not a service matter, unless a longer lexicon phrase holds its words (污水管 ⊃ 污水).
        fired = {n.split(" → ", 1)[0] for n in notes} | {p for ps in query.phrases.values() for p in ps}
        route = None if bonus else self.hotline.match(q, fired)
        if route is None:  # the learned vote's cosines: hotline, guess, stories and bundles read them
            sims = self.learned.scores(q)
            route = None if bonus else self._learned_hotline(q, sims)
        if route is not None:
            answer.hotline = route
            return answer
        shares: list[dict[int, float]] = []  # per clause: how much of its score each matter kept
        strongest = 0.0  # the best score one clause of a story gave one matter
        if query.story:
            # Each clause ranks the matters on its own; the rankings are summed by the clause's
            # weight, each saturating so that one clause's strong word cannot outvote the story.
            scores: dict[int, float] = defaultdict(float)
            for factor, w, hinted in query.clauses:
                kept: dict[int, float] = {}
                for i, s in self._rank(w, hinted).items():
                    if s > 0:
                        strongest = max(strongest, s)
                        kept[i] = share = factor / (1 + s / CLAUSE_SATURATION)
                        scores[i] += s * share
                shares.append(kept)
        else:
            scores = self._rank(weights, query.clauses[0][2])
        known_words = 0
        content_words = 0
        for t in weights:
            if t.startswith("§") or t not in need:
                continue
            if query.story and (len(t) < 2 or t in STORY_WORDS):
                continue  # a story's filler (说, 弄, 孩子, 工作) says nothing either way
            content_words += 1
            # A lone character (证, 房) is too weak to say the question is about us at all.
            known_words += t in self.postings and len(t) > 1
        enterprise = any(mk in need_text for mk in ENTERPRISE_MARKERS)
        person = any(mk in need_text for mk in PERSON_MARKERS)
        for i in list(scores):
            d = self.docs[i]
            if enterprise and not person and d.subject == "enterprise":
                scores[i] *= SUBJECT_BOOST
            elif person and not enterprise and d.subject == "person":
                scores[i] *= SUBJECT_BOOST
            scores[i] += 0.01 * d.prior  # tie-break towards the more common matter
        best = max(scores.values(), default=0.0)
        voted: set[int] = set()
        if LEARNED_WEIGHT and best > 0 and (query.story or LEARNED_SCOPE == "all"):
            voted = self._learned_vote(sims, scores, best)
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        coverage = known_words / content_words if content_words else 0.0
        # A colloquial phrase from the lexicon is evidence enough that the question is ours; in a
        # story not when it is only a story word ("我妈" → 老人), but so is one clause that plainly
        # names a matter.
        evidence = bool(bonus) or any(not query.story or n.split(" → ", 1)[0] not in STORY_WORDS for n in notes)
        evidence = evidence or strongest >= STRONG_CLAUSE
        guessed = False
        if not ranked or best < MIN_SCORE or (coverage < MIN_COVERAGE and not evidence):
            # The words alone do not say; the learned vote may, when the question has a word the index
            # knows and is much more like residents' questions about one matter than like questions
            # about nothing we do.
            ranked = self._learned_guess(sims) if known_words else []
            if not ranked:
                # An event the words do not tie to a matter ("娃出生了全套手续咋弄") may still be a bundle's.
                answer.bundles = self.bundles.rank(q, weights, self.idf, {}, need_text if query.story else None, sims)
                if answer.bundles:  # the bundle first, then its matters
                    answer.results = [self.hit(c) for c in answer.bundles[0].matters if c in self._code_index][:limit]
                    return answer
                answer.not_found = True
                answer.themes = self.themes
                return answer
            guessed = True
            voted = {i for i, _ in ranked}
        indexed = [self._indexed(w) for _, w, _ in query.clauses] if query.story else [self._indexed(weights)]
        for i, s in ranked[:limit]:
            d = self.docs[i]
            answer.results.append(Hit(
                matter_code=d.code, name=d.name, name_en=d.name_en, score=round(s, 3),
                why=self._why(d, self._reasons(i, query, shares, indexed), notes, i in voted), subject=d.subject,
                theme=d.theme,
                summary=d.summary, summary_en=d.summary_en, apply_url=f"/matters/{d.code}/apply",
            ))
        answer.bundles = self.bundles.rank(q, weights, self.idf, {self.docs[i].code: s for i, s in ranked[:5]},
                                           need_text if query.story else None, sims)
        typed = set(query.words)  # a story is never short
        short = not query.story and len([t for t in typed if not any(t != u and t in u for u in typed)]) <= 2
        answer.clarify = self._clarify(answer.results, enterprise or person,
                                       0.0 if guessed else SHORT_CLOSE_RATIO if short else CLOSE_RATIO)
        kind = details.intent(need_text if query.story else q)  # in a story, the detail its ask asks for
        if kind and not answer.bundles:
            answer.detail = self.detail(answer.results[0].matter_code, kind)
        return answer

    def _matter_sims(self, sims: dict[str, float]) -> list[tuple[str, float]]:
        """The learned vote's cosines with the matters (not bundles, off-topic or hotline), best first."""
        return sorted(((c, x) for c, x in sims.items() if c in self._code_index), key=lambda kv: -kv[1])

    def _learned_hotline(self, q: str, sims: dict[str, float]) -> HotlineRoute | None:
        """A city problem no hotline phrase names, told by the learned vote: the question is at least
        HOTLINE_MIN like the hotline questions and HOTLINE_MARGIN times more than like any matter or
        off-topic question. Its category is the one whose phrases share the most with it."""
        if not HOTLINE_MIN:
            return None
        hot = sims.get(HOTLINE, 0.0)
        rival = max([sims.get(NOTHING, 0.0)] + [x for c, x in sims.items() if c in self._code_index])
        if hot < HOTLINE_MIN or hot < HOTLINE_MARGIN * rival:
            return None
        return self.hotline.nearest(q)

    def _learned_guess(self, sims: dict[str, float]) -> list[tuple[int, float]]:
        """The matters the learned vote alone offers for a question the words could not place: its
        best GUESS_TOP when the best cosine is at least GUESS_MIN and GUESS_MARGIN times the cosine
        with the off-topic and the hotline questions; none otherwise (then nothing is found)."""
        if not GUESS_MIN:
            return []
        ranked = self._matter_sims(sims)[:GUESS_TOP]
        rival = max(sims.get(NOTHING, 0.0), sims.get(HOTLINE, 0.0))
        if not ranked or ranked[0][1] < GUESS_MIN or ranked[0][1] < GUESS_MARGIN * rival:
            return []
        return [(self._code_index[code], round(10 * sim, 3)) for code, sim in ranked]

    def _learned_vote(self, sims: dict[str, float], scores: dict[int, float], best: float) -> set[int]:
        """Add the learned vote (learned.py) to the scores, scaled to the question's best score;
        the matters it voted for. It never decides whether anything is found (`best` is taken before)."""
        sims = self._matter_sims(sims)[:LEARNED_TOP]
        if not sims or sims[0][1] <= 0:
            return set()
        top = sims[0][1]
        voted = set()
        for code, sim in sims:
            i = self._code_index[code]
            voted.add(i)
            scores[i] = scores.get(i, 0.0) + LEARNED_WEIGHT * best * (sim / top) ** LEARNED_POWER
        return voted

    def _reasons(self, i: int, query: _Query, shares: list[dict[int, float]],
                 indexed: list[list[tuple[str, float, dict[int, float]]]]) -> list[tuple[float, str]]:
        if not query.story:
            return self._contributions(i, indexed[0], query.clauses[0][2])
        return [c for (_, _, hinted), kept, terms in zip(query.clauses, shares, indexed) if i in kept
                for c in self._contributions(i, terms, hinted, kept[i])]

    def detail(self, code: str, kind: str) -> details.Detail:
        """One matter's answer to a detail question (materials, time, fees, where, online, who)."""
        m = self.matters[code]
        return details.answer(m, self.departments.get(m.get("dept"), {}), kind)

    def hit(self, code: str) -> Hit:
        """The matter as a result row (a follow-up question names no matter itself)."""
        d = next(d for d in self.docs if d.code == code)
        return Hit(matter_code=d.code, name=d.name, name_en=d.name_en, score=0.0, why=[], subject=d.subject,
                   theme=d.theme, summary=d.summary, summary_en=d.summary_en, apply_url=f"/matters/{d.code}/apply")

    def _why(self, doc: _Doc, contributions: list[tuple[float, str]], notes: list[str],
             learned: bool = False) -> list[str]:
        """Short reasons: which of the matter's fields the question's words matched, and via what."""
        ranked = [t for _, t in sorted(contributions, reverse=True)]
        words: list[str] = []
        for t in ranked:
            if t.startswith("§") or t.startswith("「"):
                continue
            longer = [i for i, w in enumerate(words) if w in t]
            if longer:  # show "公积金", not its search-mode parts "公积" and "积金"
                words[longer[0]] = t
                words = [w for i, w in enumerate(words) if i == longer[0] or i not in longer]
            elif not any(t in w for w in words):
                words.append(t)
        by_field: dict[str, list[str]] = defaultdict(list)
        for w in words[:5]:
            f = next((f for f in FIELD_LABELS if doc.fields[f].get(w)), "context")
            by_field[f].append(w)
        why = [f"{FIELD_LABELS[f]}：{'、'.join(ws)}" for f, ws in by_field.items()]
        for _, t in sorted(contributions, reverse=True):
            if t.startswith("「"):
                why.insert(0, f"常用说法 / common phrase：{t}")
        grams = [t[1:] for t in ranked if t.startswith("§")][:3]
        if not why and grams:
            why.append("字面相近 / similar wording：" + "、".join(grams))
        if learned:
            why.append("与居民的同类问法相近 / like questions residents asked about it")
        shown = set(words[:5])
        for n in notes:
            phrase, target = n.split(" → ", 1)
            if any(w in target for w in shown) and not any(phrase in x for x in why):
                why.append(f"口语词 / colloquial：{phrase} → {target}")
        return why[:4]

    def _clarify(self, hits: list[Hit], subject_known: bool, ratio: float) -> Clarify | None:
        if len(hits) < 2 or hits[1].score < ratio * hits[0].score:
            return None
        close = [h for h in hits[:3] if h.score >= ratio * hits[0].score]
        options = [{"matter_code": h.matter_code, "label": h.name, "label_en": h.name_en} for h in close]
        subjects = {h.subject for h in close}
        if len(subjects) > 1 and not subject_known:
            return Clarify("您是以个人身份还是以企业身份办理？请选择最符合的一项：",
                           "Are you asking as a person or for an enterprise? Pick the one that fits:", options)
        return Clarify("您指的是哪一种情况？请选择最符合的一项：",
                       "Which of these situations is yours? Pick the one that fits:", options)


# ---------------------------------------------------------------------- singleton
_index: ConsultationIndex | None = None
_lock = threading.Lock()


def build_index(admin_entries: list[dict] | None = None, segmenter: Segmenter | None = None) -> ConsultationIndex:
    """A fresh index from the files (and the given admin entries; none means file lexicon only)."""
    return ConsultationIndex(_load_yaml(CATALOGUE_FILE) or {}, _load_yaml(LEXICON_FILE) or {},
                             _load_yaml(GUIDES_FILE, optional=True), admin_entries, segmenter,
                             _load_yaml(HOTLINE_FILE) or {},
                             read_training(TRAINING_DIR / f for f in TRAINING_FILES))


def get_index() -> ConsultationIndex:
    """The process-wide index, built on first use from the files (admin entries merged by rebuild)."""
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                _index = build_index()
    return _index


def rebuild_index(admin_entries: list[dict], admin_state: tuple[int, int] = (0, 0)) -> ConsultationIndex:
    """Rebuild with administrators' lexicon entries; `admin_state` says which rows it holds."""
    global _index
    old = get_index()
    new = build_index(admin_entries, old.segmenter)
    new.admin_state = admin_state
    with _lock:
        _index = new
    return new


def search(question: str, limit: int = 5) -> Answer:
    return get_index().search(question, limit)
