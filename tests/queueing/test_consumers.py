"""The live streams, through the real ASGI application and channel layer."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from tests.factories import build_office_tree, issue_ticket, make_user
from tests.wsclient import WebSocket
from weserve.asgi import application
from weserve.core.roles import Role
from weserve.organisation.devices import create_device
from weserve.organisation.models import Counter
from weserve.queueing import services

pytestmark = pytest.mark.django_db(transaction=True)


def _auth(token: str) -> list[tuple[bytes, bytes]]:
    return [(b"authorization", f"Bearer {token}".encode())]


def test_display_receives_numbered_call_events():
    tree = build_office_tree()
    _d, token = create_device(tree.pj, "display", "TV")
    staff = make_user("kaunter", tree.pj, Role.COUNTER_STAFF)
    counter = Counter.objects.get(office=tree.pj, number=1)

    async def scenario():
        ws = WebSocket(application, "/ws/offices/PKMD-PJ/display/", headers=_auth(token))
        connected = await ws.connect()
        assert connected
        await database_sync_to_async(issue_ticket)(tree.pj, tree.services["BKK"])
        issued = await ws.receive_json_from(timeout=3)
        assert issued["type"] == "issued"
        assert "id" not in issued["ticket"]  # no mobile-page ids on the public stream
        await database_sync_to_async(services.open_counter)(counter, acting_user=staff)
        opened = await ws.receive_json_from(timeout=3)
        assert opened["type"] == "counter_opened"
        await database_sync_to_async(services.call_next)(counter, acting_user=staff)
        called = await ws.receive_json_from(timeout=3)
        assert called["type"] == "called"
        assert called["ticket"]["number"] == "A001"
        assert called["ticket"]["counter"]["number"] == 1
        assert called["seq"] == opened["seq"] + 1 == issued["seq"] + 2
        await ws.disconnect()

    async_to_sync(scenario)()


def test_display_of_another_office_is_refused():
    tree = build_office_tree()
    _d, token = create_device(tree.jb, "display", "JB TV")

    async def scenario():
        ws = WebSocket(application, "/ws/offices/PKMD-PJ/display/", headers=_auth(token))
        connected = await ws.connect()
        assert not connected

    async_to_sync(scenario)()


def test_kiosk_token_cannot_listen_to_the_display_stream():
    tree = build_office_tree()
    _d, token = create_device(tree.pj, "kiosk", "Kiosk")

    async def scenario():
        ws = WebSocket(application, "/ws/offices/PKMD-PJ/display/", headers=_auth(token))
        connected = await ws.connect()
        assert not connected

    async_to_sync(scenario)()


def test_mobile_ticket_socket_says_only_that_something_changed():
    tree = build_office_tree()
    ticket = issue_ticket(tree.pj, tree.services["BKK"])

    async def scenario():
        ws = WebSocket(application, f"/ws/tickets/{ticket.public_id}/")
        connected = await ws.connect()
        assert connected
        await database_sync_to_async(issue_ticket)(tree.pj, tree.services["OKU"])
        message = await ws.receive_json_from(timeout=3)
        assert message["type"] == "changed"
        assert set(message) == {"type", "seq"}
        await ws.disconnect()
        bad = WebSocket(application, "/ws/tickets/not-a-ticket/")
        connected = await bad.connect()
        assert not connected

    async_to_sync(scenario)()
