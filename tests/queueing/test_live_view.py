"""The supervisor's live view (/counter/live/): counters, queues, the charter alert."""

from __future__ import annotations

import re
import secrets

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import issue_ticket, make_user
from weserve.core.roles import Role
from weserve.organisation.models import Counter, StaffMember
from weserve.queueing import services
from weserve.queueing.models import CounterSession, Ticket, TicketStatus

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English wording; Malay is the default and has its own file."""
    settings.LANGUAGE_CODE = "en"


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def row(html: str, number: int) -> str:
    """The text of one counter's row of the live table."""
    match = re.search(rf'<tr data-testid="live-counter-{number}">.*?</tr>', html, re.S)
    return text(match.group(0)) if match else ""


def queue(html: str, code: str) -> str:
    match = re.search(rf'<li data-testid="queue-{code}">.*?</li>', html, re.S)
    return match.group(0) if match else ""


def close_from_live(client: Client, counter: Counter):
    return client.post(
        f"/counter/live/{counter.pk}/close/",
        HTTP_IDEMPOTENCY_KEY=secrets.token_urlsafe(12),
        **HTMX,
    )


@pytest.fixture
def pj_counters(tree) -> dict[int, Counter]:
    return {c.number: c for c in Counter.objects.filter(office=tree.pj)}


def test_supervisor_sees_every_counter_with_state_person_ticket_and_time(
    clock, tree, users, pj_counters, client_for
):
    staff = users["petugas"]
    StaffMember.objects.filter(user=staff).update(name="Aminah Yusof")
    issue_ticket(tree.pj, tree.services["BKK"])
    services.open_counter(pj_counters[1], acting_user=staff)
    ticket = services.call_next(pj_counters[1], acting_user=staff)
    services.start_service(ticket, acting_user=staff)
    clock.shift(minutes=6)
    page = client_for("penyelia").get("/counter/live/")
    assert page.status_code == 200
    html = page.content.decode()
    first = row(html, 1)
    assert "Serving" in first
    assert "Aminah Yusof" in first
    assert "A001" in first
    assert "serving for 6 min" in first
    second = row(html, 2)
    assert "Closed" in second
    assert "A001" not in second
    assert "weserve/js/live.js" in html
    assert 'data-ws-path="/ws/offices/PKMD-PJ/counters/"' in html


def test_counter_states_idle_calling_and_paused_are_shown(
    clock, tree, users, pj_counters, client_for
):
    issue_ticket(tree.pj, tree.services["BKK"])
    services.open_counter(pj_counters[1], acting_user=users["petugas"])
    services.call_next(pj_counters[1], acting_user=users["petugas"])
    other = make_user("petugas2", tree.pj, Role.COUNTER_STAFF)
    services.open_counter(pj_counters[2], acting_user=other)
    html = client_for("penyelia").get("/counter/live/").content.decode()
    assert 'data-state="calling"' in html
    assert 'data-state="idle"' in html
    services.pause_counter(pj_counters[2], acting_user=other)
    clock.shift(minutes=3)
    html = client_for("penyelia").get("/counter/live/").content.decode()
    assert "On a break" in row(html, 2)
    assert "for 3 min" in row(html, 2)


def test_queue_lengths_per_service_with_bars(clock, tree, client_for):
    for _ in range(4):
        issue_ticket(tree.pj, tree.services["BKK"])
    issue_ticket(tree.pj, tree.services["OKU"], priority="elderly")
    html = client_for("penyelia").get("/counter/live/").content.decode()
    bkk, oku, info = queue(html, "BKK"), queue(html, "OKU"), queue(html, "INFO")
    assert 'data-testid="queue-count">4<' in bkk
    assert 'data-testid="queue-count">1<' in oku
    assert 'data-testid="queue-count">0<' in info
    # The longest queue fills the bar; the others in proportion.
    assert 'width="100"' in bkk
    assert 'width="25"' in oku
    assert 'class="fill-primary-600"' not in info
    assert re.search(r'data-testid="waiting-total">\s*5\s*<', html)


def test_alert_appears_once_a_wait_passes_the_charter_target(clock, tree, client_for):
    issue_ticket(tree.pj, tree.services["OKU"])
    client = client_for("penyelia")
    clock.shift(minutes=15)
    html = client.get("/counter/live/").content.decode()
    assert 'data-testid="charter-alert"' not in html
    assert "fill-danger-600" not in html
    clock.shift(minutes=1)
    html = client.get("/counter/live/").content.decode()
    alert = re.search(r'<div[^>]*data-testid="charter-alert".*?</div>\s*</div>', html, re.S)
    assert alert is not None
    assert 'role="alert"' in alert.group(0)
    assert "<svg" in alert.group(0)  # an icon, not colour alone
    assert "longer than the client charter's 15 minutes" in text(alert.group(0))
    assert "OKU Registration: 16 min" in text(alert.group(0))
    assert "over target" in text(queue(html, "OKU"))
    assert "fill-danger-600" in queue(html, "OKU")


