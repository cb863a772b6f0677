"""Imports point down (ARCHITECTURE.md §3): simulation → evaluation → services/window, services/approval →
services/applications → services/seals, services/datahub → matters → identity → core. What a lower layer
needs from a higher one is registered by the app at start-up (app.main), never imported."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "app" / "core"

# Top first. Packages on one line are siblings: they may import neither each other nor anything above.
LAYERS = [
    ["app.main", "app.cli"],  # the composition root
    ["app.models_registry", "app.services.demo"],  # every model (for Alembic), the demo data
    ["app.simulation", "app.kiosk"],  # the self-service terminal: its own session over the services
    ["app.evaluation"],
    ["app.services.proactive"],  # offers and grants: approval models in reverse, issued through the flows
    ["app.services.decision_api", "app.services.decision_pages", "app.services.window_pages"],  # routes that call the flows
    ["app.services.flows"],  # journeys across domains
    ["app.services.window", "app.services.approval"],
    ["app.services.applications"],
    ["app.services.seals", "app.services.datahub"],
    ["app.matters"],
    ["app.identity"],
    ["app.core"],
]
PACKAGE_ONLY = {"app", "app.services"}  # empty namespace packages: nothing lives there


def _imported_modules(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(("." * node.level) + node.module)
            if not node.level:  # `from app.services import flows` imports app.services.flows
                found += [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.append("." * node.level)
    return found


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> tuple[int, str] | None:
    """(depth, package) of the longest listed prefix of `module`; None for an unlisted module."""
    best = None
    for depth, packages in enumerate(LAYERS):
        for package in packages:
            inside = module == package or module.startswith(package + ".")
            if inside and (best is None or len(package) > len(best[1])):
                best = (depth, package)
    return best


def violations(root: Path) -> list[str]:
    """Every import in root/app that points up or sideways, and every module no layer holds."""
    found = []
    for path in sorted((root / "app").rglob("*.py")):
        source = _module_name(root, path)
        if source in PACKAGE_ONLY:
            continue
        here = _layer(source)
        if here is None:
            found.append(f"{source}: in no layer (add it to LAYERS)")
            continue
        for module in _imported_modules(path):
            if module.startswith("."):
                found.append(f"{source}: relative import {module}")
                continue
            target = _layer(module)
            if target is None or target[1] == here[1]:
                continue  # outside the app, a package-only name, or its own package
            if target[0] <= here[0]:
                line = f"{source} → {target[1]} ({'sideways' if target[0] == here[0] else 'up'})"
                if line not in found:
                    found.append(line)
    return found


def test_imports_point_down():
    assert violations(ROOT) == []


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


def test_flows_and_applications_do_not_import_each_other_the_wrong_way():
    applications = ROOT / "app" / "services" / "applications"
    assert len(list(applications.glob("*.py"))) > 5
    for path in applications.glob("*.py"):
        assert not [m for m in _imported_modules(path) if m.startswith("app.services.flows")
                    or m.startswith("app.services.decision_")], path.name
    assert any(m.startswith("app.services.applications") for m in _imported_modules(ROOT / "app/services/flows.py"))


def _write(root: Path, name: str, text: str) -> None:
    path = root / (name.replace(".", "/") + ".py")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_checker_finds_each_kind_of_violation(tmp_path):
    """The rule can fail: an upward, a sideways, an in-function and an unplaced import are reported."""
    _write(tmp_path, "app.services.applications.api", "from app.services import flows\n")
    _write(tmp_path, "app.services.seals.service", "def f():\n    from app.services.datahub import service\n")
    _write(tmp_path, "app.core.templating", "import app.identity.deps\nfrom app.core import db\n")
    _write(tmp_path, "app.matters.api", "from app.identity import access\nimport sqlalchemy\n")
    _write(tmp_path, "app.gadgets.thing", "")
    assert sorted(violations(tmp_path)) == sorted([
        "app.services.applications.api → app.services.flows (up)",
        "app.services.seals.service → app.services.datahub (sideways)",
        "app.core.templating → app.identity (up)",
        "app.gadgets.thing: in no layer (add it to LAYERS)",
    ])
