"""How many HTTP requests a server process works on at once: Django's ASGI handler, with
a bound on the requests whose middleware and view run at the same moment.

Django's ASGI handler starts every request at once, each on a thread of its own. In one
process only one thread runs Python at a time, so on the embedded default (SQLite, one
worker, writes one at a time: `core.sqlite_backend`) a crowd of request threads brings
no parallel work, only turns: each SQLite call lets the interpreter go, and the writer
that holds the write lock then waits for whichever request thread took it. Under 50
kiosks issuing at once a ticket cost about 80 context switches against about 30 for a
trivial request, and the server's CPU per ticket rose by half (architecture decision 38).
So a process lets `REQUEST_CONCURRENCY` requests in at a time; the others wait their turn
in the event loop, first come first served, at no cost.

A slow request (a PDF report, an export) must not hold the others up: once it has run
for `ADMISSION_HOLD_SECONDS` it gives its place to the next request and goes on beside
them. The bound covers the middleware and the view only: reading a request's body and
sending its answer (a slow phone's upload) happen outside it, as do WebSockets.
"""

from __future__ import annotations

import asyncio
from typing import Any

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase

# How long a request keeps its place before the next one may start beside it.
ADMISSION_HOLD_SECONDS = 0.1


class _Places:
    """The places of one event loop (an asyncio semaphore belongs to its loop)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self.loop = loop
        self.semaphore = asyncio.Semaphore(size)


class BoundedASGIHandler(ASGIHandler):
    """Django's ASGI handler, with at most `settings.REQUEST_CONCURRENCY` requests (None:
    no bound) in their middleware and view at once, each for at most
    ADMISSION_HOLD_SECONDS before the next may start."""

    _places: _Places | None = None

    def _semaphore(self) -> asyncio.Semaphore | None:
        size = settings.REQUEST_CONCURRENCY
        if not size:
            return None
        loop = asyncio.get_running_loop()
        if self._places is None or self._places.loop is not loop:
            self._places = _Places(loop, size)
        return self._places.semaphore

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        semaphore = self._semaphore()
        if semaphore is None:
            return await super().get_response_async(request)
        await semaphore.acquire()
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                semaphore.release()

        timer = asyncio.get_running_loop().call_later(ADMISSION_HOLD_SECONDS, release)
        try:
            return await super().get_response_async(request)
        finally:
            timer.cancel()
            release()


def get_asgi_application() -> Any:
    """What `django.core.asgi.get_asgi_application` makes, with the bounded handler."""
    import django

    django.setup(set_prefix=False)
    return BoundedASGIHandler()
