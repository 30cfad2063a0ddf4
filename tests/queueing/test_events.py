"""Live events: one numbered stream per office, ids kept from public screens, and the
server process's outbox that sends many requests' events in one message."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from weserve.core import live
from weserve.queueing import events


def test_public_screens_get_no_ticket_id():
    event = {"seq": 3, "type": "called", "ticket": {"id": "secret", "number": "A001"}}
    assert events.public(event) == {"seq": 3, "type": "called", "ticket": {"number": "A001"}}
    assert event["ticket"]["id"] == "secret"  # the staff screens' copy is untouched
    assert events.public({"seq": 4, "type": "notices_changed"}) == {
        "seq": 4,
        "type": "notices_changed",
    }


@pytest.fixture
def server_loop():
    """A running event loop in its own thread, attached as a server's would be."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    live.attach_loop(loop)
    yield loop
    live.detach_loop()
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def _on(loop, coroutine, timeout=5):
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout)


def test_events_sent_while_the_loop_is_busy_leave_together_in_order(server_loop):
    layer = get_channel_layer()
    channel = _on(server_loop, layer.new_channel())
    group = events.group_name(999_001)
    _on(server_loop, layer.group_add(group, channel))
    busy, release = threading.Event(), threading.Event()

    def hold() -> None:
        busy.set()
        release.wait(5)

    server_loop.call_soon_threadsafe(hold)
    assert busy.wait(5)
    senders = [
        threading.Thread(
            target=lambda n=n: [
                events.send(999_001, {"seq": 10 * n + i, "type": "issued"}) for i in range(5)
            ]
        )
        for n in range(4)
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(5)
    release.set()

    message = _on(server_loop, layer.receive(channel))
    assert message["type"] == "stream.events"
    seqs = [e["seq"] for e in message["events"]]
    assert sorted(seqs) == sorted(10 * n + i for n in range(4) for i in range(5))
    for n in range(4):  # each request's events in the order it sent them
        mine = [s for s in seqs if s // 10 == n]
        assert mine == sorted(mine)
    _on(server_loop, layer.group_discard(group, channel))


def test_without_a_server_loop_an_event_is_sent_at_once():
    # The test client, the task worker and management commands have no server loop.
    live.detach_loop()
    layer = get_channel_layer()
    group = events.group_name(999_002)
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    events.send(999_002, {"seq": 1, "type": "issued"})
    message = async_to_sync(layer.receive)(channel)
    async_to_sync(layer.group_discard)(group, channel)
    assert message == {
        "type": "stream.events",
        "group": group,
        "events": [{"seq": 1, "type": "issued"}],
    }
