"""The 12345 hotline: city problems and complaints are not service matters; say so and route them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

HOTLINE_NUMBER = "12345"


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


class Hotline:
    def __init__(self, data: dict | None):
        self._routes: list[tuple[re.Pattern | str, HotlineRoute]] = []
        for code, c in ((data or {}).get("categories") or {}).items():
            route = HotlineRoute(str(code), c.get("name", code), c.get("name_en", code))
            for p in c.get("phrases") or []:
                p = str(p).lower()
                self._routes.append((re.compile(r"\b" + re.escape(p) + r"\b") if p.isascii() else p, route))

    def categories(self) -> list[tuple[str, str, str]]:
        """(code, name, name_en) of every category, in the file's order."""
        seen: dict[str, HotlineRoute] = {}
        for _, route in self._routes:
            seen.setdefault(route.category, route)
        return [(r.category, r.name, r.name_en) for r in seen.values()]

    def match(self, question: str) -> HotlineRoute | None:
        """The category of a city problem named in the (normalised) question, or None."""
        for phrase, route in self._routes:
            if (phrase in question) if isinstance(phrase, str) else phrase.search(question):
                return route
        return None
