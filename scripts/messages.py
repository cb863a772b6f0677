"""Collect every _("...") string from templates and app code, and merge them into the English
catalogue (app/locale/en/LC_MESSAGES/messages.po), keeping existing translations.

Usage: python scripts/messages.py [--check]   (--check: exit 1 if a string lacks a translation)
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "app" / "locale" / "en" / "LC_MESSAGES" / "messages.po"
CALL = re.compile(r"""(?<![\w.])_\(\s*(?P<q>["'])(?P<s>(?:\\.|(?!(?P=q)).)*)(?P=q)""")


def collect() -> list[str]:
    found: dict[str, None] = {}
    files = sorted(ROOT.glob("templates/**/*.html")) + sorted(ROOT.glob("app/**/*.py"))
    for f in files:
        for m in CALL.finditer(f.read_text(encoding="utf-8")):
            s = m.group("s").encode().decode("unicode_escape").encode("latin-1").decode("utf-8") \
                if "\\" in m.group("s") else m.group("s")
            if re.search(r"[\u4e00-\u9fff]", s):
                found[s] = None
    return list(found)


def main() -> int:
    old = {}
    if PO.exists():
        with open(PO, "rb") as fh:
            old = {m.id: m.string for m in read_po(fh) if m.id}
    cat = Catalog(locale="en", project="portal")
    missing = []
    for s in collect():
        cat.add(s, old.get(s, ""))
        if not old.get(s):
            missing.append(s)
    if "--check" in sys.argv:
        for s in missing:
            print(f"untranslated: {s}")
        return 1 if missing else 0
    PO.parent.mkdir(parents=True, exist_ok=True)
    with open(PO, "wb") as fh:
        write_po(fh, cat, width=0, omit_header=False, sort_output=False)
    print(f"{len(cat)} messages, {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
