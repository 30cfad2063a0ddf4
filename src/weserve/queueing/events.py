"""The queue's live stream: its name, what public screens may see, and publishing on it.

The numbered streams themselves are core's (`weserve.core.live`); this module binds them
to the office's one `queue` stream. One stream serves every screen of the office: the
display board, the counter consoles, the supervisor's live view and the mobile ticket
pages all join its group, so a change is one number and one send, however many kinds of
screen follow it. Events carry the ticket's public id for the staff screens; the display
board and the mobile pages get `public(event)`, without it (the id opens the mobile
ticket page; docs/architecture.md).
"""

from __future__ import annotations

from typing import Any

from weserve.core import live
from weserve.organisation.models import Office

QUEUE = "queue"

# Fields of an event's ticket that only staff screens receive.
STAFF_ONLY_TICKET_FIELDS = ("id",)


def group_name(office_id: int) -> str:
    return live.group_name(office_id, QUEUE)


def current_seq(office: Office) -> int:
    return live.current_seq(office.pk, QUEUE)


def public(event: dict[str, Any]) -> dict[str, Any]:
    """The event as public screens (the TV, the customer's phone) may see it."""
    ticket = event.get("ticket")
    if not isinstance(ticket, dict):
        return event
    shown = {k: v for k, v in ticket.items() if k not in STAFF_ONLY_TICKET_FIELDS}
    return {**event, "ticket": shown}


def publish(office_id: int, type_: str, **payload: Any) -> dict[str, Any]:
    """Number a queue event now; send it when the surrounding transaction commits."""
    return live.publish(office_id, QUEUE, type_, **payload)


def send(office_id: int, event: dict[str, Any]) -> None:
    """Send a queue event numbered already, whose work is committed (the issue
    statement's, which commits on its own)."""
    live.send(office_id, QUEUE, event)
