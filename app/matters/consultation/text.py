"""Text handling for consultation: normalisation, Chinese segmentation, English stemming.

Two token spaces share one index: words (jieba search-mode segments for Chinese, light-stemmed
words for English) and Chinese character bigrams (prefixed "§"). Bigrams make the ranking
robust to segmentation differences between a resident's phrasing and the official wording.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable

import jieba
from opencc import OpenCC

# Question words and fillers that say nothing about which matter is meant.
ZH_STOPWORDS = frozenset("""
怎么 怎么办 怎样 如何 什么 哪里 哪儿 哪些 哪个 在哪 在哪里 去哪 去哪里 哪 吗 呢 吧 啊 呀 了 的 地 得 着 过 么
我 我们 你 你们 他 她 它 他们 咱们 自己 本人 请问 想 想要 要 需要 需 能 能不能 可以 可不可以 能否 是否 是不是
有 有没有 没有 没 不 也 都 还 就 又 再 和 与 及 或 或者 跟 给 对 把 被 在 到 从 向 让 这 那 这个 那个 一个 一下 一些
多少 多久 几 个 家 次 些 现在 今年 明年 已经 刚 刚刚 马上 快 一直 直接 先 后 然后 下 上 里 中 内
办 办理 办个 去办 手续 流程 材料 准备 带 带什么 条件 申请 申办 可 会 该 应该 得到 吗？ 谢谢 你好 您好
请 问 一 是 个人 时候 什么样 具体 哪家 找谁 谁 为什么 多 少 好 行 呗 嘛
""".split())

EN_STOPWORDS = frozenset("""
a an the i me my we our you your he she it they them their this that these those is are was were be been
am do does did doing have has had having can could should would will shall may might must to of in on at
for from by with about into over after before as and or but if so not no how what where when which who whom
why please get got want need apply application there here than then up out some any one just also
matter thing things stuff tell know like much many shanghai district government service services
""".split())

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_TOKEN_OK = re.compile(f"[{_CJK}a-z0-9]")

# British and American spellings, and irregular forms, folded to one stem.
_EN_FOLD = {
    "license": "licence", "licenses": "licence", "licensing": "licence", "licences": "licence",
    "children": "child", "kids": "child", "kid": "child", "men": "man", "women": "woman", "people": "person",
    "paid": "pay", "lost": "lose", "born": "birth", "married": "marry", "marriage": "marry", "died": "die",
    "dead": "die", "death": "die", "enrol": "enrol", "enroll": "enrol", "enrolment": "enrol",
    "enrollment": "enrol", "registration": "register", "registering": "register", "registered": "register",
    "renewal": "renew", "renewing": "renew", "expiring": "expire", "expired": "expire", "expires": "expire",
    "withdrawal": "withdraw", "withdrawing": "withdraw", "retirement": "retire", "retired": "retire",
    "unemployed": "unemploy", "unemployment": "unemploy", "employment": "employ", "employer": "employ",
    "employee": "employ", "employees": "employ", "deregistration": "deregister", "deregistering": "deregister",
    "assistance": "assist", "elderly": "old", "older": "old", "aged": "age",
}


_T2S = OpenCC("t2s")


def _t2s_chars() -> frozenset[str] | None:
    """The characters t2s changes: a question with none of them is left as it is (most are).

    Read from the converter's dictionaries; None (always convert) if their layout is not known."""
    try:
        chars: set[str] = set()
        for group in _T2S._dict_chain_data:
            for *_, mapping in group:
                for k, v in mapping.items():
                    if k != v:
                        chars.update(a for a, b in zip(k, v) if a != b) if len(k) == len(v) else chars.update(k)
        return frozenset(chars) or None
    except (AttributeError, TypeError, ValueError):
        return None


_T2S_CHARS = _t2s_chars()
# Emoji, symbols and punctuation say nothing about the need; clause breaks are kept as "，".
_NOISE = re.compile(r"[^\w\s，。！？；,.!?;:：'\-+]", re.UNICODE)
_CLAUSE_BREAK = re.compile(r"[，。！？；,!?;：:…~]+|\.+(?![a-z0-9])|\s{2,}"
                           f"|(?<=[{_CJK}])\\s+(?=[{_CJK}])")
# A story typed without punctuation still turns where these words start a new thought: connectives,
# time words, hearsay, and the words that start the ask or the want ("我该怎么", "能不能", "我想").
_SOFT_BREAK = re.compile(
    "但是|可是|不过(?![来去])|所以|因为|而且|结果|然后|后来|现在|最近|去年|今年|前年|上个月|上周|听人?说"
    "|(?<!的)听?(?:邻居|同事|朋友|老师|医生|房东|中介|人事|居委会?|街道|别人|家长|老乡|工作人员)说"
    "|请问|想问|(?:我们|我)?想知道|(?:我们|我)想|打算|需要|具体"
    "|(?:我们|我|她|他|你)?(?:该|应该)?(?:怎么|如何|去哪|在哪|到哪|哪里|能不能|可不可以|是不是|有没有|要什么|要准备|找谁)")
