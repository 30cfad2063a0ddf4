"""The Redis channel layer WeServe runs on with several workers (settings.CHANNEL_LAYERS).

channels_redis's layer, with two fixes for how a socket's consumer waits for its next
message: a loop of blocking pops (BZPOPMIN) of up to `brpop_timeout` seconds each.

1. **Reads outlast a pop.** redis-py 8 gives up reading an answer after its socket
   timeout, 5 s by default: exactly channels_redis's pop, so an answer "nothing came"
   raced the read timeout, and every socket quiet for 5 s died with "Timeout reading"
   (1006 at the browser, a reconnect and a traceback every 5 s per quiet display). Here
   every host reads with `READ_TIMEOUT_FACTOR` times the pop's timeout, unless it names
   its own `socket_timeout`, which must then be longer than the pop (checked at start).
2. **A cancelled receive ends.** With a socket timeout, redis-py writes each command
   through `asyncio.wait_for`, which on Python 3.11 loses a cancellation that arrives
   as the write completes (CPython gh-86296, fixed in 3.12). The consumer's receive task
   then went on popping, every `brpop_timeout`, for ever: whoever waited for it hung
   (an event loop shutting down, the consumer's own clean-up). Before the read timeout
   was raised this only ended because the next pop died of the 5 s timeout above. Here
   a receive whose task was asked to stop stops before and after each pop, whether or
   not the CancelledError reached it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels_redis.core import RedisChannelLayer as _RedisChannelLayer
from django.core.exceptions import ImproperlyConfigured

# A read may take this many times as long as a blocking pop before it counts as lost.
READ_TIMEOUT_FACTOR = 3


def _stop_if_cancelled() -> None:
    """Raise CancelledError in a task that was cancelled, even if the CancelledError
    itself was lost on the way (a task's `cancelling()` counts the requests)."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class RedisChannelLayer(_RedisChannelLayer):
    brpop_timeout: float = 5  # channels_redis's
    hosts: list[dict[str, Any]]

    def __init__(
        self, hosts: Any = None, *, brpop_timeout: float | None = None, **kwargs: Any
    ) -> None:
        pop = float(brpop_timeout if brpop_timeout is not None else self.brpop_timeout)
        super().__init__(hosts=hosts, **kwargs)
        self.brpop_timeout = pop  # Redis takes a pop's seconds as a float
        read = pop * READ_TIMEOUT_FACTOR
        self.hosts = [dict(host) for host in self.hosts]  # not the settings' own dicts
        for host in self.hosts:
            given = host.setdefault("socket_timeout", read)
            if given is not None and float(given) <= pop:
                raise ImproperlyConfigured(
                    f"The channel layer's socket_timeout ({given} s) must be longer than "
                    f"its blocking pop ({pop} s), or every quiet socket dies."
                )

    async def _brpop_with_clean(self, index: int, channel: str, timeout: float) -> Any:
        _stop_if_cancelled()
        member = await super()._brpop_with_clean(index, channel, timeout)
        if member is None:
            # Nothing came: stop here if asked to, rather than pop again. (A message
            # that came is returned; it was popped into the backup queue, and the
            # caller's next await sees the cancellation.)
            _stop_if_cancelled()
        return member
