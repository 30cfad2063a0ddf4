"""Apps depend downward only (DESIGN.md): core imports no app above it, organisation
imports no domain app, and no app imports the project modules that compose them all
(weserve.api, .urls, .routing, .asgi). Read from the source (every import, also those
inside functions), so a late import cannot hide a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

import weserve

PACKAGE = Path(weserve.__file__).parent

DOMAIN_APPS = (
    "queueing",
    "register",
    "feedback",
    "telephony",
    "staffing",
    "facilities",
    "knowledge",
    "reports",
)
# The project's modules, which compose every app: no app imports them.
PROJECT = ("api", "routing", "urls", "asgi")
# What each layer may not import: the apps above it, and the project.
FORBIDDEN = {
    "core": ("organisation", *DOMAIN_APPS, *PROJECT),
    "organisation": (*DOMAIN_APPS, *PROJECT),
}


def imported_modules(path: Path, package: str) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in a file, relative ones resolved."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            # `from weserve import api` imports the module weserve.api.
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
            found.append((node.lineno, base))
    return found


def violations(root: Path, layer: str) -> list[str]:
    bad = []
    forbidden = tuple(f"weserve.{name}" for name in FORBIDDEN.get(layer, PROJECT))
    for path in sorted((root / layer).rglob("*.py")):
        package = ".".join(["weserve", *path.relative_to(root).parent.parts])
        for line, module in imported_modules(path, package):
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(root)}:{line} imports {module}")
    return sorted(set(bad))


def test_core_imports_no_app_above_it():
    assert violations(PACKAGE, "core") == []


def test_organisation_imports_no_domain_app():
    assert violations(PACKAGE, "organisation") == []


def test_no_app_imports_the_project():
    apps = sorted(path.parent.name for path in PACKAGE.glob("*/apps.py"))
    assert "queueing" in apps
    assert [v for app in apps for v in violations(PACKAGE, app)] == []


def test_the_map_sees_imports_inside_functions(tmp_path):
    core = tmp_path / "core"
    core.mkdir()
    (core / "late.py").write_text(
        "def f():\n    from weserve.api import api\n    from ..queueing import events\n"
        "    from weserve import organisation\n"
    )
    assert violations(tmp_path, "core") == [
        "core/late.py:2 imports weserve.api",
        "core/late.py:2 imports weserve.api.api",
        "core/late.py:3 imports weserve.queueing",
        "core/late.py:3 imports weserve.queueing.events",
        "core/late.py:4 imports weserve.organisation",
    ]
