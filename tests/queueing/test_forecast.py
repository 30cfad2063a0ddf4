"""Estimates that agree with themselves (issue 14, item 5), under a controlled clock.

The kiosk's tile and the slip of a ticket taken at the same moment give the same figure
(one function, `estimate.forecast`, works out both); with nobody ahead and a counter free
the customer is told "shortly", never "about 0 min"; with no open counter for the
service, no figure at all (item 4 says what is shown instead).
"""

from __future__ import annotations

import html
import random
import re

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import make_user
from tests.queueing.conftest import open_counters
from weserve.core.roles import Role
from weserve.organisation.devices import create_device
from weserve.organisation.models import Counter, CounterService
from weserve.queueing import services
from weserve.queueing.models import ACTIVE_STATUSES, Ticket, TicketStatus

START = "/kiosk/PKMD-PJ/"
ISSUE = "/kiosk/PKMD-PJ/tickets/"
ABOUT = {"en": r"about (\d+) min", "ms": r"sekitar (\d+) minit"}
SHORTLY = {"en": "You will be called shortly", "ms": "Anda akan dipanggil sebentar lagi"}


@pytest.fixture
def kiosk(tree) -> Client:
    _device, token = create_device(tree.pj, "kiosk", "Entrance")
    client = Client()
    client.cookies[settings.DEVICE_COOKIE_NAME] = token
    return client


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def tile_says(kiosk: Client, code: str, language: str) -> tuple[int, str]:
    """(people waiting, what the tile says of the wait) for a service on the start screen."""
    page = kiosk.get(START + ("?lang=en" if language == "en" else "")).content.decode()
    tile = re.search(rf'data-service="{code}" data-waiting="(\d+)".*?</(a|div)>', page, re.S)
    assert tile, f"no tile for {code}"
    wait = re.search(r'data-testid="kiosk-service-wait">(.*?)</span>', tile.group(0), re.S)
    return int(tile.group(1)), _text(wait.group(1)).partition(" · ")[2]


def slip_says(kiosk: Client, code: str, language: str) -> tuple[int, str]:
    """(people ahead, what the slip says of the wait) of a normal ticket taken now."""
    response = kiosk.post(ISSUE, {"service": code, "priority": "none", "language": language})
    assert response.status_code == 201, response.content
    page = response.content.decode()
    ahead = int(_text(re.search(r'data-testid="slip-ahead">(.*?)</', page, re.S).group(1)))
    wait = re.search(r'data-testid="slip-wait">(.*?)</', page, re.S)
    return ahead, _text(wait.group(1)) if wait else ""


@pytest.mark.parametrize("language", ["ms", "en"])
def test_nobody_ahead_and_a_free_counter_is_shortly_on_the_tile_and_the_slip(
    tree, clock, kiosk, language
):
    open_counters(tree.pj, 1)

    assert tile_says(kiosk, "BKK", language) == (0, SHORTLY[language])
    assert slip_says(kiosk, "BKK", language) == (0, SHORTLY[language])
    page = kiosk.get(START).content.decode()
    assert not re.search(r"(sekitar|about) 0 (minit|min)\b", page)


def test_the_slip_never_prints_about_0_min(tree, clock, kiosk, users):
    """Whatever the queue, a slip says a figure above 0, "shortly", or no figure."""
    open_counters(tree.pj, 1, 2)
    for n in range(12):
        clock.shift(seconds=20)
        page = kiosk.post(
            ISSUE, {"service": ["BKK", "OKU", "INFO"][n % 3], "priority": "none"}
        ).content.decode()
        assert not re.search(r"sekitar 0 minit|about 0 min", page)
        wait = re.search(r'data-testid="slip-wait">(.*?)</', page, re.S)
        assert wait, page
        said = _text(wait.group(1))
        figure = re.fullmatch(ABOUT["ms"], said)
        assert said == SHORTLY["ms"] or (figure and int(figure.group(1)) > 0), said


def test_the_kiosk_tile_and_the_slip_agree_at_every_moment_of_a_busy_morning(tree, clock, kiosk):
    """A morning of random counter work: before each ticket, the tile for its service and
    the slip it prints, at the same instant, give the same people and the same wait."""
    pj = tree.pj
    # Counter 1 calls BKK first; counter 2 is the special counter (priority lane first);
    # counter 3 serves INFO only. Counter 3 opens late.
    CounterService.objects.filter(
        counter__office=pj, counter__number=1, service__code="OKU"
    ).update(rank=2)
    third = Counter.objects.create(office=pj, number=3)
    third.services.set([tree.services["INFO"]])
    desks = open_counters(pj, 1, 2)
    clerks = {c.pk: make_user(f"desk-{c.number}", pj, Role.COUNTER_STAFF) for c in [third]}
    rng = random.Random(14)
    compared = 0
    for step in range(100):
        clock.shift(seconds=rng.choice([10, 30, 60, 90, 150]))
        roll = rng.random()
        if step == 25:
            services.open_counter(third, acting_user=clerks[third.pk])
            desks.append(third)
        elif roll < 0.45:
            code = rng.choice(["BKK", "OKU", "INFO"])
            language = rng.choice(["ms", "en"])
            if rng.random() < 0.3:  # a priority customer: the slip only
                kiosk.post(ISSUE, {"service": code, "priority": "elderly", "language": language})
                continue
            tile = tile_says(kiosk, code, language)
            slip = slip_says(kiosk, code, language)
            assert slip == tile, f"step {step}: {code} tile {tile} but slip {slip}"
            compared += 1
        else:
            desk = rng.choice(desks)
            active = Ticket.objects.filter(counter=desk, status__in=ACTIVE_STATUSES).first()
            clerk = desk.sessions.get(closed_at__isnull=True).user
            if active is None:
                services.call_next(desk, acting_user=clerk)
            elif active.status == TicketStatus.CALLED:
                services.start_service(active, acting_user=clerk)
            else:
                services.complete(active, acting_user=clerk)
    assert compared >= 15
