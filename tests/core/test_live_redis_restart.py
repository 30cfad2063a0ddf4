"""A display on the Redis channel layer while Redis restarts, and while it is stopped.

bench/faults.py found that after a Redis restart the displays' sockets stayed open and
received nothing: Redis had forgotten the groups, and a board showed stale calls for
ever. A socket now checks itself (weserve.core.live.LiveConsumer.check): it joins its
groups again, and closes (CLOSE_STREAM_LOST) when events numbered a check ago never came
or the layer cannot be reached, so that the board reconnects and reads the snapshot, or
polls it while Redis stays away. The snapshot needs only the database.

A private redis-server on a free port, restarted by the test; checks every half second.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import Client, override_settings
from redis.asyncio.retry import Retry
from redis.backoff import ConstantBackoff

from tests.factories import build_office_tree, issue_ticket, make_user
from tests.wsclient import WebSocket
from weserve.asgi import application
from weserve.core import live
from weserve.core.roles import Role
from weserve.organisation.devices import create_device
from weserve.organisation.models import Counter
from weserve.queueing import services

REDIS_SERVER = shutil.which("redis-server")
pytestmark = [
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server"),
    pytest.mark.django_db(transaction=True),
]

CHECK = 0.5  # seconds between a socket's checks (10 in production)
WITHIN = 8 * CHECK  # a lost event is noticed within two checks; room for a loaded machine


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """A redis-server of this test's own, without persistence: a restart forgets all."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(  # noqa: S603 - our own redis-server
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture
def redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        host = {
            "address": f"redis://127.0.0.1:{server.port}/0",
            # A quick reconnect, so that a stopped server is known in about 2 s (the
            # default retries take about 7 s) and a restart is ridden out.
            "retry": Retry(ConstantBackoff(0.5), 4),
        }
        layers = {
            "default": {
                "BACKEND": "weserve.core.channel_layer.RedisChannelLayer",
                "CONFIG": {"hosts": [host], "brpop_timeout": CHECK},
            }
        }
        with override_settings(CHANNEL_LAYERS=layers, LIVE_CHECK_SECONDS=CHECK):
            yield server
    finally:
        server.stop()


async def learns_of(ws: WebSocket, seconds: float) -> Any:
    """What a display learns within `seconds`: the next event, or that its socket closed
    (with its code, or the error its consumer died of: the server closes the socket,
    1011). None: nothing at all, the socket still open (deaf)."""
    try:
        message = await ws.receive_output(seconds)
    except TimeoutError:
        return None
    except Exception as error:  # noqa: BLE001 - the consumer died: the server closes the socket
        return ("closed", repr(error))
    if message["type"] == "websocket.close":
        return ("closed", message.get("code"))
    return ("event", message["text"])


def test_a_display_learns_of_calls_across_a_redis_restart_and_while_redis_is_stopped(
    redis: PrivateRedis,
):
    tree = build_office_tree()
    _device, token = create_device(tree.pj, "display", "TV")
    staff = make_user("kaunter", tree.pj, Role.COUNTER_STAFF)
    counter = Counter.objects.get(office=tree.pj, number=1)
    services.open_counter(counter, acting_user=staff)
    other = Counter.objects.get(office=tree.pj, number=2)
    services.open_counter(other, acting_user=make_user("kaunter2", tree.pj, Role.COUNTER_STAFF))
    headers = [(b"authorization", f"Bearer {token}".encode())]

    async def display() -> WebSocket:
        ws = WebSocket(application, "/ws/offices/PKMD-PJ/display/", headers=headers)
        assert await ws.connect()
        return ws

    async def scenario() -> dict[str, Any]:
        seen: dict[str, Any] = {}
        ws = await display()
        await database_sync_to_async(issue_ticket)(tree.pj, tree.services["BKK"])
        seen["before"] = await learns_of(ws, 3)

        # Restarted: the server has forgotten every group. An event sent now reaches
        # nobody; the socket must not stay open and silent.
        await database_sync_to_async(redis.restart)()
        await database_sync_to_async(issue_ticket)(tree.pj, tree.services["BKK"])
        seen["after restart"] = await learns_of(ws, WITHIN)
        if seen["after restart"] is None:
            return seen  # deaf (what it was before the sockets checked themselves)
        if seen["after restart"][0] == "closed":
            ws = await display()  # the board reconnects (and reads the snapshot)
        await database_sync_to_async(services.call_next)(counter, acting_user=staff)
        seen["next call"] = await learns_of(ws, WITHIN)

        # Stopped: the socket closes, and the board polls the snapshot, which the
        # database alone answers, calls made meanwhile included.
        await database_sync_to_async(redis.stop)()
        seen["stopped"] = await learns_of(ws, WITHIN)
        return seen

    live.detach_loop()
    seen = async_to_sync(scenario)()

    assert seen["before"][0] == "event"
    # Either the socket joined its group again before the event was sent and got it,
    # or the event was lost and the socket closed so that the board reads the snapshot.
    assert seen["after restart"] is not None, "the display went deaf after the restart"
    assert seen["after restart"] in {("closed", live.CLOSE_STREAM_LOST)} or (
        seen["after restart"][0] == "event" and '"issued"' in seen["after restart"][1]
    )
    assert seen["next call"] is not None and seen["next call"][0] == "event"
    assert '"called"' in seen["next call"][1]
    assert seen["stopped"] is not None, "the display stayed open, deaf, with Redis stopped"
    assert seen["stopped"][0] == "closed"

    # With Redis still stopped, a call is made and the board's poll shows it.
    ticket = services.call_next(other, acting_user=other.sessions.get().user)
    assert ticket is not None
    snapshot = Client().get("/api/v1/offices/PKMD-PJ/display", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert snapshot.status_code == 200
    assert snapshot.json()["calls"][0]["number"] == ticket.number
