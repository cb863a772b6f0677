"""The 12345 hotline: city problems and complaints are not service matters; say so and route them."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

HOTLINE_NUMBER = "12345"
_GAP = "[^，。！？,.!?;；]{0,6}"  # what a "*" in a phrase stands for


@dataclass
class HotlineRoute:
    category: str
    name: str
    name_en: str

    def as_dict(self) -> dict[str, Any]:
        return {"number": HOTLINE_NUMBER, "category": self.category, "name": self.name, "name_en": self.name_en,
                "message": f"这不是政务服务事项，属于城市运行管理（一网统管）。请拨打 {HOTLINE_NUMBER} 市民服务热线，"
                           f"类别：{self.name}。",
                "message_en": f"This is not a government service matter but a city operations issue. Call the "
                              f"{HOTLINE_NUMBER} citizen hotline, category: {self.name_en}."}


OTHER = HotlineRoute("other", "其他城市管理问题", "Other city problems")
_WORD = re.compile(r"[a-z][a-z']+")


def _grams(text: str) -> set[str]:
    """Character bigrams of the Chinese text and the English words of a text (lower-cased)."""
    text = text.lower()
    zh = re.sub(r"[a-z0-9'*\s]+", " ", text)
    return {zh[i:i + 2] for i in range(len(zh) - 1) if " " not in zh[i:i + 2]} | set(_WORD.findall(text))


class Hotline:
    def __init__(self, data: dict | None):
        self._routes: list[tuple[re.Pattern | str, HotlineRoute]] = []
        self._grams: list[tuple[set[str], HotlineRoute]] = []
        for code, c in ((data or {}).get("categories") or {}).items():
            route = HotlineRoute(str(code), c.get("name", code), c.get("name_en", code))
            self._grams.append((_grams(" ".join([route.name, route.name_en, *map(str, c.get("phrases") or [])])), route))
            for p in c.get("phrases") or []:
                p = str(p).lower()
                if p.isascii():
                    self._routes.append((re.compile(r"\b" + re.escape(p) + r"\b"), route))
                elif "*" in p:  # "狗*叫": a few characters of one clause between ("狗天天半夜叫")
                    self._routes.append((re.compile(_GAP.join(map(re.escape, p.split("*")))), route))
                else:
                    self._routes.append((p, route))

    def categories(self) -> list[tuple[str, str, str]]:
        """(code, name, name_en) of every category, in the file's order, then OTHER."""
        seen: dict[str, HotlineRoute] = {}
        for _, route in self._routes:
            seen.setdefault(route.category, route)
        seen.setdefault(OTHER.category, OTHER)  # what the learned vote routes when no category is near
        return [(r.category, r.name, r.name_en) for r in seen.values()]

    def nearest(self, question: str) -> HotlineRoute:
        """The category sharing the most bigrams and words with a city problem no phrase names (OTHER
        when none shares any)."""
        grams = _grams(question)
        shared, route = max(((len(grams & g), r) for g, r in self._grams), key=lambda x: x[0], default=(0, OTHER))
        return route if shared else OTHER  # ties: the first category in the file

    def match(self, question: str, covered: Iterable[str] = ()) -> HotlineRoute | None:
        """The category of a city problem named in the (normalised) question, or None.

        `covered`: longer phrases matched otherwise (the lexicon's); a hotline phrase only inside
        one of them does not count ("污水管" is about a water connection, not about sewage)."""
        covered = [c for c in covered if c and not c.isascii()]
        for phrase, route in self._routes:
            if not isinstance(phrase, str):
                if phrase.search(question):
                    return route
                continue
            if phrase not in question:
                continue
            text = question
            for c in covered:
                if phrase in c and c != phrase:
                    text = text.replace(c, "\x00")
            if phrase in text:
                return route
        return None
