"""The API fuzz run's figures, printed at the end of `pytest -m fuzz` (docs/reliability.md)."""

from __future__ import annotations

from collections import Counter

import pytest

# Filled by tests/fuzz/test_api_fuzz.py as it runs.
FIGURES: dict[str, Counter] = {
    "examples": Counter(),
    "requests": Counter(),
    "statuses": Counter(),
    "by_operation": Counter(),
}


def pytest_sessionfinish(session: pytest.Session) -> None:
    # A parallel worker (xdist) hands its figures to the run that prints them.
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["fuzz_figures"] = {
            name: [[list(k) if isinstance(k, tuple) else k, n] for k, n in counts.items()]
            for name, counts in FIGURES.items()
        }


@pytest.hookimpl(optionalhook=True)  # xdist's; absent when the run is not parallel
def pytest_testnodedown(node: object, error: object) -> None:
    figures = getattr(node, "workeroutput", {}).get("fuzz_figures", {})
    for name, pairs in figures.items():
        for key, n in pairs:
            FIGURES[name][tuple(key) if isinstance(key, list) else key] += n


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    examples, requests = FIGURES["examples"], FIGURES["requests"]
    if not requests:
        return
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(FIGURES["statuses"].items()))
    if terminalreporter.config.getoption("verbose") > 0:
        for label in sorted(examples):
            answers = sorted(
                (s, n) for (op, s), n in FIGURES["by_operation"].items() if op == label
            )
            terminalreporter.write_line(f"  {label}: " + ", ".join(f"{s}: {n}" for s, n in answers))
    terminalreporter.write_line(
        f"API fuzz: {len(examples)} operations, {sum(examples.values())} examples, "
        f"{sum(requests.values())} requests (statuses {statuses})"
    )
