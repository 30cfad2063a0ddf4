"""Every action the code base writes to the audit log reads as a sentence, in Malay and in
English, on /audit/ (issue 14, item 8). The actions are collected from the source: every
`log_action(...)` call, its action given as text or as a module constant, and the
administration's `<app>.<model>.created` / `.changed` for every model it audits."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.utils import translation

import weserve
from weserve.core.admin import AuditedAdminMixin
from weserve.core.audit_text import describe, fallback, sentence_for

PACKAGE = Path(weserve.__file__).parent


def _constants() -> dict[str, str]:
    """NAME -> "text" of every module-level string constant of the package."""
    found: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = node.value.value
    return found


def logged_actions() -> tuple[set[str], list[str]]:
    """(the action codes logged in the source, the calls whose action could not be read)."""
    constants = _constants()
    actions: set[str] = set()
    unread: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name != "log_action" or not node.args:
                continue
            first = node.args[0]
            where = f"{path.relative_to(PACKAGE)}:{node.lineno}"
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                actions.add(first.value)
            elif isinstance(first, ast.Name) and first.id in constants:
                actions.add(constants[first.id])
            elif where.startswith("core/admin.py"):
                pass  # the administration's actions: `admin_actions()` below
            else:
                through = _through_helper(tree, node, first, constants)
                if through:
                    actions |= through
                else:
                    unread.append(where)
    return actions, unread


def _through_helper(
    tree: ast.Module, call: ast.Call, first: ast.expr, constants: dict[str, str]
) -> set[str]:
    """The actions of a module's own helper that logs an action its callers name: the
    helper's parameter given as the action (`log_action(action, ...)`) or as the end of it
    (`log_action(f"app.thing.{verb}", ...)`), read from every call of the helper in the
    same module (a literal, a module constant, or a parameter of a helper in turn). Empty
    when they cannot all be read."""
    if isinstance(first, ast.Name):
        param, prefix = first.id, ""
    elif (
        isinstance(first, ast.JoinedStr)
        and len(first.values) == 2
        and isinstance(first.values[0], ast.Constant)
        and isinstance(first.values[1], ast.FormattedValue)
        and isinstance(first.values[1].value, ast.Name)
    ):
        param, prefix = first.values[1].value.id, str(first.values[0].value)
    else:
        return set()
    values = _passed(tree, call, param, constants, depth=3)
    return {prefix + value for value in values} if values else set()


def _enclosing(tree: ast.Module, node: ast.AST) -> ast.FunctionDef | None:
    inner = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and node in ast.walk(f)]
    return min(inner, key=lambda f: len(list(ast.walk(f))), default=None)


def _passed(
    tree: ast.Module, node: ast.AST, param: str, constants: dict[str, str], depth: int
) -> set[str]:
    """Every text given for `param` of the function around `node` by its callers."""
    helper = _enclosing(tree, node)
    names = [a.arg for a in helper.args.args + helper.args.kwonlyargs] if helper else []
    if helper is None or param not in names or depth == 0:
        return set()
    position = (
        [a.arg for a in helper.args.args].index(param)
        if param in [a.arg for a in helper.args.args]
        else None
    )
    found: set[str] = set()
    for other in ast.walk(tree):
        if not (isinstance(other, ast.Call) and getattr(other.func, "id", None) == helper.name):
            continue
        given = next((k.value for k in other.keywords if k.arg == param), None)
        if given is None and position is not None and position < len(other.args):
            given = other.args[position]
        if isinstance(given, ast.Constant) and isinstance(given.value, str):
            found.add(given.value)
        elif isinstance(given, ast.Name) and given.id in constants:
            found.add(constants[given.id])
        elif isinstance(given, ast.Name):
            deeper = _passed(tree, other, given.id, constants, depth - 1)
            if not deeper:
                return set()
            found |= deeper
        else:
            return set()
    return found


def admin_actions() -> set[str]:
    return {
        f"{model._meta.app_label}.{model._meta.model_name}.{verb}"
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, AuditedAdminMixin)
        for verb in ("created", "changed")
    }


def every_action() -> list[str]:
    actions, _ = logged_actions()
    return sorted(actions | admin_actions())


def _entry(action: str) -> SimpleNamespace:
    data = {
        "number": "A003",
        "counter": 1,
        "from_counter": 1,
        "to_counter": 5,
        "service": "BKK",
        "from_service": "BKK",
        "to_service": "OKU",
        "reason": "Rehat",
        "name": "Kiosk 1",
        "kind": "kiosk",
        "ticket": "A003",
        "tokens_revoked": 1,
        "username": "petugas1",
        "matches": 2,
        "rows": 10,
        "export": "register",
        "text_ms": "Notis",
        "recalls": 2,
        "outcome": "Borang diberi",
        "score": 4,
        "reference": "BAP-PKMD-PJ-2026-000123",
        "version": 2,
        "review_due": "2027-06-30",
        "officer_name": "Pegawai Satu",
        "files": 2,
        "date": "2026-07-09",
        "slips": 3,
        "serial": "BKP-0001",
        "report": "smp16",
        "format": "pdf",
        # The telephone desk's.
        "call_id": "1700000000.42",
        "wait_seconds": 6.0,
        "officer": "Pegawai Satu",
        "extension": "231",
        "held_seconds": 20,
        "urgency": "urgent",
        "due": "2026-11-26",
        "lines": 1000,
        "added": 120,
        "updated": 3,
        "skipped": 2,
        "from": "2026-11-01",
        "to": "2026-11-30",
        "presence": "out",
        "title": "Tinjauan Persepsi 2026",
        "section": "Ketaraan",
    }
    return SimpleNamespace(
        action=action,
        data=data,
        target_type="queueing.ticket",
        target_id="7",
        actor="petugas1",
        office_code="PKMD-PJ",
        ip="127.0.0.1",
    )


def test_the_collection_reads_every_log_action_call_and_finds_the_known_ones():
    actions, unread = logged_actions()
    assert unread == []
    # A sample from each app, so a collector that found nothing cannot pass.
    assert {
        "core.token.issued",
        "core.personal.mykad_revealed",
        "organisation.device.pairing_failed",
        "queueing.ticket.issued",
        "queueing.ticket.transferred",
        "register.entry.recorded",
    } <= actions
    assert "organisation.counter.changed" in admin_actions()


@pytest.mark.parametrize("action", every_action())
def test_every_logged_action_has_a_sentence_in_malay_and_english(action):
    assert sentence_for(action) is not None, f"no sentence registered for {action}"
    entry = _entry(action)
    with translation.override("ms"):
        malay = describe(entry)
        malay_fallback = fallback(entry)
    with translation.override("en"):
        english = describe(entry)
    assert malay != malay_fallback
    assert malay != english, f"{action} has no Malay sentence: {english!r}"
    for text in (malay, english):
        assert action not in text and "_" not in text and "—" not in text, text


def test_an_action_without_a_sentence_still_reads_as_words():
    entry = _entry("telephony.call.parked")
    entry.data = {"line_no": 3}
    with translation.override("ms"):
        assert describe(entry) == "Tiket 7: parked (line no: 3)"
    entry.target_type = ""
    with translation.override("en"):
        assert describe(entry) == "Call: parked (line no: 3)"
