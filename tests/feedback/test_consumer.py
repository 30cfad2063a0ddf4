"""The rating tablet's live socket, through the real ASGI application and channel layer:
it hears that a ticket was completed or rated at its counter (and nothing else, and no
ticket ids), and only a rating tablet of that office and counter may open it."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.conf import settings

from tests.factories import build_office_tree, issue_ticket, make_user
from tests.feedback.conftest import make_tablet
from tests.wsclient import WebSocket
from weserve.asgi import application
from weserve.core.roles import Role
from weserve.feedback import services as feedback
from weserve.feedback.services import RatingInput
from weserve.organisation.devices import create_device
from weserve.organisation.models import Counter
from weserve.queueing import services

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/ws/feedback/PKMD-PJ/counter/1/"


def _cookie(token: str) -> list[tuple[bytes, bytes]]:
    return [(b"cookie", f"{settings.DEVICE_COOKIE_NAME}={token}".encode())]


async def _nothing(ws: WebSocket) -> bool:
    """No message comes (the communicator stops the application on a timeout: last)."""
    try:
        await ws.receive_output(0.3)
    except TimeoutError:
        return True
    return False


def test_the_tablet_hears_completions_and_ratings_at_its_counter_only():
    tree = build_office_tree()
    staff = make_user("kaunter", tree.pj, Role.COUNTER_STAFF)
    other_staff = make_user("kaunter2", tree.pj, Role.COUNTER_STAFF)
    _device, token = make_tablet(tree.pj)
    one = Counter.objects.get(office=tree.pj, number=1)
    two = Counter.objects.get(office=tree.pj, number=2)
    services.open_counter(one, acting_user=staff)
    services.open_counter(two, acting_user=other_staff)

    async def scenario():
        ws = WebSocket(application, PATH, headers=_cookie(token))
        assert await ws.connect()
        # Issued, called, and completed at counter 2: not this tablet's business.
        await database_sync_to_async(issue_ticket)(tree.pj, tree.services["BKK"])
        elsewhere = await database_sync_to_async(services.call_next)(two, acting_user=other_staff)
        await database_sync_to_async(services.complete)(elsewhere, acting_user=other_staff)
        # Called at counter 1: not yet a visit to rate.
        ticket = await database_sync_to_async(issue_ticket)(tree.pj, tree.services["BKK"])
        called = await database_sync_to_async(services.call_next)(one, acting_user=staff)
        assert called.pk == ticket.pk
        # Completed at counter 1, then rated from the slip: the tablet is told of each,
        # with no ticket id, and of nothing before them.
        await database_sync_to_async(services.complete)(called, acting_user=staff)
        await database_sync_to_async(feedback.rate_by_ticket)(
            ticket.public_id, RatingInput(score=5)
        )
        assert await ws.receive_json_from(timeout=3) == {"type": "changed"}
        assert await ws.receive_json_from(timeout=3) == {"type": "changed"}
        assert await _nothing(ws)

    async_to_sync(scenario)()


@pytest.mark.parametrize("who", ["unpaired", "kiosk", "other_counter", "other_office", "staff"])
def test_only_the_counters_own_tablet_may_listen(who):
    tree = build_office_tree()
    headers: list[tuple[bytes, bytes]] = []
    if who == "kiosk":
        headers = _cookie(create_device(tree.pj, "kiosk", "K")[1])
    elif who == "other_counter":
        headers = _cookie(make_tablet(tree.pj, 2)[1])
    elif who == "other_office":
        headers = _cookie(make_tablet(tree.jb, 1)[1])
    elif who == "staff":
        from weserve.core.tokens import issue_user_token

        user = make_user("penyelia", tree.pj, Role.SUPERVISOR)
        headers = [(b"authorization", f"Bearer {issue_user_token(user)}".encode())]

    async def scenario():
        ws = WebSocket(application, PATH, headers=headers)
        assert not await ws.connect()

    async_to_sync(scenario)()


def test_which_events_concern_a_counter():
    from weserve.feedback.consumers import concerns_counter

    at = {"id": 7, "number": 1}
    elsewhere = {"id": 8, "number": 2}
    assert concerns_counter({"type": "completed", "ticket": {"counter": at}}, 7)
    assert concerns_counter(
        {"type": "completed", "ticket": {"counter": None}, "from_counter": at}, 7
    )
    assert not concerns_counter({"type": "completed", "ticket": {"counter": elsewhere}}, 7)
    assert not concerns_counter({"type": "called", "ticket": {"counter": at}}, 7)
    assert concerns_counter({"type": "rated", "rating": {"counter": at}}, 7)
    assert not concerns_counter({"type": "rated", "rating": {"counter": None}}, 7)
    assert not concerns_counter({"type": "completed", "ticket": "x"}, 7)
