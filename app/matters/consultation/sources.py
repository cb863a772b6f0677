"""Reading the catalogue, guides and lexicon files for the consultation index."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)


# libyaml's loader when PyYAML was built with it: the pure-Python one is most of an index build.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(path: Path, optional: bool = False) -> Any:
    if not path.exists():
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_Loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError:
        if not optional:
            raise
        log.warning("consultation: %s is not valid YAML; answering without it", path.name)
        return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ".join(_text(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return " ".join(_text(v) for v in value)
    return str(value)


def _theme_name_en(theme: dict) -> str:
    # A flow-style YAML entry with an unquoted comma splits the English name into keys.
    name_en = theme.get("name_en") or ""
    rest = [k for k in theme if k not in ("name", "name_en")]
    return ", ".join([name_en, *rest]) if rest else name_en


def _guide_entries(guides: Any) -> dict[str, dict[str, str]]:
    """Per matter code: the guide's summary (zh, en) and its situational questions as text.

    Only what describes the matter itself is indexed: rules and steps often name *other*
    matters ("first register your residence"), which would pull questions the wrong way.
    """
    out: dict[str, dict[str, str]] = {}
    if isinstance(guides, dict) and "guides" in guides:
        guides = guides["guides"]
    if not isinstance(guides, dict):
        return out
    for code, g in guides.items():
        if not isinstance(g, dict):
            continue
        questions = []
        for q in g.get("questions") or []:
            if isinstance(q, dict):
                questions += [_text(q.get("text")), _text(q.get("text_en"))]
                questions += [_text(o.get("label")) + " " + _text(o.get("label_en"))
                              for o in q.get("options") or [] if isinstance(o, dict)]
        out[str(code)] = {"summary": _text(g.get("summary")), "summary_en": _text(g.get("summary_en")),
                          "text": " ".join([_text(g.get("summary")), _text(g.get("summary_en")), *questions])}
    return out