SOFT_SPLIT_CHARS = 16  # a clause this long without punctuation is cut at those words
MIN_CLAUSE_CHARS = 3   # a cut piece shorter than this ("但是", "我") joins what follows


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), lower case, collapse white space."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return " ".join(text.split())


def normalise_question(text: str) -> str:
    """A resident's question as the index reads it: Simplified script, no emoji or symbol noise."""
    text = normalise(text)
    if not text.isascii() and (_T2S_CHARS is None or not _T2S_CHARS.isdisjoint(text)):
        text = _T2S.convert(text)
    return " ".join(_NOISE.sub(" ", text).split())


def clauses(text: str) -> list[str]:
    """The question cut at punctuation (a long story becomes its sentences and clauses).

    A question mark stays on its clause ("去哪里领?"): it is the surest sign of the clause that asks.
    Chinese runs separated by a space are clauses too, and a long run without any punctuation is
    cut before the words that turn a story ("但是", "现在", "听说", "我想" ...).
    """
    out: list[str] = []
    pos = 0
    for m in [*_CLAUSE_BREAK.finditer(text), None]:
        part = text[pos:m.start() if m else len(text)].strip()
        if m:
            pos = m.end()
        if not part:
            continue
        pieces = [part]
        if len(part) >= SOFT_SPLIT_CHARS and not part.isascii():
            pieces = []
            cuts = [0, *(m.start() for m in _SOFT_BREAK.finditer(part) if m.start()), len(part)]
            for x in (part[a:b].strip() for a, b in zip(cuts, cuts[1:])):
                if pieces and len(pieces[-1]) < MIN_CLAUSE_CHARS:  # "但是" alone joins what follows
                    pieces[-1] += x
                elif x:
                    pieces.append(x)
        if m and "?" in m.group():
            pieces[-1] += "?"
        out.extend(pieces)
    return out


# "把证领了" says "领证", "把公司关掉" says "关公司"; "开过社保户" and "没有欠债" say "开社保户", "没欠债".
_BA = re.compile(f"把([{_CJK}]{{1,4}}?)([{_CJK}])(?:了|掉|好|完|下来)")
_ASPECT = re.compile("(?<=[开办交领没])(?:过|了|有)")
# "查一下房子" says "查房子", "登记一下" says "登记": a verb softened by 一下 is still the verb.
_SOFTENER = re.compile(f"(?<=[{_CJK}])一下(?:子)?")


def phrase_variant(clause: str) -> str:
    """The clause in the word order and without the particles a lexicon phrase is written in ("" if none)."""
    v = _SOFTENER.sub("", _ASPECT.sub("", _BA.sub(lambda m: m.group(2) + m.group(1), clause)))
    return v if v != clause else ""


def stem_en(word: str) -> str:
    word = word.replace("'s", "").strip("'")
    if word in _EN_FOLD:
        return _EN_FOLD[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith("ed"):
        word = word[:-2]
    return _EN_FOLD.get(word, word)


def english_tokens(text: str) -> list[str]:
    return [stem_en(w) for w in _ASCII_WORD.findall(text) if len(w) > 1 and w not in EN_STOPWORDS]


def bigrams(text: str) -> list[str]:
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            continue
        out.extend("§" + run[i:i + 2] for i in range(len(run) - 1))
    return out


class Segmenter:
    """A private jieba tokenizer that knows the catalogue's vocabulary."""

    def __init__(self, words: Iterable[str]):
        jieba.setLogLevel(logging.WARNING)
        self._tok = jieba.Tokenizer()
        self._tok.initialize()
        self._known: set[str] = set()
        self.add_words(words)

    def add_words(self, words: Iterable[str]) -> None:
        for w in set(words) - self._known:
            self._known.add(w)
            w = normalise(w)
            if len(w) >= 2 and _CJK_RUN.fullmatch(w):
                self._tok.add_word(w, freq=20000)

    def is_word(self, word: str) -> bool:
        """A word of jieba's dictionary (or of the catalogue's vocabulary)."""
        return bool(self._tok.FREQ.get(word))

    def words(self, text: str) -> list[str]:
        """Chinese search-mode segments (minus stop words) and English stems."""
        out: list[str] = []
        for run in _CJK_RUN.findall(text):
            for w in self._tok.cut_for_search(run, HMM=False):
                if w not in ZH_STOPWORDS and _TOKEN_OK.search(w):
                    out.append(w)
        out.extend(english_tokens(text))
        return out

    def tokens(self, text: str) -> list[str]:
        text = normalise(text)
        return self.words(text) + bigrams(text)
