"""How many requests a server process works on at once (core/admission.py), through the
ASGI handler the server runs, with views that wait for each other."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.testing import ApplicationCommunicator
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import path

from weserve.core import admission
from weserve.core.admission import BoundedASGIHandler

# What the views did, in order, and the moment each started.
journal: list[str] = []
started: dict[str, threading.Event] = {}
# How long the first view waits for the second to start (the second never starts while
# the first holds the only place, so with the bound this is waited out in full).
PATIENCE_SECONDS = 2.0


def first(request: HttpRequest) -> HttpResponse:
    journal.append("first started")
    started["first"].set()
    seen = started["second"].wait(PATIENCE_SECONDS)
    journal.append("first ended" + (" after the second started" if seen else ""))
    return HttpResponse("first")


def second(request: HttpRequest) -> HttpResponse:
    journal.append("second started")
    started["second"].set()
    return HttpResponse("second")


urlpatterns = [path("first", first), path("second", second)]


def _scope(url: str) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "path": url,
        "raw_path": url.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }


async def _get(app: BoundedASGIHandler, url: str) -> bytes:
    client = ApplicationCommunicator(app, _scope(url))
    await client.send_input({"type": "http.request", "body": b"", "more_body": False})
    head = await client.receive_output(30)
    body = await client.receive_output(30)
    assert head["status"] == 200, head
    return body["body"]


def _first_then_second() -> list[str]:
    """GET /first, and once it is in its view, GET /second; what the views did."""
    journal.clear()
    started.update(first=threading.Event(), second=threading.Event())
    app = BoundedASGIHandler()

    async def scenario() -> list[bytes]:
        one = asyncio.ensure_future(_get(app, "/first"))
        while not started["first"].is_set():
            await asyncio.sleep(0.01)
        return await asyncio.gather(one, _get(app, "/second"))

    assert asyncio.run(scenario()) == [b"first", b"second"]
    return journal


pytestmark = pytest.mark.urls(__name__)


def test_with_one_place_the_second_request_waits_for_the_first(monkeypatch):
    monkeypatch.setattr(admission, "ADMISSION_HOLD_SECONDS", 3600)
    with override_settings(REQUEST_CONCURRENCY=1):
        assert _first_then_second() == ["first started", "first ended", "second started"]


def test_a_request_that_runs_long_gives_its_place_to_the_next(monkeypatch):
    monkeypatch.setattr(admission, "ADMISSION_HOLD_SECONDS", 0.05)
    with override_settings(REQUEST_CONCURRENCY=1):
        assert _first_then_second() == [
            "first started",
            "second started",
            "first ended after the second started",
        ]


def test_without_a_bound_both_run_at_once():
    with override_settings(REQUEST_CONCURRENCY=None):
        assert _first_then_second() == [
            "first started",
            "second started",
            "first ended after the second started",
        ]


def test_the_server_runs_the_bounded_handler_with_two_places_on_sqlite(settings):
    from weserve.asgi import django_asgi_app

    assert isinstance(django_asgi_app, BoundedASGIHandler)
    sqlite = settings.DATABASES["default"]["ENGINE"] == "weserve.core.sqlite_backend"
    assert settings.REQUEST_CONCURRENCY == (2 if sqlite else None)
