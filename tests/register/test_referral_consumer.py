"""The referrals' live stream, through the real ASGI application and channel layer: the
officer hears of a referral at once; people it does not concern hear nothing."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from tests.factories import build_office_tree, issue_ticket, make_user
from tests.register.referrals import registered
from tests.wsclient import WebSocket
from weserve.asgi import application
from weserve.core.roles import Role
from weserve.core.tokens import issue_user_token
from weserve.organisation.models import Counter
from weserve.queueing import services as queue
from weserve.register import services

pytestmark = pytest.mark.django_db(transaction=True)

PATH = "/ws/offices/PKMD-PJ/referrals/"


def _auth(user) -> list[tuple[bytes, bytes]]:
    return [(b"authorization", f"Bearer {issue_user_token(user)}".encode())]


async def _silent(ws: WebSocket, seconds: float = 0.5) -> bool:
    """Nothing arrives for a while (without receive_output's timeout, which ends the app)."""
    await asyncio.sleep(seconds)
    return ws.output_queue.empty()


def test_the_officer_and_the_supervisor_hear_of_a_referral_others_do_not():
    tree = build_office_tree()
    counter_staff = make_user("petugas1", tree.pj, Role.COUNTER_STAFF)
    officer = make_user("pegawai1", tree.pj, Role.OFFICER)
    other_officer = make_user("pegawai2", tree.pj, Role.OFFICER)
    supervisor = make_user("penyelia", tree.pj, Role.SUPERVISOR)
    counter = Counter.objects.get(office=tree.pj, number=1)
    queue.open_counter(counter, acting_user=counter_staff)
    issue_ticket(tree.pj, tree.services["BKK"])
    ticket = queue.call_next(counter, acting_user=counter_staff)
    entry = registered(ticket, counter_staff)
    headers = {u: _auth(u) for u in (officer, other_officer, supervisor, counter_staff)}

    async def scenario():
        sockets = {u: WebSocket(application, PATH, headers=h) for u, h in headers.items()}
        for ws in sockets.values():
            assert await ws.connect()
        referral = await database_sync_to_async(services.refer)(
            entry, acting_user=counter_staff, officer=officer.staff
        )
        for who in (officer, supervisor, counter_staff):
            event = await sockets[who].receive_json_from(timeout=3)
            assert event["type"] == "referral.created"
            assert event["referral"] == referral.pk
            assert set(event) == {"seq", "type", "referral"}  # no names, no ids of people
        assert await _silent(sockets[other_officer])
        await database_sync_to_async(services.accept_referral)(referral, acting_user=officer)
        accepted = await sockets[counter_staff].receive_json_from(timeout=3)
        assert accepted["type"] == "referral.accepted"
        for ws in sockets.values():
            await ws.disconnect()

    async_to_sync(scenario)()


def test_another_offices_staff_and_strangers_are_refused():
    tree = build_office_tree()
    jb_supervisor = _auth(make_user("penyelia.jb", tree.jb, Role.SUPERVISOR))

    async def scenario():
        assert not await WebSocket(application, PATH, headers=jb_supervisor).connect()
        assert not await WebSocket(application, PATH).connect()
        assert not await WebSocket(application, "/ws/offices/NOPE/referrals/").connect()

    async_to_sync(scenario)()
