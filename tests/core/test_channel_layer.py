"""The Redis channel layer (several workers, weserve.core.channel_layer).

A socket's consumer waits for its next message with blocking pops of `brpop_timeout`
seconds. Two ways that went wrong on channels_redis 4.3 with redis-py 8:

- reads timed out as long as a pop lasted (5 s both), so every socket quiet for 5 s died;
- a cancelled receive whose CancelledError was lost (Python 3.11's wait_for, inside
  redis-py's writes) popped on for ever, and the event loop shutting down after a test
  hung waiting for it (tests/queueing/test_consumers.py, twice, on PostgreSQL + Redis).

The pops here last half a second, so that a socket can be quiet for several of them
within a short test; the relation between the read timeout and the pop is what counts.
"""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer as ChannelsRedisLayer
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from tests.factories import build_office_tree, issue_ticket
from tests.wsclient import WebSocket
from weserve.asgi import application
from weserve.core.channel_layer import READ_TIMEOUT_FACTOR, RedisChannelLayer
from weserve.organisation.devices import create_device

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis channel layer")

POP = 0.5  # seconds of one blocking pop in these tests (5 in production)
QUIET = 4 * POP  # longer than a pop and than the read timeout of the broken layer


class PlainLayerWithShortPops(ChannelsRedisLayer):
    """channels_redis's own layer, popping for POP seconds."""

    brpop_timeout = POP  # type: ignore[assignment]


def layer_settings(backend: str, **config: object) -> dict:
    hosts = [{"address": settings.REDIS_URL, **config.pop("host", {})}]  # type: ignore[dict-item]
    return {"default": {"BACKEND": backend, "CONFIG": {"hosts": hosts, **config}}}


def quiet_display_then_a_ticket() -> tuple[bool, dict | None]:
    """A display socket, quiet for several pops; then a ticket is issued. Whether the
    socket was still open after the quiet, and the event it then received."""
    tree = build_office_tree()
    _device, token = create_device(tree.pj, "display", "TV")

    async def scenario() -> tuple[bool, dict | None]:
        ws = WebSocket(
            application,
            "/ws/offices/PKMD-PJ/display/",
            headers=[(b"authorization", f"Bearer {token}".encode())],
        )
        assert await ws.connect()
        await asyncio.sleep(QUIET)  # a quiet office: nothing happens for a while
        alive = not ws.future.done()
        if not alive:
            return False, None
        await database_sync_to_async(issue_ticket)(tree.pj, tree.services["BKK"])
        event = await ws.receive_json_from(timeout=3)
        await ws.disconnect()
        return True, event

    return async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_a_quiet_socket_stays_open_past_many_blocking_pops_and_then_gets_its_event():
    config = layer_settings("weserve.core.channel_layer.RedisChannelLayer", brpop_timeout=POP)
    with override_settings(CHANNEL_LAYERS=config):
        layer = get_channel_layer()
        assert layer.hosts[0]["socket_timeout"] == POP * READ_TIMEOUT_FACTOR
        alive, event = quiet_display_then_a_ticket()
    assert alive
    assert event is not None and event["type"] == "issued"


@pytest.mark.django_db(transaction=True)
def test_channels_redis_alone_with_reads_no_longer_than_a_pop_drops_the_quiet_socket():
    # What production ran before: redis-py's 5 s read timeout against the 5 s pop (here
    # shorter than the pop, so that it loses every time rather than most times).
    config = layer_settings(f"{__name__}.PlainLayerWithShortPops", host={"socket_timeout": POP / 2})
    with override_settings(CHANNEL_LAYERS=config):
        alive, _event = quiet_display_then_a_ticket()
    assert not alive


def test_a_read_timeout_no_longer_than_the_pop_is_refused_at_start():
    with pytest.raises(ImproperlyConfigured, match="socket_timeout"):
        RedisChannelLayer(hosts=[{"address": settings.REDIS_URL, "socket_timeout": 5}])
    assert RedisChannelLayer(hosts=[settings.REDIS_URL]).hosts[0]["socket_timeout"] == 15


async def receive_that_loses_one_cancellation(layer: object, channel: str) -> object:
    """A receive whose first cancellation is lost before it starts popping, as Python
    3.11's wait_for loses one in redis-py's write of the pop command."""
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        pass  # lost: the task was asked to stop, and goes on
    return await layer.receive(channel)  # type: ignore[attr-defined]


@pytest.mark.parametrize("layer_class", ["ours", "channels_redis"])
def test_a_cancelled_receive_ends_even_when_its_cancellation_was_lost(layer_class: str):
    if layer_class == "ours":
        layer = RedisChannelLayer(hosts=[settings.REDIS_URL], brpop_timeout=POP)
    else:
        # The same with channels_redis's own layer and a read timeout above the pop:
        # it pops on for ever (here: past the test's patience).
        layer = PlainLayerWithShortPops(
            hosts=[{"address": settings.REDIS_URL, "socket_timeout": 3}]
        )

    async def scenario() -> str:
        channel = await layer.new_channel()
        task = asyncio.ensure_future(receive_that_loses_one_cancellation(layer, channel))
        await asyncio.sleep(0)
        task.cancel()
        done, _pending = await asyncio.wait({task}, timeout=6 * POP)
        if not done:
            # Give up on it the hard way, so that this test's own loop can end.
            await layer.send(channel, {"type": "wake.up"})
            await asyncio.wait({task}, timeout=3)
            return "still receiving"
        return "cancelled" if task.cancelled() else f"ended: {task.result()!r}"

    outcome = async_to_sync(scenario)()
    if layer_class == "ours":
        assert outcome == "cancelled"
    else:
        assert outcome == "still receiving"
