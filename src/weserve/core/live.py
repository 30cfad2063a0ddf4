"""Live events: numbered per-office streams, sent after commit. Any app publishes here.

A stream is a name an app chooses (queueing's is `queue`); each (office, stream) has
its own numbers. The protocol every live screen follows (DESIGN.md, "Live screens"):

1. The app serves a snapshot of what the screen shows, with the stream's number at
   that moment (`snapshot`): the screen renders it.
2. The screen's WebSocket consumer (a `LiveConsumer`) forwards the stream's events, each
   `{"seq", "type", ...}` and numbered by `publish` inside the transaction that made
   the change, on a row that stays locked until commit: numbers follow commit order.
3. A screen applies an event whose `seq` is one more than the last it saw; on a gap, or
   after a reconnect, it fetches the snapshot again. Nothing depends on receiving
   every message, so a lost send is only logged.

A socket also joins a group per credential it was opened with (`credential_groups`: the
device, the person, the person's API token, the browser session). Revoking a credential
calls `close_sockets_on_commit`, and every consumer in its groups, on whichever worker,
closes with `CLOSE_REVOKED`: a revoked display stops receiving calls at once, not at its
next reconnect.

A socket checks itself every LIVE_CHECK_SECONDS (`LiveConsumer.check`): it joins its
groups again, re-checks its credentials, and closes with `CLOSE_STREAM_LOST` when events
its streams numbered never reached it, so that no screen stays open and deaf (a
restarted Redis forgets every group).

In a server process events leave through the process's outbox: request threads put them
there and the event loop sends them after gathering a few milliseconds, one
channel-layer message per group (`AttachLoopMiddleware` attaches the loop on the first
HTTP request). Without a server loop (the test client, the task worker, commands) they
are sent at once.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import random
import threading
from collections.abc import Callable, Mapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from weserve.core.models import StreamSequence

log = logging.getLogger(__name__)

Event = dict[str, Any]


def group_name(office_id: int, stream: str) -> str:
    """The channel-layer group of an office's stream."""
    return f"office.{office_id}.{stream}"


def current_seq(office_id: int, stream: str) -> int:
    """The number of the stream's last event (0 before the first)."""
    row = StreamSequence.objects.filter(office_id=office_id, stream=stream)
    return row.values_list("last", flat=True).first() or 0


@functools.cache
def _next_seq_sql() -> str:
    # One upsert, so the first event of a stream needs no row made beforehand; the
    # table name is read from the model (PostgreSQL rejects a bare `last + 1` here).
    table = StreamSequence._meta.db_table
    return (
        f"INSERT INTO {table} (office_id, stream, last) VALUES (%s, %s, 1) "  # noqa: S608 - a model's table name
        f"ON CONFLICT (office_id, stream) DO UPDATE SET last = {table}.last + 1 "
        "RETURNING last"
    )


def next_seq(office_id: int, stream: str) -> int:
    """Take the stream's next number. The row stays locked until the caller's transaction
    ends, so numbers follow commit order; call it inside that transaction."""
    with connection.cursor() as cursor:
        cursor.execute(_next_seq_sql(), [office_id, stream])
        return int(cursor.fetchone()[0])


def publish(office_id: int, stream: str, type_: str, **payload: Any) -> Event:
    """Number an event now, in the caller's transaction; send it when that commits."""
    event = {"seq": next_seq(office_id, stream), "type": type_, **payload}
    send_on_commit(office_id, stream, event)
    return event


