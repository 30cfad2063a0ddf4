"""HTTP requests run their sync code on threads that live on, not on new ones.

Django's ASGI handler runs each request's sync middleware and view on a thread of the
request's own (asgiref's thread-sensitive context): asgiref makes a single-thread
executor for the request and, when it ends, starts one more thread to join that one.
Two threads made and ended per request cost about 0.9 ms of CPU, a third of what the
trivial `/api/v1/ping` costs a server worker in all (docs/performance.md).

`ReusedRequestThreads` gives each HTTP request an executor of its own from a stack of
idle ones (asgiref's public `ThreadSensitiveContext(executor=...)`), and takes it back
when the request is done. Nothing else changes: still one thread per request in flight
and as many as there are requests (no cap, so a long report never holds up a kiosk),
the most recently used first (its caches are warm). An executor whose request ended
before its sync code did (the client went away, or the request failed) goes back only
once that code has finished, so no request ever waits behind another's leftovers.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext

# Idle threads kept for the next requests; past this many, an idle one ends. A worker
# has about as many requests in flight as clients talking to it at once.
KEEP_IDLE = 64


class ReusedRequestThreads:
    """ASGI middleware around Django's handler: see the module's docstring."""

    def __init__(self, app: Any, *, keep_idle: int = KEEP_IDLE) -> None:
        self.app = app
        self.keep_idle = keep_idle
        self._idle: list[ThreadPoolExecutor] = []

    @property
    def idle(self) -> int:
        """How many threads wait for a request now."""
        return len(self._idle)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        executor = (
            self._idle.pop()
            if self._idle
            else ThreadPoolExecutor(max_workers=1, thread_name_prefix="weserve-request")
        )
        gone = False

        async def receive_watched() -> dict[str, Any]:
            nonlocal gone
            message: dict[str, Any] = await receive()
            if message.get("type") == "http.disconnect":
                gone = True  # Django then stops waiting for the view, which may run on
            return message

        finished = False
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.app(scope, receive_watched, send)
            finished = True
        finally:
            if finished and not gone:
                self._take_back(executor)
            else:
                self._take_back_when_free(executor)

    def _take_back(self, executor: ThreadPoolExecutor) -> None:
        if len(self._idle) < self.keep_idle:
            self._idle.append(executor)
        else:
            executor.shutdown(wait=False)  # its thread ends once its queue is empty

    def _take_back_when_free(self, executor: ThreadPoolExecutor) -> None:
        """Back on the stack once whatever the request left running has finished."""
        loop = asyncio.get_running_loop()

        def free(_: Future[None]) -> None:
            try:
                loop.call_soon_threadsafe(self._take_back, executor)
            except RuntimeError:  # the loop has closed: the server is stopping
                executor.shutdown(wait=False)

        try:
            executor.submit(_nothing).add_done_callback(free)
        except RuntimeError:  # shut down already (the interpreter is exiting)
            pass


def _nothing() -> None:
    """Runs after the work already queued on an executor: when it has, that work is done."""
