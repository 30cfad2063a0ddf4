"""Live presence: where a person is right now, told by the apps that know.

The staff directory (organisation) keeps what people set themselves (in the office, out,
in a meeting, on leave). Some presence is a fact another app records: a person with an
open counter session is "at counter N". Such apps register a source here, so the
directory can show it without importing them (apps depend downward only).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PresenceSource = Callable[[Any], dict[int, str]]  # office -> {user id: label}
_sources: list[PresenceSource] = []


def register_presence_source(source: PresenceSource) -> None:
    if source not in _sources:
        _sources.append(source)


def live_presence(office: Any) -> dict[int, str]:
    """{user id: label} of the people whose whereabouts an app knows right now."""
    found: dict[int, str] = {}
    for source in _sources:
        found.update(source(office))
    return found


# Apps that show presence live (the operator console) are told when a person sets theirs:
# the directory's service calls them inside its transaction, so their live events are
# numbered and sent with the change (and not at all if it rolls back).
PresenceListener = Callable[[Any], None]  # the staff member, after the change
_listeners: list[PresenceListener] = []


def register_presence_listener(listener: PresenceListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def presence_changed(staff: Any) -> None:
    for listener in _listeners:
        listener(staff)
