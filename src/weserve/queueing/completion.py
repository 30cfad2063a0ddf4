"""What other apps ask before a ticket is completed (the customer register: "is this
customer in the register?").

An app registers a check from its AppConfig.ready(), as console panels are
(queueing/panels.py), so the queue imports nothing above it. A check looks at the ticket
and says what is missing, if anything, and whether the office requires it:

- required: `services.complete` refuses, whoever calls it (console, API), with the
  check's code and message;
- not required: the counter console asks the person to confirm before completing; the
  service and the API complete as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class Missing:
    """Something a check expected before completion and did not find."""

    code: str  # stable, for programs: the API's error code when required
    message: str | Promise  # translated, for people
    required: bool


@dataclass(frozen=True)
class CompletionCheck:
    name: str  # unique
    check: Callable[[Any], Missing | None]  # called with the ticket, inside complete()


_checks: list[CompletionCheck] = []


def register_completion_check(check: CompletionCheck) -> None:
    if all(existing.name != check.name for existing in _checks):
        _checks.append(check)


def missing_before_completion(ticket: Any) -> list[Missing]:
    """What the registered checks miss for this ticket (required ones first)."""
    found = [m for c in _checks if (m := c.check(ticket)) is not None]
    return sorted(found, key=lambda m: not m.required)
