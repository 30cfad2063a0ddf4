"""Kiosk tickets issued from the server's event loop (the API's hot path, no request thread):
the loop's batches, and the same numbers, counts, answers and live events as the threads."""

from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.test import AsyncClient

from tests.factories import build_office_tree
from tests.threads import in_thread
from weserve.core import live
from weserve.core.models import AuditLog
from weserve.organisation.devices import create_device
from weserve.queueing import api as queue_api
from weserve.queueing import events, issue_batch, issue_statement, services
from weserve.queueing.models import Ticket, TicketEvent

# --- The loop's turns (no database) -------------------------------------------------------


class _Recorder:
    """An execute_batch that records each batch and holds it until released."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.release = asyncio.Event()
        self.fail_on = fail_on

    async def __call__(self, batch):
        self.batches.append([params["n"] for params in batch])
        await self.release.wait()
        if self.fail_on is not None and self.fail_on in self.batches[-1]:
            raise RuntimeError("the database went away")
        return [("row", params["n"]) for params in batch]


def test_the_loop_sends_the_first_issue_at_once_and_those_arriving_meanwhile_together():
    async def scenario():
        recorder = _Recorder()
        batcher = issue_batch.LoopBatcher(recorder)
        first = asyncio.ensure_future(batcher.run({"n": 1}))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert recorder.batches == [[1]]  # sent alone, without waiting for company
        rest = [asyncio.ensure_future(batcher.run({"n": n})) for n in range(2, 7)]
        await asyncio.sleep(0)
        assert recorder.batches == [[1]]  # one batch at the database at a time
        recorder.release.set()
        rows = await asyncio.gather(first, *rest)
        assert recorder.batches == [[1], [2, 3, 4, 5, 6]]
        assert rows == [("row", n) for n in range(1, 7)]  # each caller its own row

    async_to_sync(scenario)()


def test_every_caller_of_a_failed_loop_batch_hears_of_it_and_the_next_batch_goes_on():
    async def scenario():
        recorder = _Recorder(fail_on=2)
        batcher = issue_batch.LoopBatcher(recorder)
        first = asyncio.ensure_future(batcher.run({"n": 1}))
        await asyncio.sleep(0)
        failing = [asyncio.ensure_future(batcher.run({"n": n})) for n in (2, 3)]
        recorder.release.set()
        assert await first == ("row", 1)
        for each in failing:
            with pytest.raises(RuntimeError, match="went away"):
                await each
        assert await batcher.run({"n": 4}) == ("row", 4)
        assert recorder.batches == [[1], [2, 3], [4]]

    async_to_sync(scenario)()


def test_a_caller_that_goes_away_still_has_its_issue_sent_and_others_get_theirs():
    async def scenario():
        recorder = _Recorder()
        batcher = issue_batch.LoopBatcher(recorder)
        first = asyncio.ensure_future(batcher.run({"n": 1}))
        await asyncio.sleep(0)
        leaving = asyncio.ensure_future(batcher.run({"n": 2}))
        staying = asyncio.ensure_future(batcher.run({"n": 3}))
        await asyncio.sleep(0)
        leaving.cancel()
        recorder.release.set()
        assert await first == ("row", 1)
        assert await staying == ("row", 3)
        assert recorder.batches == [[1], [2, 3]]
        assert leaving.cancelled()

    async_to_sync(scenario)()


# --- On PostgreSQL, from a loop attached as a server's ---------------------------------------

postgres = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the event loop issues tickets on PostgreSQL only (set DATABASE_URL)")


def _kiosk_issuing(tree):
    """A kiosk of PKMD-PJ, and a function that issues its next BKK ticket from the loop as
    the API does: the office with its opening hours and holidays, as the read cache holds
    it (the loop asks whether it is open without the database), and a new public id."""
    bkk = tree.services["BKK"]
    pj = queue_api._remembered_office(tree.pj.code)
    _device, token = create_device(tree.pj, "kiosk", "Kiosk 1")

    def issue():
        return services.issue_ticket_in_loop(
            pj,
            bkk,
            priority="none",
            language="ms",
            kiosk_token=token,
            public_id=services.new_public_id(),
        )

    return issue


def in_server_loop(scenario):
    """Run `scenario()` in a loop attached as a server process's (live.attach_loop), as
    `weserve serve` runs the app; the loop's own connection is closed afterwards."""

    async def main():
        live.attach_loop(asyncio.get_running_loop())
        try:
            return await scenario()
        finally:
            while live._outbox_flushing[0]:  # live events on their way
                await asyncio.sleep(0.01)
            live.detach_loop()
            await issue_statement._in_loop.discard()

    return async_to_sync(main)()


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_tickets_from_the_loop_and_from_threads_at_once_are_numbered_gapless():
    tree = build_office_tree()
    bkk = tree.services["BKK"]
    issue = _kiosk_issuing(tree)
    barrier = threading.Barrier(5)

    @in_thread
    def take(_i: int) -> list[str]:
        barrier.wait()
        return [services.issue_ticket(tree.pj, bkk).number for _ in range(10)]

    async def scenario():
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(max_workers=4) as pool:
            threaded = [loop.run_in_executor(pool, take, i) for i in range(4)]
            await sync_to_async(barrier.wait, thread_sensitive=False)()
            issued = await asyncio.gather(*(issue() for _ in range(150)), *threaded)
        return issued[:150], issued[150:]

    from_loop, from_threads = in_server_loop(scenario)
    assert all(ticket is not None for ticket in from_loop)
    numbers = [ticket.number for ticket in from_loop] + [n for each in from_threads for n in each]
    assert sorted(numbers) == [f"A{i:03d}" for i in range(1, 191)]
    assert Ticket.objects.filter(office=tree.pj).count() == 190
    assert TicketEvent.objects.filter(kind="issued").count() == 190
    # Each slip's people ahead are exactly the tickets numbered before it (one service,
    # no priority), whichever batch or thread issued them.
    for ticket in from_loop:
        ahead = issue_statement.ahead_at_issue(ticket)
        assert ahead.get((bkk.pk, False), 0) + ahead.get((bkk.pk, True), 0) == ticket.seq - 1
    # Issued as the kiosk: its audit entries name it.
    by_kiosk = AuditLog.objects.filter(action=issue_statement.ISSUED_ACTION, actor="Kiosk 1")
    assert by_kiosk.count() == 150


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_lost_loop_connection_issues_nothing_and_the_next_ticket_connects_again():
    issue = _kiosk_issuing(build_office_tree())

    @sync_to_async
    def terminate(pid: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    async def scenario():
        first = await issue()
        held = await issue_statement._in_loop.get()
        await terminate(held.info.backend_pid)
        lost = await issue()
        again = await issue()
        return first, lost, again

    first, lost, again = in_server_loop(scenario)
    assert first.number == "A001"
    assert lost is None  # nothing written: the API then issues it in a thread
    assert again.number == "A002"
    assert Ticket.objects.count() == 2


@pytest.mark.usefixtures("_postgres_only")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_kiosk_ticket_over_the_api_from_the_loop_answers_and_announces_as_from_a_thread(
    settings,
):
    settings.QUEUE_CACHE_SECONDS = 60  # the loop issues only what the read cache holds
    tree = build_office_tree()
    _device, token = create_device(tree.pj, "kiosk", "Kiosk 1")
    _d, jb_token = create_device(tree.jb, "kiosk", "JB kiosk")
    _d, display_token = create_device(tree.pj, "display", "TV")
    path = "/api/v1/offices/PKMD-PJ/tickets"

    async def post(token: str, service: str = "BKK"):
        return await AsyncClient().post(
            path,
            data=json.dumps({"service": service, "language": "en"}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(events.group_name(tree.pj.pk), channel)
        from_thread = await post(token)  # fills the read cache, in a thread
        assert issue_statement._in_loop._connection is None
        from_loop = await post(token)
        took_loop = issue_statement._in_loop._connection is not None
        refused = [await post(jb_token), await post(display_token), await post("nonsense")]
        unknown = await post(token, service="NOPE")
        announced = []
        while len(announced) < 2:
            message = await asyncio.wait_for(layer.receive(channel), 5)
            announced += message["events"]
        return from_thread, from_loop, took_loop, refused, unknown, announced

    from_thread, from_loop, took_loop, refused, unknown, announced = in_server_loop(scenario)
    assert took_loop
    assert from_thread.status_code == from_loop.status_code == 201
    first, second = from_thread.json(), from_loop.json()
    assert set(first) == set(second)
    assert (first["number"], second["number"]) == ("A001", "A002")
    assert (first["position"], second["position"]) == (0, 1)
    assert second["status_url"].endswith(f"/t/{second['id']}/")
    assert second["estimated_wait_minutes"] >= first["estimated_wait_minutes"]
    # Refused as the ordinary path refuses (test_api.py), with nothing written.
    assert [r.status_code for r in refused] == [404, 403, 401]
    assert unknown.status_code == 404
    assert Ticket.objects.count() == 2
    # The display learns of both, numbered in order.
    assert [e["ticket"]["number"] for e in announced] == ["A001", "A002"]
    assert announced[1]["seq"] == announced[0]["seq"] + 1
    assert Ticket.objects.get(number="A002").events.get(kind="issued").at is not None


def test_an_issue_sent_again_with_its_first_attempts_id_answers_with_that_ticket(tree, clock):
    # The loop's batch may be written while its connection is lost with the answer; the
    # API then sends the issue again, through a thread, with the same public id.
    bkk = tree.services["BKK"]
    tried = services.new_public_id()
    first = services.issue_ticket(tree.pj, bkk, public_id=tried)
    again = services.issue_ticket(tree.pj, bkk, public_id=tried)
    assert (again.pk, again.number, again.public_id) == (first.pk, "A001", tried)
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(kind="issued").count() == 1
    # Nothing of the second attempt was kept: the next ticket's number follows on.
    assert services.issue_ticket(tree.pj, bkk).number == "A002"
