"""HTTP requests run their sync code on threads that live on (core/request_threads.py):
one thread per request in flight, as before, but not made anew for every request."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator

from weserve.core.request_threads import ReusedRequestThreads

SCOPE = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}


class Request:
    """One request's client side: what it sends, and what it got back."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.inbox.put_nowait({"type": "http.request", "body": b"", "more_body": False})
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        return await self.inbox.get()

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def body(self) -> str:
        return b"".join(m.get("body", b"") for m in self.sent).decode()


def app_running(work: Any) -> Any:
    """A handler shaped like Django's: read the body, run `work` as sync code of the
    request, answer with what it returned. Like Django's, it stops waiting when the
    client goes away, while the sync code runs on."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        view = asyncio.ensure_future(sync_to_async(work)())
        gone = asyncio.ensure_future(receive())
        done, _ = await asyncio.wait({view, gone}, return_when=asyncio.FIRST_COMPLETED)
        if view not in done:
            view.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await view
            return
        gone.cancel()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(view.result()).encode()})

    return app


def this_thread() -> str:
    return f"{threading.current_thread().name}:{threading.get_ident()}"


def test_requests_one_after_another_run_on_the_same_thread() -> None:
    middleware = ReusedRequestThreads(app_running(this_thread))

    async def three() -> list[str]:
        answers = []
        for _ in range(3):
            request = Request()
            await middleware(dict(SCOPE), request.receive, request.send)
            answers.append(request.body)
        return answers

    answers = asyncio.run(three())
    assert answers[0].startswith("weserve-request")
    assert answers[0] == answers[1] == answers[2]
    assert middleware.idle == 1


def test_requests_at_once_each_get_a_thread_and_a_slow_one_holds_up_nobody() -> None:
    release = threading.Event()

    started = threading.Event()

    def work() -> str:
        if not started.is_set():  # the first request: a long report, say
            started.set()
            assert release.wait(10)
        return this_thread()

    middleware = ReusedRequestThreads(app_running(work))

    async def both() -> tuple[str, str, bool]:
        slow, fast = Request(), Request()
        slow_task = asyncio.ensure_future(middleware(dict(SCOPE), slow.receive, slow.send))
        while not started.is_set():
            await asyncio.sleep(0.001)
        await asyncio.wait_for(middleware(dict(SCOPE), fast.receive, fast.send), 5)
        slow_still_running = not slow_task.done()
        release.set()
        await slow_task
        return slow.body, fast.body, slow_still_running

    slow_body, fast_body, slow_still_running = asyncio.run(both())
    assert slow_still_running  # the quick request was answered while the slow one ran
    assert slow_body and fast_body and slow_body != fast_body
    assert middleware.idle == 2


def test_a_request_whose_client_left_is_not_waited_for_by_the_next() -> None:
    release = threading.Event()
    left_over = threading.Event()
    first = threading.Event()

    def work() -> str:
        if not first.is_set():
            first.set()
            release.wait(10)  # still running after its client has gone
            left_over.set()
        return this_thread()

    middleware = ReusedRequestThreads(app_running(work))

    async def scenario() -> tuple[str, int, int]:
        gone = Request()
        task = asyncio.ensure_future(middleware(dict(SCOPE), gone.receive, gone.send))
        while not first.is_set():
            await asyncio.sleep(0.001)
        gone.inbox.put_nowait({"type": "http.disconnect"})
        await asyncio.wait_for(task, 5)
        idle_while_busy = middleware.idle
        nxt = Request()
        await asyncio.wait_for(middleware(dict(SCOPE), nxt.receive, nxt.send), 5)
        release.set()
        while middleware.idle < 2:  # the left-over work ends, its thread comes back
            await asyncio.sleep(0.001)
        return nxt.body, idle_while_busy, middleware.idle

    body, idle_while_busy, idle_after = asyncio.run(scenario())
    assert body.startswith("weserve-request")
    assert left_over.is_set()
    assert idle_while_busy == 0  # not offered to the next request while still busy
    assert idle_after == 2


def test_threads_past_the_idle_limit_end() -> None:
    release = threading.Event()
    waiting = []
    lock = threading.Lock()

    def work() -> str:
        with lock:
            waiting.append(1)
        release.wait(10)
        return this_thread()

    middleware = ReusedRequestThreads(app_running(work), keep_idle=2)

    async def five_at_once() -> set[str]:
        requests = [Request() for _ in range(5)]
        tasks = [
            asyncio.ensure_future(middleware(dict(SCOPE), r.receive, r.send)) for r in requests
        ]
        while len(waiting) < 5:
            await asyncio.sleep(0.001)
        release.set()
        await asyncio.gather(*tasks)
        return {r.body for r in requests}

    bodies = asyncio.run(five_at_once())
    assert len(bodies) == 5  # five requests in flight, five threads
    assert middleware.idle == 2


def test_the_server_runs_requests_on_threads_that_live_on() -> None:
    """The server's ASGI application: requests one after another finish on one request
    thread of ours (asgiref alone makes and ends one per request)."""
    from django.core.signals import request_finished

    from weserve.asgi import application

    finished_on: list[str] = []

    def note(**_: Any) -> None:  # sent from the request's sync code, as it ends
        finished_on.append(this_thread())

    async def ping() -> int:
        communicator = ApplicationCommunicator(
            application,
            {**SCOPE, "path": "/api/v1/ping", "headers": [(b"host", b"127.0.0.1")]},
        )
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(5)
        await communicator.receive_output(5)
        await communicator.wait(5)
        return int(start["status"])

    async def four() -> list[int]:
        return [await ping() for _ in range(4)]

    request_finished.connect(note)
    try:
        statuses = asyncio.run(four())
    finally:
        request_finished.disconnect(note)
    assert statuses == [200, 200, 200, 200]
    assert len(finished_on) == 4
    assert finished_on[0].startswith("weserve-request")
    assert len(set(finished_on)) == 1
