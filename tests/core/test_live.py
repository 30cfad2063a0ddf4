"""Core's live events as any app uses them: a stream of its own, numbered in the
caller's transaction, sent on commit, followed by a `LiveConsumer`."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from django.db import transaction
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
    _group, channel = _listen(7, STREAM)
    layer = get_channel_layer()
    with transaction.atomic():
        event = live.publish(7, STREAM, "referral_added", count=2)
        assert event == {"seq": 1, "type": "referral_added", "count": 2}
        assert live.current_seq(7, STREAM) == 1
    message = async_to_sync(layer.receive)(channel)
    assert message == {"type": "stream.events", "events": [event]}


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
