"""Homophone typos: phone keyboards type by pinyin, so 公基金 and 居柱证 sound like the words meant.

Every Chinese word of the catalogue's vocabulary (2–4 characters) is keyed by its toneless,
fuzzy pinyin (zh/z, ch/c, sh/s, -ng/-n, l/n folded, as southern speakers and hurried thumbs do).
A window of the question that is not a word in its own right but sounds like a vocabulary word,
and differs from it in few characters, is rewritten to that word before searching.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from pypinyin import lazy_pinyin

_CJK_MIN, _CJK_MAX = "\u3400", "\u9fff"
_FOLD = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ng", "n"))
# Question words and particles are typed on purpose: "找谁管" is not a misspelt 水管.
_NEVER_TYPO = frozenset("谁哪吗呢吧啊呀么怎啥咋你我他她它们的了是")


def _fuzzy(syllable: str) -> str:
    for a, b in _FOLD:
        syllable = syllable.replace(a, b)
    return "n" + syllable[1:] if syllable.startswith("l") else syllable


def _is_cjk(text: str) -> bool:
    return all(_CJK_MIN <= ch <= _CJK_MAX for ch in text)


class PinyinCorrector:
    def __init__(self, vocabulary: Iterable[str], is_word: Callable[[str], bool]):
        """`is_word(w)`: w is a real word already (then it is never "corrected")."""
        self._sound: dict[str, str] = {}
        self._is_word = is_word
        self.words: dict[str, str] = {}
        for w in sorted(set(vocabulary)):
            if 2 <= len(w) <= 4 and _is_cjk(w):
                self.words.setdefault(self._key(w), w)
        # The sounds of the words' first two characters: a window not starting so is no typo of them.
        self._starts = {" ".join(k.split(" ")[:2]) for k in self.words}

    def _key(self, text: str) -> str:
        return " ".join(self._sound_of(ch) for ch in text)

    def _straddles(self, text: str, i: int, n: int) -> bool:
        """The window's edge belongs to a real word outside it (开公|司: 公司), so it is no typo."""
        before, after = text[max(0, i - 1):i + 1], text[i + n - 1:i + n + 1]
        return (len(before) == 2 and self._is_word(before)) or (len(after) == 2 and self._is_word(after))

    def correct(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """The text with sound-alike windows replaced, and the (typed, meant) pairs."""
        # Each character's sound once; a window may hold only Chinese characters typed by sound.
        sounds = [self._sound_of(ch) if _CJK_MIN <= ch <= _CJK_MAX and ch not in _NEVER_TYPO else None
                  for ch in text]
        out: list[str] = []
        fixes: list[tuple[str, str]] = []
        i = 0
        while i < len(text):
            start = i + 1 < len(text) and sounds[i] and sounds[i + 1] and f"{sounds[i]} {sounds[i + 1]}"
            for n in (4, 3, 2) if start in self._starts else ():
                if i + n > len(text) or None in sounds[i:i + n]:
                    continue
                meant = self.words.get(" ".join(sounds[i:i + n]))
                window = text[i:i + n]
                if (meant and meant != window and sum(a != b for a, b in zip(window, meant)) <= max(1, n - 2)
                        and not self._is_word(window) and not self._straddles(text, i, n)):
                    out.append(meant)
                    fixes.append((window, meant))
                    i += n
                    break
            else:
                out.append(text[i])
                i += 1
        return "".join(out), fixes

    def _sound_of(self, ch: str) -> str:
        s = self._sound.get(ch)
        if s is None:
            s = self._sound[ch] = _fuzzy(lazy_pinyin(ch)[0])
        return s