def test_alert_follows_the_offices_own_charter_target(clock, tree, client_for):
    tree.pj.charter_wait_minutes = 5
    tree.pj.save(update_fields=["charter_wait_minutes"])
    issue_ticket(tree.pj, tree.services["BKK"])
    clock.shift(minutes=6)
    html = client_for("penyelia").get("/counter/live/").content.decode()
    assert 'data-testid="charter-alert"' in html
    assert "Charter target: 5 min" in text(html)


def test_supervisor_closes_an_abandoned_counter_from_the_live_view(
    clock, tree, users, pj_counters, client_for
):
    services.open_counter(pj_counters[1], acting_user=users["petugas"])
    response = close_from_live(client_for("penyelia"), pj_counters[1])
    assert response.status_code == 200
    assert "Counter 1 is closed." in text(response.content.decode())
    session = CounterSession.objects.get()
    assert session.closed_at is not None
    assert session.closed_by == users["penyelia"]
    assert "Closed" in row(response.content.decode(), 1)


def test_closing_a_counter_with_a_customer_is_refused_and_changes_nothing(
    clock, tree, users, pj_counters, client_for
):
    issue_ticket(tree.pj, tree.services["BKK"])
    services.open_counter(pj_counters[1], acting_user=users["petugas"])
    services.call_next(pj_counters[1], acting_user=users["petugas"])
    response = close_from_live(client_for("penyelia"), pj_counters[1])
    assert response.status_code == 409
    assert "Finish or transfer the current customer first." in text(response.content.decode())
    assert CounterSession.objects.get().closed_at is None
    assert Ticket.objects.get().status == TicketStatus.CALLED


@pytest.mark.parametrize("who", ["petugas", "pegawai", "telefonis", "admin"])
def test_only_the_supervisor_may_open_the_live_view(clock, tree, users, client_for, who):
    assert client_for(who).get("/counter/live/").status_code == 403


def test_counter_staff_may_not_close_counters_from_the_live_view(
    clock, tree, users, pj_counters, client_for
):
    other = make_user("petugas2", tree.pj, Role.COUNTER_STAFF)
    services.open_counter(pj_counters[2], acting_user=other)
    assert close_from_live(client_for("petugas"), pj_counters[2]).status_code == 403
    assert CounterSession.objects.get().closed_at is None


def test_another_offices_counter_cannot_be_closed(clock, tree, users, client_for):
    jb_counter = Counter.objects.get(office=tree.jb, number=1)
    services.open_counter(jb_counter, acting_user=users["jb_petugas"])
    assert close_from_live(client_for("penyelia"), jb_counter).status_code == 404
    assert CounterSession.objects.get().closed_at is None


def test_live_view_shows_only_the_current_office(clock, tree, users, client_for):
    jb_counter = Counter.objects.get(office=tree.jb, number=1)
    jb_counter.name = "Kaunter Tebrau"
    jb_counter.save(update_fields=["name"])
    issue_ticket(tree.jb, tree.services["BKK"])
    html = client_for("penyelia").get("/counter/live/").content.decode()
    assert "Kaunter Tebrau" not in html
    assert re.search(r'data-testid="waiting-total">\s*0\s*<', html)


def test_live_partial_for_htmx_has_no_page_shell(clock, tree, client_for):
    html = client_for("penyelia").get("/counter/live/", **HTMX).content.decode()
    assert "data-live-root" in html
    assert "<html" not in html


def _fill(tree, how_many: int) -> None:
    """Add counters, each open with a customer called, so the office grows."""
    start = Counter.objects.filter(office=tree.pj).count() + 1
    for number in range(start, start + how_many):
        counter = Counter.objects.create(office=tree.pj, number=number, name=f"K{number}")
        counter.services.set(tree.services.values())
        person = make_user(f"staff{number}", tree.pj, Role.COUNTER_STAFF)
        issue_ticket(tree.pj, tree.services["BKK"])
        issue_ticket(tree.pj, tree.services["OKU"])
        services.open_counter(counter, acting_user=person)
        services.call_next(counter, acting_user=person)


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/counter/live/", **HTMX)
    assert response.status_code == 200
    return len(captured)


def test_live_view_queries_do_not_grow_with_the_counters(
    clock, tree, users, client_for, django_assert_max_num_queries
):
    client = client_for("penyelia")
    _fill(tree, 1)
    small = _queries(client)
    _fill(tree, 8)
    assert _queries(client) == small
    # 16: the shell's menu counts the supervisor's referrals waiting too long (its badge);
    # 17: the register's section lists them on the view itself (queueing.panels.LiveSection);
    # 18: the menu's badge of telephone messages waiting for a call-back (telephony).
    with django_assert_max_num_queries(18):
        client.get("/counter/live/")