def snapshot(office_id: int, stream: str, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A screen's snapshot: `build()` with the stream's number as `seq`.

    The number is read before the state: an event committed in between is then both in
    the state and numbered above `seq`, so the screen may see a change twice but never
    misses one.
    """
    seq = current_seq(office_id, stream)
    return {"seq": seq, **build()}


def send_on_commit(office_id: int, stream: str, event: Event) -> None:
    """Send an already numbered event when the surrounding transaction commits (at once
    outside a transaction: what was written is committed already)."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block and (conn.connection is None or conn.autocommit):
        # What on_commit does in autocommit mode, without taking a pooled connection
        # only to ask (a connection not yet taken will be in autocommit mode).
        send(office_id, stream, event)
        return
    transaction.on_commit(lambda: send(office_id, stream, event))


def send(office_id: int, stream: str, event: Event) -> None:
    """Send a numbered event to the stream's screens (committed work only).

    In a server process (see `attach_loop`) the event joins the process's outbox and the
    request goes on; the loop sends what the outbox holds, one message per group however
    many events it carries, so under load many requests share one trip to the channel
    layer. Elsewhere it is sent at once.
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


def batch_message(group: str, batch: list[Event]) -> dict[str, Any]:
    """The channel-layer message that carries events to a group's consumers (which
    follow each group's numbers: `LiveConsumer.check`)."""
    return {"type": "stream.events", "group": group, "events": batch}


def _send_now(group: str, batch: list[Event]) -> None:
    layer = get_channel_layer()
    if layer is None or not batch:
        return
    try:
        async_to_sync(layer.group_send)(group, batch_message(group, batch))
    except Exception:  # noqa: BLE001 - a lost push is repaired by the snapshot
        log.warning("could not send live event to %s", group, exc_info=True)


def _by_group(pairs: list[tuple[str, Event]]) -> dict[str, list[Event]]:
    grouped: dict[str, list[Event]] = {}
    for group, event in pairs:
        grouped.setdefault(group, []).append(event)
    return grouped


# The outbox of a server process: (group, event) pairs waiting for the event loop.
_loop: asyncio.AbstractEventLoop | None = None
_outbox: list[tuple[str, Event]] = []
_outbox_lock = threading.Lock()
_outbox_flushing = [False]
_flush_tasks: set[asyncio.Future[None]] = set()
OUTBOX_GATHER_SECONDS = 0.005


def attach_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Send events through this (running) loop from now on: the server's own."""
    global _loop
    _loop = loop


def detach_loop() -> None:
    global _loop
    _loop = None


def _start_flush() -> None:
    task = asyncio.ensure_future(_flush())
    _flush_tasks.add(task)
    task.add_done_callback(_flush_tasks.discard)


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
            *(layer.group_send(g, batch_message(g, evs)) for g, evs in by_group.items()),
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


# The close code a socket gets when its credential is revoked (4000-4999 are the
# application's; 4401 reads as "no longer authenticated", beside 4404 for a refusal).
CLOSE_REVOKED = 4401
REVOKED_MESSAGE = {"type": "credential.revoked"}
# The close code of a socket that lost its subscription (the channel layer restarted or
# cannot be reached, or events did not arrive): the screen reconnects and reads the
# snapshot, or polls it while the channel layer stays away ("503" of live streams).
CLOSE_STREAM_LOST = 4503


def device_group(device_id: int) -> str:
    """The group of every socket a device opened (token or paired cookie)."""
    return f"device.{device_id}"


def user_group(user_id: int) -> str:
    """The group of every socket a person opened (session or API token)."""
    return f"user.{user_id}"


def token_group(token_id: int) -> str:
    """The group of every socket opened with one of a person's API tokens."""
    return f"token.{token_id}"


def session_group(session_key: str) -> str:
    """The group of every socket opened with one browser session (signing out closes
    them). Named by a hash: the channel layer's keys are no place for a session key."""
    digest = hashlib.sha256(f"weserve.live.session:{session_key}".encode()).hexdigest()
    return f"session.{digest[:40]}"


def credential_groups(scope: Mapping[str, Any]) -> list[str]:
    """The credential groups of a socket: its device, its person, its API token and
    its browser session."""
    groups: list[str] = []
    principal = scope.get("principal")
    if principal is not None:
        if principal.device is not None:
            groups.append(device_group(principal.device.pk))
        if principal.user is not None:
            groups.append(user_group(principal.user.pk))
        if principal.token_id is not None:
            groups.append(token_group(principal.token_id))
    user = scope.get("user")
    if user is not None and user.is_authenticated:
        groups.append(user_group(user.pk))
        session = scope.get("session")
        key = getattr(session, "session_key", None)
        if key:
            groups.append(session_group(key))
    return list(dict.fromkeys(groups))


def close_sockets(*groups: str) -> None:
    """Close every open socket in these credential groups, on every worker (committed
    revocations only: a socket closed for a revocation that rolled back would reconnect
    anyway, but nothing should say a credential is dead while it lives)."""
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, REVOKED_MESSAGE)
        except Exception:  # noqa: BLE001 - the credential is dead either way
            # The socket's next check (LiveConsumer.check) or reconnect is refused;
            # until then it goes on listening, which the log must say.
            log.error("could not close the sockets of %s", group, exc_info=True)


def close_sockets_on_commit(*groups: str) -> None:
    """Close these credential groups' sockets when the surrounding transaction commits."""
    transaction.on_commit(functools.partial(close_sockets, *groups))


def check_seconds() -> float:
    """How often a live socket checks itself (settings.LIVE_CHECK_SECONDS)."""
    return float(getattr(settings, "LIVE_CHECK_SECONDS", 10))


