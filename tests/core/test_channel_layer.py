"""The Redis channel layer (several workers): a socket's consumer waits for its next
event as long as none comes. It once died after 5 s of quiet (redis-py's read timeout
equalled channels_redis's blocking pop), closing every quiet display's socket."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import get_channel_layer
from django.conf import settings

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis channel layer")


def test_a_quiet_channel_goes_on_waiting_past_a_blocking_pop_and_then_gets_its_event():
    message = {"type": "stream.events", "events": [{"seq": 1, "type": "called"}]}

    async def scenario() -> tuple[bool, dict]:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        # Nothing is sent for longer than one blocking pop: the receive is still waiting
        # when we stop it, rather than failing with Redis's "Timeout reading".
        try:
            await asyncio.wait_for(layer.receive(channel), layer.brpop_timeout + 2)
        except TimeoutError:
            still_waiting = True
        else:
            still_waiting = False
        await layer.send(channel, message)
        return still_waiting, await asyncio.wait_for(layer.receive(channel), 5)

    still_waiting, received = asyncio.run(scenario())

    assert still_waiting
    assert received == message
