"""The display board's counter rows and "Now calling" (issue 14, item 1).

The rule: a counter's row shows the ticket it is serving now (called or in service) and
nothing once that ticket is completed, marked no-show or transferred away; a paused
counter reads "Rehat". "Now calling" is the latest call that is still current. The
snapshot and every event that changes a counter carry rows built by one function, and
the board (display.js) only replaces a row with the event's; tests/e2e/test_display_truth.py
drives the same sequences through two real boards.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest

from tests.factories import issue_ticket, make_user
from weserve.core.errors import DomainError
from weserve.core.roles import Role
from weserve.organisation.models import Counter
from weserve.queueing import events, services
from weserve.queueing.models import Ticket, TicketStatus
from weserve.queueing.selectors import board_counters, current_call, display_snapshot

BOARD = "/display/PKMD-PJ/"
STEPS = 60


@pytest.fixture
def sent(monkeypatch) -> list[dict]:
    """Every queue event as it leaves, in order (after its transaction commits)."""
    out: list[dict] = []
    monkeypatch.setattr(events.live, "send", lambda office_id, stream, event: out.append(event))
    return out


@dataclass
class Desk:
    """What the test itself did at a counter: the oracle the board is checked against."""

    counter: Counter
    user: object
    open: bool = False
    paused: bool = False
    ticket: Ticket | None = None
    last_call: int = 0  # the test's own step number of the ticket's latest call or recall
    no_shows: list[Ticket] = field(default_factory=list)

    def expected_state(self) -> str:
        if not self.open:
            return "closed"
        if self.ticket is not None:
            return "serving" if self.ticket.status == TicketStatus.SERVING else "calling"
        return "paused" if self.paused else "idle"


def _board_after(rows: dict[int, dict], batch: list[dict]) -> dict[int, dict]:
    """What display.js does with a batch of events: replace the rows they carry."""
    for event in batch:
        row = event.get("counter")
        if isinstance(row, dict) and "state" in row:
            assert row["id"] in rows, event
            rows[row["id"]] = row
    return rows


def test_random_console_actions_leave_the_followed_board_equal_to_a_fresh_one(
    tree, users, clock, sent, django_capture_on_commit_callbacks
):
    office = tree.pj
    third = Counter.objects.create(office=office, number=3)
    third.services.set(tree.services.values())
    staff = [users["petugas"], users["penyelia"], make_user("petugas3", office, Role.COUNTER_STAFF)]
    desks = [
        Desk(counter, user)
        for counter, user in zip(
            Counter.objects.filter(office=office).order_by("number"), staff, strict=True
        )
    ]
    followed = {row["id"]: row for row in display_snapshot(office)["counters"]}
    rng = random.Random(14)
    codes = list(tree.services)

    def act(desk: Desk, step: int) -> str:
        c, user = desk.counter, desk.user
        if not desk.open:
            services.open_counter(c, acting_user=user)
            desk.open, desk.paused = True, False
            return "open"
        t = desk.ticket
        if t is None:
            choice = rng.choice(["call", "call", "call", "pause", "resume", "close", "reinstate"])
            if choice == "pause":
                services.pause_counter(c, acting_user=user)
                desk.paused = True
            elif choice == "resume":
                services.resume_counter(c, acting_user=user)
                desk.paused = False
            elif choice == "close":
                services.close_counter(c, acting_user=user)
                desk.open = desk.paused = False
            elif choice == "reinstate" and desk.no_shows:
                services.reinstate(desk.no_shows.pop(), acting_user=user)
            elif desk.paused:
                services.resume_counter(c, acting_user=user)
                desk.paused = False
                choice = "resume"
            else:
                if not Ticket.objects.filter(office=office, status=TicketStatus.WAITING).exists():
                    issue_ticket(office, tree.services[rng.choice(codes)])
                called = services.call_next(c, acting_user=user)
                if called is not None:
                    desk.ticket, desk.last_call = called, step
                choice = "call"
            return choice
        choice = rng.choice(["recall", "start", "complete", "no_show", "transfer"])
        if choice == "recall" and t.status == TicketStatus.CALLED:
            desk.ticket = services.recall(t, acting_user=user)
            desk.last_call = step
        elif choice == "start" and t.status == TicketStatus.CALLED:
            desk.ticket = services.start_service(t, acting_user=user)
        elif choice == "no_show" and t.status == TicketStatus.CALLED:
            if t.recalls < 1:
                t = services.recall(t, acting_user=user)
            desk.no_shows.append(services.mark_no_show(t, acting_user=user))
            desk.ticket = None
        elif choice == "transfer":
            others = [d.counter for d in desks if d is not desk]
            if rng.random() < 0.5:
                services.transfer(t, acting_user=user, to_counter=rng.choice(others))
            else:
                services.transfer(t, acting_user=user, to_service=tree.services[rng.choice(codes)])
            desk.ticket = None
        else:
            services.complete(t, acting_user=user)
            desk.ticket, choice = None, "complete"
        return choice

    done = []
    for step in range(1, STEPS + 1):
        clock.shift(seconds=7)
        desk = rng.choice(desks)
        before = len(sent)
        with django_capture_on_commit_callbacks(execute=True):
            try:
                done.append(act(desk, step))
            except DomainError as exc:  # pragma: no cover - the driver only does valid things
                pytest.fail(f"step {step}: {exc.code}")
        fresh = board_counters(office)
        _board_after(followed, sent[before:])
        where = f"step {step} ({done[-1]} at counter {desk.counter.number})"

        assert list(followed.values()) == fresh, where
        for row, d in zip(fresh, desks, strict=True):
            assert row["state"] == d.expected_state(), where
            assert row["ticket"] == (d.ticket.number if d.ticket else None), where
        live = [d for d in desks if d.ticket is not None]
        expected = max(live, key=lambda d: d.last_call).ticket.number if live else None
        now_calling = current_call(list(followed.values()))
        assert (now_calling["ticket"] if now_calling else None) == expected, where

    # The walk went through every console action, so the rule met each of them.
    assert {"call", "recall", "start", "complete", "no_show", "transfer", "pause", "resume"} <= {
        *done
    }
    assert "close" in done and "open" in done


def test_a_transferred_ticket_leaves_its_counter_which_then_reads_on_break(
    tree, users, clock, tv_client
):
    # The case seen: A001 completed, A003 transferred from counter 1 to counter 2, then
    # counter 1 on a break. Neither number may stay at counter 1, nor in "Now calling".
    office = tree.pj
    one = Counter.objects.get(office=office, number=1)
    two = Counter.objects.get(office=office, number=2)
    for _ in range(3):
        issue_ticket(office, tree.services["BKK"])
    clerk = users["petugas"]
    services.open_counter(one, acting_user=clerk)
    first = services.call_next(one, acting_user=clerk)
    services.complete(services.start_service(first, acting_user=clerk), acting_user=clerk)
    clock.shift(minutes=1)
    second = services.call_next(one, acting_user=clerk)
    services.complete(second, acting_user=clerk)
    clock.shift(minutes=1)
    third = services.call_next(one, acting_user=clerk)
    services.transfer(third, acting_user=clerk, to_counter=two)
    services.pause_counter(one, acting_user=clerk)

    row = next(r for r in board_counters(office) if r["number"] == 1)
    assert (row["state"], row["ticket"]) == ("paused", None)
    assert current_call(board_counters(office)) is None

    page = tv_client.get(BOARD).content.decode()
    assert 'data-current-ticket=""' in page
    assert f'data-counter-id="{one.pk}" data-state="paused" data-ticket=""' in page
    assert "Rehat" in page
    assert third.number not in page.split('data-testid="previous-calls"')[0]


def test_a_recall_makes_its_ticket_now_calling_again(tree, users, clock, tv_client):
    office = tree.pj
    one = Counter.objects.get(office=office, number=1)
    two = Counter.objects.get(office=office, number=2)
    for _ in range(2):
        issue_ticket(office, tree.services["BKK"])
    services.open_counter(one, acting_user=users["petugas"])
    services.open_counter(two, acting_user=users["penyelia"])
    first = services.call_next(one, acting_user=users["petugas"])
    clock.shift(seconds=30)
    second = services.call_next(two, acting_user=users["penyelia"])
    assert current_call(board_counters(office))["ticket"] == second.number
    clock.shift(seconds=30)
    services.recall(first, acting_user=users["petugas"])

    assert current_call(board_counters(office))["ticket"] == first.number
    page = tv_client.get(BOARD).content.decode()
    assert f'data-current-ticket="{first.number}"' in page
    assert f'data-current-counter="{one.pk}"' in page


@pytest.fixture
def tv_client(tree):
    from django.conf import settings
    from django.test import Client

    from weserve.organisation.devices import create_device

    _device, token = create_device(tree.pj, "display", "")
    client = Client()
    client.cookies[settings.DEVICE_COOKIE_NAME] = token
    return client
