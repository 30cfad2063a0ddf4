"""The mobile ticket page behind the slip's QR code: public, live, this ticket only."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from tests.factories import issue_ticket
from tests.queueing.conftest import open_counters
from weserve.organisation.models import Counter
from weserve.queueing import services
from weserve.queueing.models import Ticket


def page_of(ticket: Ticket, query: str = "") -> str:
    response = Client().get(f"/t/{ticket.public_id}/{query}")
    assert response.status_code == 200
    return response.content.decode()


def shown_states(page: str) -> list[str]:
    """The status blocks a reader sees (the others carry `hidden`)."""
    return [
        state for state, hidden in re.findall(r'data-when="(\w+)"( hidden)?>', page) if not hidden
    ]


def text_of(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</p>', page, re.S)
    assert match, f"{testid} not on the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).split())


@pytest.fixture
def counter1(tree, users) -> Counter:
    counter = Counter.objects.get(office=tree.pj, number=1)
    services.open_counter(counter, acting_user=users["petugas"])
    return counter


def issue(tree, code: str = "BKK", **kwargs) -> Ticket:
    return issue_ticket(tree.pj, tree.services[code], **kwargs)


def test_waiting_ticket_shows_people_ahead_and_the_estimated_wait(tree, clock):
    open_counters(tree.pj, 1)
    issue(tree)
    clock.shift(minutes=1)
    issue(tree)
    clock.shift(minutes=1)
    mine = issue(tree, language="en")

    page = page_of(mine)

    assert shown_states(page) == ["waiting"]
    assert re.search(r'data-testid="ticket-number">A003<', page)
    assert text_of(page, "ticket-ahead") == "2"
    assert re.fullmatch(r"[1-9]\d* min", shown_wait(page))
    assert text_of(page, "ticket-service") == "Children's Aid"
    assert text_of(page, "ticket-office") == "Office PKMD-PJ"


def shown_wait(page: str) -> str:
    """The estimated-wait line a reader sees (ticket.js keeps the other one hidden)."""
    lines = re.findall(r'<p [^>]*data-wait="(\w+)"[^>]*?( hidden)?>(.*?)</p>', page, re.S)
    shown = [text for _kind, hidden, text in lines if not hidden]
    assert len(lines) == 3 and len(shown) == 1, lines
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", shown[0])).split())


@pytest.mark.parametrize(
    ("language", "shortly", "minutes"),
    [
        ("ms", "Anda akan dipanggil sebentar lagi", "minit"),
        ("en", "You will be called shortly", "min"),
    ],
)
def test_page_says_you_will_be_called_shortly_rather_than_0_min(
    tree, clock, language, shortly, minutes
):
    open_counters(tree.pj, 1, 2)
    first = issue(tree, language=language)
    # Two counters serve it: the third customer waits for one of them to finish.
    for _ in range(2):
        clock.shift(minutes=1)
        third = issue(tree, language=language)

    assert shown_wait(page_of(first)) == shortly
    wait = re.fullmatch(rf"(\d+) {minutes}", shown_wait(page_of(third)))
    assert wait and int(wait.group(1)) > 0


def test_page_says_go_to_counter_n_once_called(tree, clock, users, counter1):
    ticket = issue(tree, language="en")

    services.call_next(counter1, acting_user=users["petugas"])
    page = page_of(ticket)

    assert shown_states(page) == ["called"]
    assert text_of(page, "ticket-called") == "Please go to counter 1"
    assert 'data-status="called"' in page


def test_a_recalled_ticket_still_shows_its_counter(tree, clock, users, counter1):
    ticket = issue(tree, language="en")
    called = services.call_next(counter1, acting_user=users["petugas"])
    services.recall(called, acting_user=users["petugas"])

    page = page_of(ticket)

    assert shown_states(page) == ["called"]
    assert text_of(page, "ticket-called") == "Please go to counter 1"


@pytest.mark.parametrize(
    ("step", "state", "says"),
    [
        ("start_service", "serving", "You are being served at counter 1"),
        ("complete", "completed", "Your visit is complete"),
        ("mark_no_show", "no_show", "Your number was called, but you did not come"),
    ],
)
def test_page_follows_the_ticket_to_the_end(tree, clock, users, counter1, step, state, says):
    ticket = issue(tree, language="en")
    called = services.call_next(counter1, acting_user=users["petugas"])
    if step == "mark_no_show":
        called = services.recall(called, acting_user=users["petugas"])
    getattr(services, step)(called, acting_user=users["petugas"])

    page = page_of(ticket)

    assert shown_states(page) == [state]
    block = re.search(rf'data-when="{state}">(.*?)</div>', page, re.S).group(1)
    assert says in " ".join(html.unescape(re.sub(r"<[^>]+>", "", block)).split())


def test_page_is_in_the_tickets_language_and_switches_with_one_touch(tree, clock):
    ticket = issue(tree, language="ms")

    malay = page_of(ticket)
    assert '<html lang="ms"' in malay
    assert text_of(malay, "ticket-service") == "Bantuan Kanak-Kanak"
    toggle = re.search(r'href="([^"]+)"[^>]*data-testid="ticket-language"', malay).group(1)
    assert toggle == f"/t/{ticket.public_id}/?lang=en"

    english = page_of(ticket, "?lang=en")
    assert '<html lang="en"' in english
    assert text_of(english, "ticket-service") == "Children's Aid"


def test_page_tells_the_script_where_to_listen_and_read(tree, clock):
    ticket = issue(tree)

    page = page_of(ticket)

    assert f'data-ws-path="/ws/tickets/{ticket.public_id}/"' in page
    assert f'data-api-url="/api/v1/tickets/{ticket.public_id}"' in page
    assert 'data-poll-seconds="15"' in page
    assert "weserve/js/ticket.js" in page


def test_priority_ticket_page_shows_its_marker(tree, clock):
    ticket = issue(tree, "OKU", priority="elderly", language="en")
    assert text_of(page_of(ticket), "ticket-priority") == "★ Priority · Senior citizen (60+)"


def test_page_shows_nothing_of_other_customers(tree, clock, users, counter1):
    other = issue(tree)
    clock.shift(minutes=1)
    mine = issue(tree)
    clock.shift(minutes=1)
    later = issue(tree, "INFO")
    services.call_next(counter1, acting_user=users["petugas"])

    page = page_of(mine)

    assert mine.number in page
    for stranger in (other, later):
        assert stranger.number not in page
        assert stranger.public_id not in page
    assert users["petugas"].get_username() not in page


def test_unknown_ticket_is_a_404_page(tree, clock):
    response = Client().get("/t/not-a-real-ticket-id-at-all-0123456789abc/")

    assert response.status_code == 404
    assert 'data-testid="ticket-not-found"' in response.content.decode()
    assert "ticket.js" not in response.content.decode()
