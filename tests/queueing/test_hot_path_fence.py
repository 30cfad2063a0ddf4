"""The ticket issue's hot path is fenced: nothing but the issue service knows it exists."""

from __future__ import annotations

import ast
from pathlib import Path

import weserve

SRC = Path(weserve.__file__).resolve().parent
HOT_PATH = {"weserve.queueing.issue_statement", "weserve.queueing.issue_batch"}
# Who may import each: the issue service, and the statement its batcher.
ALLOWED = {
    "weserve.queueing.issue_statement": {"weserve.queueing.services"},
    "weserve.queueing.issue_batch": {"weserve.queueing.issue_statement"},
}


def _module(path: Path) -> str:
    return ".".join(("weserve", *path.relative_to(SRC).with_suffix("").parts))


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_only_the_issue_service_reaches_the_hot_path():
    reached = {}
    for path in SRC.rglob("*.py"):
        module = _module(path)
        for name in _imports(path) & HOT_PATH:
            if module not in ALLOWED[name]:
                reached.setdefault(name, []).append(module)
    assert reached == {}


def test_the_fence_test_sees_an_import_inside_a_function(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from weserve.queueing import issue_statement\n")
    assert "weserve.queueing.issue_statement" in _imports(sample)
