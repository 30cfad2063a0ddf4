"""Numbered live events per office, sent after commit.

Every event of an office's queue carries `seq`, the next number of the office's `queue`
stream. The number is taken inside the transaction that made the change, on a row that
stays locked until commit, so numbers follow commit order; a screen that sees a gap or
reconnects fetches a snapshot.

One stream serves every screen of the office: the display board, the counter consoles,
the supervisor's live view and the mobile ticket pages all join its group, so a change
is one number and one send, however many kinds of screen follow it. Events carry the
ticket's public id for the staff screens; the display board and the mobile pages get
`public(event)`, without it (the id opens the mobile ticket page; docs/architecture.md).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction

from weserve.organisation.models import Office

log = logging.getLogger(__name__)

QUEUE = "queue"

_NEXT_SEQ_SQL = """
INSERT INTO queueing_streamsequence (office_id, stream, last) VALUES (%s, %s, 1)
ON CONFLICT (office_id, stream)
DO UPDATE SET last = queueing_streamsequence.last + 1
RETURNING last
"""

# Fields of an event's ticket that only staff screens receive.
STAFF_ONLY_TICKET_FIELDS = ("id",)


def group_name(office_id: int, stream: str = QUEUE) -> str:
    return f"office.{office_id}.{stream}"


def current_seq(office: Office, stream: str = QUEUE) -> int:
    from weserve.queueing.models import StreamSequence

    row = StreamSequence.objects.filter(office=office, stream=stream).values_list("last", flat=True)
    return row.first() or 0


def next_seq(office_id: int, stream: str = QUEUE) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SEQ_SQL, [office_id, stream])
        return int(cursor.fetchone()[0])


def public(event: dict[str, Any]) -> dict[str, Any]:
    """The event as public screens (the TV, the customer's phone) may see it."""
    ticket = event.get("ticket")
    if not isinstance(ticket, dict):
        return event
    shown = {k: v for k, v in ticket.items() if k not in STAFF_ONLY_TICKET_FIELDS}
    return {**event, "ticket": shown}


def send(office_id: int, event: dict[str, Any], stream: str = QUEUE) -> None:
    """Send a numbered event to the stream's screens.

    In a server process (the event loop was attached, see `attach_loop`) the event joins
    the process's outbox and the request goes on; the loop sends what the outbox holds,
    one message per group however many events it carries, so under load many requests
    share one trip to the channel layer. Elsewhere (the test client, the task worker,
    management commands) it is sent at once.
    """
    group = group_name(office_id, stream)
    loop = _loop
    if loop is not None and loop.is_running() and not loop.is_closed():
        with _outbox_lock:
            _outbox.append((group, event))
            start = not _outbox_flushing[0]
            _outbox_flushing[0] = True
        if not start:
            return
        try:
            loop.call_soon_threadsafe(_start_flush)
            return
        except RuntimeError:  # the loop closed just now (the server is stopping)
            with _outbox_lock:
                waiting = list(_outbox)
                _outbox.clear()
                _outbox_flushing[0] = False
            for each_group, batch in _by_group(waiting).items():
                _send_now(each_group, batch)
            return
    _send_now(group, [event])


def _send_now(group: str, batch: list[dict[str, Any]]) -> None:
    layer = get_channel_layer()
    if layer is None or not batch:
        return
    try:
        async_to_sync(layer.group_send)(group, batch_message(batch))
    except Exception:  # noqa: BLE001 - a lost push is repaired by the snapshot
        log.warning("could not send live event to %s", group, exc_info=True)


def _by_group(pairs: list[tuple[str, dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for group, event in pairs:
        grouped.setdefault(group, []).append(event)
    return grouped


def batch_message(batch: list[dict[str, Any]]) -> dict[str, Any]:
    """The channel-layer message that carries events to a group's consumers."""
    return {"type": "stream.events", "events": batch}


# The outbox of a server process: (group, event) pairs waiting for the event loop.
_loop: asyncio.AbstractEventLoop | None = None
_outbox: list[tuple[str, dict[str, Any]]] = []
_outbox_lock = threading.Lock()
_outbox_flushing = [False]
OUTBOX_GATHER_SECONDS = 0.005


def attach_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Send events through this (running) loop from now on: the server's own."""
    global _loop
    _loop = loop


def in_server_loop() -> bool:
    """Whether the caller runs in the attached server loop (not a thread, nor a loop of
    its own such as the test client's)."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        return False
    return running is _loop


def detach_loop() -> None:
    global _loop
    _loop = None


def _start_flush() -> None:
    task = asyncio.ensure_future(_flush())
    _flush_tasks.add(task)
    task.add_done_callback(_flush_tasks.discard)


_flush_tasks: set[asyncio.Future[None]] = set()


async def _flush() -> None:
    """Send the outbox until it stays empty; events that arrive while a batch is on its
    way go in the next batch, in the order they came."""
    layer = get_channel_layer()
    while True:
        # A few milliseconds for the events of requests finishing meanwhile to join in:
        # under load one message carries many, and no screen notices the wait.
        await asyncio.sleep(OUTBOX_GATHER_SECONDS)
        with _outbox_lock:
            batch = list(_outbox)
            _outbox.clear()
            if not batch or layer is None:
                _outbox_flushing[0] = False
                return
        by_group = _by_group(batch)
        results = await asyncio.gather(
            *(layer.group_send(g, batch_message(evs)) for g, evs in by_group.items()),
            return_exceptions=True,
        )
        for group, result in zip(by_group, results, strict=True):
            if isinstance(result, BaseException):
                # A lost push is repaired by the snapshot the screen fetches on a gap.
                log.warning("could not send live events to %s", group, exc_info=result)


class AttachLoopMiddleware:
    """ASGI middleware: the first HTTP request attaches the server's event loop, so that
    live events leave through the outbox (see `send`)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "http" and _loop is None:
            attach_loop(asyncio.get_running_loop())
        return await self.app(scope, receive, send)


def send_on_commit(office_id: int, event: dict[str, Any], stream: str = QUEUE) -> None:
    """Send an already numbered event when the surrounding transaction commits (at once
    outside a transaction: what was written is committed already)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block and (connection.connection is None or connection.autocommit):
        # What on_commit does in autocommit mode, without taking a pooled connection
        # only to ask (a connection not yet taken will be in autocommit mode).
        send(office_id, event, stream)
        return
    transaction.on_commit(lambda: send(office_id, event, stream))


def publish(office_id: int, type_: str, stream: str = QUEUE, **payload: Any) -> dict[str, Any]:
    """Number an event now; send it when the surrounding transaction commits."""
    event = {"seq": next_seq(office_id, stream), "type": type_, **payload}
    send_on_commit(office_id, event, stream)
    return event
