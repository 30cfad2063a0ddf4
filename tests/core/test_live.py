"""Core's live events as any app uses them: a stream of its own, numbered in the
caller's transaction, sent on commit, followed by a `LiveConsumer`."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from django.db import transaction
from django.test import override_settings
from django.urls import path

from tests.wsclient import WebSocket
from weserve.core import live

STREAM = "badges"  # what an app above core might call its stream


class BadgeConsumer(live.LiveConsumer):
    """A consumer of another app: it follows office 1's `badges` stream."""

    stream = STREAM

    async def connect(self) -> None:
        await self.join(int(self.scope["url_route"]["kwargs"]["office_id"]))


application = URLRouter([path("ws/<int:office_id>/badges/", BadgeConsumer.as_asgi())])


def _listen(office_id: int, stream: str) -> tuple[str, str]:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    group = live.group_name(office_id, stream)
    async_to_sync(layer.group_add)(group, channel)
    return group, channel


@pytest.mark.django_db(transaction=True)
def test_an_event_is_numbered_in_the_transaction_and_sent_when_it_commits():
    live.detach_loop()
    group, channel = _listen(7, STREAM)
    layer = get_channel_layer()
    with transaction.atomic():
        event = live.publish(7, STREAM, "referral_added", count=2)
        assert event == {"seq": 1, "type": "referral_added", "count": 2}
        assert live.current_seq(7, STREAM) == 1
    message = async_to_sync(layer.receive)(channel)
    assert message == {"type": "stream.events", "group": group, "events": [event]}


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_event_is_neither_sent_nor_numbered():
    live.detach_loop()
    with transaction.atomic():
        live.publish(7, STREAM, "first")
    sent = []
    with pytest.raises(RuntimeError), transaction.atomic():
        sent.append(live.publish(7, STREAM, "lost"))
        raise RuntimeError
    assert sent[0]["seq"] == 2
    assert live.current_seq(7, STREAM) == 1  # the number went back with the transaction
    assert live.publish(7, STREAM, "next")["seq"] == 2


@pytest.mark.django_db
def test_each_office_and_stream_counts_on_its_own():
    assert [live.next_seq(1, "queue"), live.next_seq(1, "queue")] == [1, 2]
    assert live.next_seq(1, STREAM) == 1
    assert live.next_seq(2, "queue") == 1
    assert live.current_seq(3, "queue") == 0


@pytest.mark.django_db
def test_a_snapshot_carries_the_number_of_the_last_event_before_it():
    live.next_seq(1, STREAM)
    live.next_seq(1, STREAM)
    assert live.snapshot(1, STREAM, lambda: {"badges": 4}) == {"seq": 2, "badges": 4}


@pytest.mark.django_db(transaction=True)
def test_a_live_consumer_forwards_its_stream_and_answers_pings():
    live.detach_loop()

    async def scenario():
        ws = WebSocket(application, "/ws/1/badges/")
        assert await ws.connect()
        await ws.send_input({"type": "websocket.receive", "text": '{"type": "ping"}'})
        assert await ws.receive_json_from() == {"type": "pong"}
        await database_sync_to_async(live.publish)(2, STREAM, "elsewhere")  # not office 1
        await database_sync_to_async(live.publish)(1, "queue", "other_stream")
        event = await database_sync_to_async(live.publish)(1, STREAM, "referral_added")
        assert await ws.receive_json_from() == event
        await ws.disconnect()

    async_to_sync(scenario)()


# --- A socket checks itself (LiveConsumer.check) -----------------------------------------
#
# Every LIVE_CHECK_SECONDS (10 s; a fifth of a second here) a socket joins its groups
# again and compares its stream's number in the database with the last event it
# forwarded. These run on whichever layer the suite runs on; tests/core/
# test_live_redis_restart.py restarts a real Redis under a display.

CHECK = 0.2


async def close_code_within(ws: WebSocket, seconds: float) -> object:
    message = await ws.receive_output(seconds)
    while message["type"] == "websocket.send":
        message = await ws.receive_output(seconds)
    assert message["type"] == "websocket.close", message
    return message.get("code")


@pytest.mark.django_db(transaction=True)
def test_a_socket_that_missed_an_event_closes_so_that_its_screen_reads_the_snapshot():
    live.detach_loop()

    def numbered_but_never_sent() -> None:
        # What a send lost on its way looks like from the socket: a number taken and
        # committed, no event.
        with transaction.atomic():
            live.next_seq(1, STREAM)

    async def scenario() -> object:
        ws = WebSocket(application, "/ws/1/badges/")
        assert await ws.connect()
        await database_sync_to_async(numbered_but_never_sent)()
        return await close_code_within(ws, 10 * CHECK)

    with override_settings(LIVE_CHECK_SECONDS=CHECK):
        assert async_to_sync(scenario)() == live.CLOSE_STREAM_LOST


@pytest.mark.django_db(transaction=True)
def test_a_socket_that_receives_its_events_stays_open_through_its_checks():
    live.detach_loop()

    async def scenario() -> None:
        ws = WebSocket(application, "/ws/1/badges/")
        assert await ws.connect()
        for _ in range(4):
            event = await database_sync_to_async(live.publish)(1, STREAM, "referral_added")
            assert await ws.receive_json_from() == event
            assert await ws.receive_nothing(timeout=2 * CHECK)  # two checks at least
        assert not ws.future.done()
        await ws.disconnect()

    with override_settings(LIVE_CHECK_SECONDS=CHECK):
        async_to_sync(scenario)()


async def forget_groups(layer: Any, groups: list[str]) -> None:
    """What a restarted Redis does to every socket: it forgets the groups (and nothing
    else: the sockets' own channels go on working)."""
    if hasattr(layer, "groups"):  # in memory
        for group in groups:
            layer.groups.pop(group, None)
    else:  # channels_redis
        for group in groups:
            await layer.connection(layer.consistent_hash(group)).delete(layer._group_key(group))


@pytest.mark.django_db(transaction=True)
def test_a_socket_whose_subscription_was_forgotten_joins_again_at_its_next_check():
    live.detach_loop()

    async def scenario() -> None:
        ws = WebSocket(application, "/ws/1/badges/")
        assert await ws.connect()
        await forget_groups(get_channel_layer(), [live.group_name(1, STREAM)])
        assert await ws.receive_nothing(timeout=3 * CHECK)  # a check or more
        event = await database_sync_to_async(live.publish)(1, STREAM, "referral_added")
        assert await ws.receive_json_from() == event
        await ws.disconnect()

    with override_settings(LIVE_CHECK_SECONDS=CHECK):
        async_to_sync(scenario)()
