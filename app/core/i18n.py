"""Chinese first, English available: gettext catalogues (Babel .po files) loaded at start."""
from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES = ("zh", "en")
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
_current: ContextVar[str] = ContextVar("locale", default="zh")


@lru_cache
def _catalogue(locale: str) -> dict[str, str]:
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with open(path, "rb") as fh:
        cat = read_po(fh, locale=locale)
    return {m.id: m.string for m in cat if m.id and m.string and not m.fuzzy}


def normalise(locale: str | None) -> str:
    if not locale:
        return "zh"
    locale = locale.lower().replace("_", "-")
    return "en" if locale.startswith("en") else "zh"


def set_locale(locale: str) -> None:
    _current.set(normalise(locale))


def get_locale() -> str:
    return _current.get()


def gettext(message: str, **kwargs) -> str:
    """Translate a Chinese source string into the current locale (Chinese is the source language)."""
    locale = _current.get()
    text = message if locale == "zh" else _catalogue(locale).get(message, message)
    return text.format(**kwargs) if kwargs else text


_ = gettext


def pick(zh: str, en: str | None) -> str:
    """Choose between a Chinese and an English data value (catalogue names, descriptions)."""
    return (en or zh) if _current.get() == "en" else zh


# A text the system writes in both languages is a (zh, en) pair; a plain string is what a person
# typed (a reviewer's reason, a name) and reads the same in both. Stored as two columns, never as
# "中文 / English" in one string to be split later.
Text = str | tuple[str, str]


def texts(value: Text) -> tuple[str, str | None]:
    """(Chinese, English or None) of a Text, ready for a `x` / `x_en` column pair."""
    if isinstance(value, tuple):
        return value
    return value, None


def bilingual(text: str | None) -> str:
    """An error message written in code as "中文 / English": the half in the reader's language.
    Only for PortalError messages (constants in code); stored texts keep zh and en in separate
    columns, and what a person typed is never split."""
    if not text:
        return ""
    zh, sep, en = text.partition(" / ")
    return pick(zh, en) if sep else text
