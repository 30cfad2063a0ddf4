"""The background worker's timers, under a controlled clock: a transfer nobody answers
comes back to the operator's list after the office's setting, on its own, and the
console hears it live; a call-back not done by the next working day (weekends and
public holidays skipped) is escalated to the supervisor once, not at every tick.

The worker is Huey's: `tick()` does what its scheduler does at an instant (run the
scheduled tasks that are due, then the periodic tasks whose crontab matches), in the
test's process (tests/conftest.py puts Huey in immediate mode)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from huey.contrib.djhuey import HUEY

from tests.wsclient import WebSocket
from weserve.asgi import application
from weserve.core.clock import MALAYSIA
from weserve.core.models import AuditLog
from weserve.core.tokens import issue_user_token
from weserve.telephony import services
from weserve.telephony.models import Call, Message, TelephonySettings

pytestmark = pytest.mark.django_db(transaction=True)

CONSOLE = "/ws/offices/PKMD-PJ/phone/"


@pytest.fixture(autouse=True)
def _empty_queue():
    HUEY.storage.flush_all()
    yield
    HUEY.storage.flush_all()


def tick() -> list[str]:
    """One pass of the worker's scheduler now (its periodic tasks at the top of a
    minute, as the consumer checks them once a minute); the names of the tasks it ran."""
    now = HUEY._get_timestamp()
    periodic = HUEY.read_periodic(now) if now.second == 0 else []
    ran = []
    for task in [*HUEY.read_schedule(now), *periodic]:
        ran.append(task.name)
        HUEY.enqueue(task)
    return ran


def _auth(user) -> list[tuple[bytes, bytes]]:
    return [(b"authorization", f"Bearer {issue_user_token(user)}".encode())]


async def _silent(ws: WebSocket, seconds: float = 0.3) -> bool:
    await asyncio.sleep(seconds)
    return ws.output_queue.empty()


def _transferred(tree, users, desk, clock) -> Call:
    call = services.ring(tree.pj, caller_number="012-345 6789", from_exchange=True)
    clock.shift(seconds=3)
    call = services.answer(call, acting_user=users["telefonis"])
    return services.transfer(call, officer=desk["aminah"], acting_user=users["telefonis"]).call


def test_an_unanswered_transfer_comes_back_on_its_own_and_the_console_sees_it(
    tree, users, desk, clock
):
    call = _transferred(tree, users, desk, clock)
    # The transfer left a timer with the worker, due at the office's setting (20 s).
    [timer] = HUEY.scheduled()
    assert timer.name.endswith("return_transfers_of_office")
    assert timer.eta == (call.transferred_at + dt.timedelta(seconds=20)).replace(tzinfo=None)

    headers = _auth(users["telefonis"])

    async def scenario():
        console = WebSocket(application, CONSOLE, headers=headers)
        assert await console.connect()
        clock.shift(seconds=19)
        await database_sync_to_async(tick)()
        assert await _silent(console)
        assert (await Call.objects.aget(pk=call.pk)).status == Call.Status.TRANSFERRING
        clock.shift(seconds=1)
        await database_sync_to_async(tick)()
        event = await console.receive_json_from(timeout=3)
        assert event["type"] == "transfer_returned"
        assert event["call"] == call.pk
        assert event["status"] == Call.Status.ANSWERED
        await console.disconnect()

    async_to_sync(scenario)()
    back = Call.objects.get(pk=call.pk)
    assert back.status == Call.Status.ANSWERED
    assert back.transfer_returned  # flagged on the operator's list
    assert AuditLog.objects.filter(action="telephony.call.transfer_returned").count() == 1
    # The operator's list (the console's snapshot) shows it flagged.
    assert 'data-testid="returned"' in _console(users)
    # Later ticks leave it alone.
    clock.shift(seconds=60)
    tick()
    assert AuditLog.objects.filter(action="telephony.call.transfer_returned").count() == 1


def _console(users) -> str:
    from django.test import Client

    client = Client()
    client.force_login(users["telefonis"])
    return client.get("/phone/calls/").content.decode()


def test_the_office_setting_sets_the_timer(tree, users, desk, clock):
    TelephonySettings.objects.create(office=tree.pj, transfer_timeout_seconds=45)
    call = _transferred(tree, users, desk, clock)
    clock.shift(seconds=44)
    tick()
    assert Call.objects.get(pk=call.pk).status == Call.Status.TRANSFERRING
    clock.shift(seconds=1)
    tick()
    assert Call.objects.get(pk=call.pk).transfer_returned


def test_an_answered_transfer_is_left_with_the_officer(tree, users, desk, clock):
    call = _transferred(tree, users, desk, clock)
    clock.shift(seconds=10)
    services.officer_answered(call)
    clock.shift(seconds=10)
    tick()
    assert Call.objects.get(pk=call.pk).status == Call.Status.WITH_OFFICER
    assert not AuditLog.objects.filter(action="telephony.call.transfer_returned").exists()


def test_the_minute_sweep_returns_a_transfer_whose_timer_was_lost(tree, users, desk, clock):
    clock.move_to(dt.datetime(2026, 11, 25, 10, 0, 5, tzinfo=MALAYSIA))
    call = _transferred(tree, users, desk, clock)
    HUEY.storage.flush_all()  # the worker's queue was lost (a broker restarted)
    clock.shift(seconds=25)  # 10:00:33: past the 20 s, but nothing is scheduled
    assert tick() == []
    assert Call.objects.get(pk=call.pk).status == Call.Status.TRANSFERRING
    clock.move_to(dt.datetime(2026, 11, 25, 10, 1, 0, tzinfo=MALAYSIA))
    assert any(name.endswith("return_unanswered_transfers_everywhere") for name in tick())
    assert Call.objects.get(pk=call.pk).transfer_returned


def test_an_overdue_call_back_is_escalated_once_after_the_next_working_day(
    tree, users, desk, clock
):
    # Thursday 24 December 2026: Christmas (a public holiday in Selangor) and the weekend
    # follow, so the call-back is due by Monday 28 December.
    tree.pj.follows_state_calendar = True
    tree.pj.save(update_fields=["follows_state_calendar"])
    clock.move_to(dt.datetime(2026, 12, 24, 15, 0, tzinfo=MALAYSIA))
    message = services.take_message(
        tree.pj,
        acting_user=users["telefonis"],
        officer=desk["aminah"],
        caller_name="Siti",
        caller_number="013-222 3333",
        purpose="Pendaftaran OKU",
    )
    done = services.take_message(
        tree.pj,
        acting_user=users["telefonis"],
        officer=desk["aminah"],
        caller_name="Ravi",
        caller_number="013-222 4444",
        purpose="Bantuan",
    )
    assert message.call_back_due == dt.date(2026, 12, 28)
    services.record_call_back(done, acting_user=users["pegawai"], outcome="reached")
    for day, hour in ((25, 10), (26, 10), (27, 10), (28, 10), (28, 23)):
        clock.move_to(dt.datetime(2026, 12, day, hour, 55, tzinfo=MALAYSIA))
        tick()
        assert Message.objects.get(pk=message.pk).escalated_at is None, (day, hour)

    headers = _auth(users["penyelia"])

    async def scenario():
        inbox = WebSocket(application, CONSOLE, headers=headers)
        assert await inbox.connect()
        clock.move_to(dt.datetime(2026, 12, 29, 0, 0, tzinfo=MALAYSIA))
        await database_sync_to_async(tick)()
        event = await inbox.receive_json_from(timeout=3)
        assert event["type"] == "message_escalated"
        assert event["message"] == message.pk
        for minutes in (5, 10, 60 * 9):
            clock.move_to(dt.datetime(2026, 12, 29, 0, 0, tzinfo=MALAYSIA))
            clock.shift(minutes=minutes)
            await database_sync_to_async(tick)()
        assert await _silent(inbox)
        await inbox.disconnect()

    async_to_sync(scenario)()
    escalated = Message.objects.get(pk=message.pk)
    assert escalated.escalated_at == dt.datetime(2026, 12, 29, 0, 0, tzinfo=MALAYSIA)
    assert Message.objects.get(pk=done.pk).escalated_at is None
    assert AuditLog.objects.filter(action="telephony.message.escalated").count() == 1
