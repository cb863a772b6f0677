"""Imports point down: app.core imports nothing above it (the app registers its hooks)."""
from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "app" / "core"


def _imported_modules(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(("." * node.level) + node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.append("." * node.level)
    return found


def test_core_imports_nothing_above_it():
    offenders = []
    files = sorted(CORE.glob("*.py"))
    assert len(files) > 5
    for path in files:
        for module in _imported_modules(path):
            if module.startswith("."):
                offenders.append(f"{path.name}: relative import {module}")
            elif (module == "app" or module.startswith("app.")) and not (module == "app.core"
                                                                          or module.startswith("app.core.")):
                offenders.append(f"{path.name}: {module}")
    assert offenders == []