@database_sync_to_async
def _current_seqs(streams: list[tuple[int, str]]) -> dict[tuple[int, str], int]:
    return {(office_id, stream): current_seq(office_id, stream) for office_id, stream in streams}


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Forwards one office stream's events to a screen's socket.

    A subclass names its `stream`, decides in `connect` whether the caller may follow
    the office (closing with 4404 otherwise, so another office's existence is not
    disclosed) and then calls `join(office_id)`; it may follow more streams with
    `follow`. It may reshape what it forwards (`send_event`, or `stream_events` for a
    whole batch). Screens only listen; a `{"type": "ping"}` is answered with
    `{"type": "pong"}` so proxies keep idle sockets.

    The socket also joins its credential groups, and closes with `CLOSE_REVOKED` when
    its credential is revoked (`close_sockets`).

    Every `check_seconds()` the socket checks itself (`check`): it joins its groups
    again (a restarted Redis has forgotten them; channels_redis also forgets a member
    after a day), asks whether its credentials still hold (a revocation whose close
    message was lost), and compares each stream's number in the database with the last
    event it forwarded. Events numbered at the previous check that still have not
    arrived were lost: it closes with `CLOSE_STREAM_LOST`, and the screen reconnects and
    reads the snapshot. A channel layer that cannot be reached closes it the same way,
    and the screen polls the snapshot until the layer is back.
    """

    stream: str = ""
    group: str | None = None
    credentials: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.followed: dict[str, tuple[int, str]] = {}  # group -> (office id, stream)
        self.forwarded: dict[str, int] = {}  # group -> the highest number forwarded
        self.due: dict[str, int] = {}  # group -> the number the database had at the last check
        self.watcher: asyncio.Future[None] | None = None
        self.closing = False

    async def join(self, office_id: int) -> None:
        self.credentials = tuple(credential_groups(self.scope))
        for group in self.credentials:
            await self.channel_layer.group_add(group, self.channel_name)
        # A revocation committed between the handshake's look-up and joining the groups
        # above was sent to nobody: look again now that it would reach this socket.
        from weserve.core.ws import still_authorised  # ws -> tokens -> live: not at the top

        if self.credentials and not await still_authorised(self.scope):
            await self.close(code=CLOSE_REVOKED)
            return
        self.group = await self.follow(office_id, self.stream)
        await self.accept()
        self.watcher = asyncio.ensure_future(self._watch())

    async def follow(self, office_id: int, stream: str) -> str:
        """Forward this office stream's events too; returns its group."""
        group = group_name(office_id, stream)
        await self.channel_layer.group_add(group, self.channel_name)
        self.followed[group] = (office_id, stream)
        # Read after joining: an event committed from here on reaches this socket.
        seqs = await _current_seqs([(office_id, stream)])
        self.forwarded[group] = seqs[(office_id, stream)]
        return group

    async def disconnect(self, code: int) -> None:
        if self.watcher is not None:
            self.watcher.cancel()
        for group in (*self.followed, *self.credentials):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        if self.closing:
            return
        self.closing = True
        await super().close(code=code, reason=reason)

    async def _watch(self) -> None:
        every = check_seconds()
        while not self.closing:
            # Spread out, so that the sockets opened together after a restart do not all
            # check at the same moment.
            await asyncio.sleep(every * random.uniform(0.8, 1.2))  # noqa: S311 - not a secret
            try:
                code = await self.check()
            except Exception:  # noqa: BLE001 - the next check tries again
                log.warning("a live socket's check failed", exc_info=True)
                continue
            if code is not None:
                await self.close(code=code)
                return

    async def check(self) -> int | None:
        """The code to close this socket with, or None while it is subscribed, allowed
        and receiving what its streams number."""
        try:
            for group in (*self.followed, *self.credentials):
                await self.channel_layer.group_add(group, self.channel_name)
        except Exception:  # noqa: BLE001 - whatever the layer says, it is not listening
            log.warning("live socket lost its channel layer; closing it", exc_info=True)
            return CLOSE_STREAM_LOST
        from weserve.core.ws import still_authorised

        if self.credentials and not await still_authorised(self.scope, fresh_session=True):
            return CLOSE_REVOKED
        try:
            numbers = await _current_seqs(list(self.followed.values()))
        except DatabaseError:
            return None  # the snapshot cannot be read either; nothing to tell the screen
        lost = False
        for group, key in self.followed.items():
            now, seen = numbers[key], self.forwarded.get(group, 0)
            if seen < self.due.get(group, 0):
                lost = True  # numbered a whole check ago and never arrived
            if seen < now:
                self.due[group] = now
            else:
                self.due.pop(group, None)
        if lost:
            log.warning("live socket missed events of %s; closing it", ", ".join(self.followed))
            return CLOSE_STREAM_LOST
        return None

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") == "stream.events" and message.get("group") in self.forwarded:
            numbers = [e["seq"] for e in message["events"] if isinstance(e.get("seq"), int)]
            if numbers:
                group = message["group"]
                self.forwarded[group] = max(self.forwarded[group], *numbers)
        await super().dispatch(message)

    async def credential_revoked(self, message: dict[str, Any]) -> None:
        await self.close(code=CLOSE_REVOKED)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def stream_events(self, message: dict[str, Any]) -> None:
        for event in message["events"]:
            await self.send_event(event)

    async def send_event(self, event: Event) -> None:
        await self.send_json(event)
