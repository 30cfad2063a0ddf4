"""The counter console (/counter/): opening a counter, every action, rules, permissions."""

from __future__ import annotations

import datetime as dt
import re
import secrets

import pytest
from django.test import Client

from tests.factories import issue_ticket, make_user
from weserve.core.clock import MALAYSIA
from weserve.core.roles import Role
from weserve.organisation.models import Counter, CounterService, StaffMember
from weserve.queueing import services
from weserve.queueing.console_views import greeting, salutation
from weserve.queueing.models import CounterSession, Ticket, TicketStatus
from weserve.queueing.selectors import staff_at_counters

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English wording; Malay is the default and has its own file."""
    settings.LANGUAGE_CODE = "en"


def act(client: Client, url: str, data: dict | None = None, *, key: str | None = None):
    """POST an action as the console does: htmx, with a one-time Idempotency-Key."""
    return client.post(
        url,
        data or {},
        HTTP_IDEMPOTENCY_KEY=key or secrets.token_urlsafe(12),
        **HTMX,
    )


def text(response) -> str:
    """The response's visible text, with tags dropped and spaces collapsed."""
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def counter1(tree) -> Counter:
    return Counter.objects.get(office=tree.pj, number=1)


@pytest.fixture
def counter2(tree) -> Counter:
    return Counter.objects.get(office=tree.pj, number=2)


@pytest.fixture
def staff(users):
    """Petugas at PKMD-PJ, with a name in the staff directory."""
    user = users["petugas"]
    StaffMember.objects.filter(user=user).update(name="Aminah Yusof")
    return user


@pytest.fixture
def at_counter1(clock, staff, counter1, client_for):
    """A signed-in Petugas who has opened counter 1."""
    services.open_counter(counter1, acting_user=staff)
    return client_for("petugas")


def issue(tree, code: str = "BKK", **kwargs) -> Ticket:
    return issue_ticket(tree.pj, tree.services[code], **kwargs)


def base(counter: Counter) -> str:
    return f"/counter/{counter.pk}"


# --- Opening a counter and presence -----------------------------------------------------------


def test_counter_staff_without_a_counter_choose_one_to_open(clock, staff, client_for):
    response = client_for("petugas").get("/counter/")
    assert response.status_code == 200
    page = text(response)
    assert "Open counter 1" in page
    assert "Open counter 2" in page


def test_opening_a_counter_puts_the_person_at_it(clock, tree, staff, counter1, client_for):
    client = client_for("petugas")
    response = act(client, "/counter/open/", {"counter": counter1.pk})
    assert response.status_code == 200
    assert "Aminah Yusof · at counter 1" in text(response)
    assert staff_at_counters(tree.pj) == {staff.pk: counter1}
    # The page itself now goes straight to the person's counter.
    assert "Aminah Yusof · at counter 1" in text(client.get("/counter/"))


def test_staff_at_counters_lists_only_open_sessions_of_that_office(
    clock, tree, users, staff, counter1
):
    services.open_counter(counter1, acting_user=staff)
    jb_counter = Counter.objects.get(office=tree.jb, number=1)
    services.open_counter(jb_counter, acting_user=users["jb_petugas"])
    assert staff_at_counters(tree.pj) == {staff.pk: counter1}
    services.close_counter(counter1, acting_user=staff)
    assert staff_at_counters(tree.pj) == {}


def test_a_counter_in_use_cannot_be_opened_by_someone_else(clock, tree, staff, counter1, users):
    services.open_counter(counter1, acting_user=staff)
    other = make_user("petugas2", tree.pj, Role.COUNTER_STAFF)
    client = Client()
    client.force_login(other)
    response = act(client, "/counter/open/", {"counter": counter1.pk})
    assert response.status_code == 409
    assert "This counter is already open for" in text(response)
    assert CounterSession.objects.filter(user=other).count() == 0


# --- Permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["pegawai", "telefonis", "aduan"])
def test_other_roles_of_the_office_are_refused(clock, tree, client_for, who, counter1):
    client = client_for(who)
    assert client.get("/counter/").status_code == 403
    assert client.get(f"{base(counter1)}/").status_code == 403
    assert act(client, "/counter/open/", {"counter": counter1.pk}).status_code == 403
    assert not CounterSession.objects.exists()


def test_another_offices_counter_is_not_found(clock, tree, staff, client_for):
    jb_counter = Counter.objects.get(office=tree.jb, number=1)
    client = client_for("petugas")
    assert act(client, "/counter/open/", {"counter": jb_counter.pk}).status_code == 404
    assert client.get(f"{base(jb_counter)}/").status_code == 404
    assert act(client, f"{base(jb_counter)}/call-next/").status_code == 404
    assert not CounterSession.objects.exists()


def test_another_offices_ticket_is_not_found(clock, tree, users, at_counter1, counter1):
    jb_counter = Counter.objects.get(office=tree.jb, number=1)
    services.open_counter(jb_counter, acting_user=users["jb_petugas"])
    jb_ticket = issue_ticket(tree.jb, tree.services["BKK"])
    services.call_next(jb_counter, acting_user=users["jb_petugas"])
    response = act(at_counter1, f"{base(counter1)}/tickets/{jb_ticket.public_id}/recall/")
    assert response.status_code == 404
    jb_ticket.refresh_from_db()
    assert jb_ticket.recalls == 0


def test_staff_may_act_only_on_the_counter_they_opened(
    clock, tree, staff, counter1, counter2, client_for
):
    other = make_user("petugas2", tree.pj, Role.COUNTER_STAFF)
    services.open_counter(counter2, acting_user=other)
    issue(tree)
    client = client_for("petugas")
    services.open_counter(counter1, acting_user=staff)
    assert client.get(f"{base(counter2)}/").status_code == 403
    assert act(client, f"{base(counter2)}/call-next/").status_code == 403
    assert act(client, f"{base(counter2)}/close/").status_code == 403
    assert Ticket.objects.get().status == TicketStatus.WAITING
    assert CounterSession.objects.get(counter=counter2).closed_at is None


def test_supervisor_may_act_on_any_counter_of_the_office(clock, tree, staff, counter1, client_for):
    services.open_counter(counter1, acting_user=staff)
    issue(tree)
    client = client_for("penyelia")
    page = client.get(f"{base(counter1)}/")
    assert page.status_code == 200
    assert "You are supervising this counter" in text(page)
    response = act(client, f"{base(counter1)}/call-next/")
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.status == TicketStatus.CALLED
    assert ticket.counter == counter1


# --- The happy path through every action -----------------------------------------------------


def test_call_next_shows_the_ticket_and_greeting_with_staff_name(
    clock, tree, at_counter1, counter1
):
    issue(tree)
    response = act(at_counter1, f"{base(counter1)}/call-next/")
    assert response.status_code == 200
    page = text(response)
    assert "Called A001." in page
    assert "Called — waiting for the customer" in page
    assert "Assalamualaikum / Selamat pagi, saya Aminah Yusof. Nombor A001, sila duduk." in page
    assert "Good morning, my name is Aminah Yusof. Number A001, please have a seat." in page


def test_call_next_with_nobody_waiting_says_so(clock, at_counter1, counter1):
    response = act(at_counter1, f"{base(counter1)}/call-next/")
    assert response.status_code == 200
    assert "Nobody is waiting for this counter." in text(response)


def test_no_show_is_refused_before_a_recall_and_allowed_after(clock, tree, at_counter1, counter1):
    ticket = issue(tree)
    first = act(at_counter1, f"{base(counter1)}/call-next/")
    # The button is there but disabled until the customer has been called again.
    assert re.search(r'<button[^>]*data-testid="no-show"[^>]*disabled', first.content.decode())
    refused = act(at_counter1, f"{base(counter1)}/tickets/{ticket.public_id}/no-show/")
    assert refused.status_code == 409
    assert "Call the customer again before marking a no-show." in text(refused)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLED

    recalled = act(at_counter1, f"{base(counter1)}/tickets/{ticket.public_id}/recall/")
    assert "Called A001 again." in text(recalled)
    assert not re.search(
        r'<button[^>]*data-testid="no-show"[^>]*disabled', recalled.content.decode()
    )
    gone = act(at_counter1, f"{base(counter1)}/tickets/{ticket.public_id}/no-show/")
    assert gone.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NO_SHOW
    assert "A001 did not come" in text(gone)
    # It is offered for reinstatement on the same screen.
    assert f"/tickets/{ticket.public_id}/reinstate/" in gone.content.decode()


def test_reinstate_puts_the_no_show_back_near_the_front(clock, tree, at_counter1, counter1):
    missed = issue(tree)
    services.call_next(counter1, acting_user=at_counter1)
    clock.shift(minutes=1)
    later = issue(tree)
    # Act as the counter's own person through the views.
    act(at_counter1, f"{base(counter1)}/tickets/{missed.public_id}/recall/")
    act(at_counter1, f"{base(counter1)}/tickets/{missed.public_id}/no-show/")
    response = act(at_counter1, f"{base(counter1)}/tickets/{missed.public_id}/reinstate/")
    assert response.status_code == 200
    assert "A001 is back in the queue, near the front." in text(response)
    missed.refresh_from_db()
    assert missed.status == TicketStatus.WAITING
    called = act(at_counter1, f"{base(counter1)}/call-next/")
    assert "Called A001." in text(called)
    later.refresh_from_db()
    assert later.status == TicketStatus.WAITING


def test_reinstate_list_keeps_only_the_last_thirty_minutes(clock, tree, at_counter1, counter1):
    ticket = issue(tree)
    services.call_next(counter1, acting_user=at_counter1)
    act(at_counter1, f"{base(counter1)}/tickets/{ticket.public_id}/recall/")
    act(at_counter1, f"{base(counter1)}/tickets/{ticket.public_id}/no-show/")
    assert f"{ticket.public_id}/reinstate/" in at_counter1.get("/counter/").content.decode()
    clock.shift(minutes=31)
    page = at_counter1.get("/counter/")
    assert f"{ticket.public_id}/reinstate/" not in page.content.decode()
    assert "Nobody missed their call here recently." in text(page)
    refused = act(at_counter1, f"{base(counter1)}/tickets/{ticket.public_id}/reinstate/")
    assert refused.status_code == 409
    assert "Too late to reinstate" in text(refused)


def test_start_then_complete_with_an_outcome(clock, tree, at_counter1, counter1, staff):
    ticket = issue(tree)
    act(at_counter1, f"{base(counter1)}/call-next/")
    started = act(at_counter1, f"{base(counter1)}/tickets/{ticket.public_id}/start/")
    assert "Serving A001." in text(started)
    assert "Being served" in text(started)
    clock.shift(minutes=7)
    assert "Serving for 7 minutes" in text(at_counter1.get("/counter/"))
    done = act(
        at_counter1,
        f"{base(counter1)}/tickets/{ticket.public_id}/complete/",
        # Confirmed: completing without a register entry (the register's tests cover
        # the question the console asks first).
        {"outcome": "Borang diberi", "confirmed": "1"},
    )
    assert done.status_code == 200
    assert "A001 is done." in text(done)
    assert "No customer at the counter." in text(done)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.COMPLETED
    assert ticket.outcome == "Borang diberi"
    assert ticket.served_by == staff


def test_transfer_to_another_service_keeps_the_ticket(clock, tree, at_counter1, counter1):
    ticket = issue(tree)
    act(at_counter1, f"{base(counter1)}/call-next/")
    response = act(
        at_counter1,
        f"{base(counter1)}/tickets/{ticket.public_id}/transfer/",
        {"to": "service:OKU"},
    )
    assert response.status_code == 200
    assert "A001 was transferred to OKU Registration." in text(response)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    assert ticket.service.code == "OKU"
    assert ticket.number == "A001"


def test_transfer_to_a_named_counter(clock, tree, at_counter1, counter1, counter2):
    ticket = issue(tree)
    act(at_counter1, f"{base(counter1)}/call-next/")
    response = act(
        at_counter1,
        f"{base(counter1)}/tickets/{ticket.public_id}/transfer/",
        {"to": f"counter:{counter2.pk}"},
    )
    assert response.status_code == 200
    assert "A001 was transferred to counter 2." in text(response)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    assert ticket.target_counter == counter2


def test_transfer_to_another_offices_counter_changes_nothing(clock, tree, at_counter1, counter1):
    ticket = issue(tree)
    act(at_counter1, f"{base(counter1)}/call-next/")
    jb_counter = Counter.objects.get(office=tree.jb, number=1)
    response = act(
        at_counter1,
        f"{base(counter1)}/tickets/{ticket.public_id}/transfer/",
        {"to": f"counter:{jb_counter.pk}"},
    )
    assert response.status_code == 422
    assert "Choose a counter of this office." in text(response)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CALLED
    assert ticket.target_counter is None


def test_pause_stops_calls_until_resume(clock, tree, at_counter1, counter1):
    issue(tree)
    paused = act(at_counter1, f"{base(counter1)}/pause/")
    assert paused.status_code == 200
    assert "On a break" in text(paused)
    assert re.search(r'<button[^>]*data-testid="call-next"[^>]*disabled', paused.content.decode())
    refused = act(at_counter1, f"{base(counter1)}/call-next/")
    assert refused.status_code == 409
    assert "The counter is paused. Resume it first." in text(refused)
    assert Ticket.objects.get().status == TicketStatus.WAITING
    resumed = act(at_counter1, f"{base(counter1)}/resume/")
    assert "Welcome back" in text(resumed)
    assert "Called A001." in text(act(at_counter1, f"{base(counter1)}/call-next/"))


def test_close_is_refused_with_a_customer_at_the_counter_then_allowed(
    clock, tree, at_counter1, counter1, staff
):
    ticket = issue(tree)
    act(at_counter1, f"{base(counter1)}/call-next/")
    refused = act(at_counter1, f"{base(counter1)}/close/")
    assert refused.status_code == 409
    assert "Finish or transfer the current customer first." in text(refused)
    assert staff_at_counters(tree.pj) == {staff.pk: counter1}
    act(at_counter1, f"{base(counter1)}/tickets/{ticket.public_id}/complete/", {"confirmed": "1"})
    closed = act(at_counter1, f"{base(counter1)}/close/")
    assert closed.status_code == 200
    assert "Counter 1 is closed." in text(closed)
    # Back to the list of counters, and no longer "at counter 1".
    assert "Open counter 1" in text(closed)
    assert staff_at_counters(tree.pj) == {}


def test_without_htmx_an_action_redirects_back_to_the_console(clock, tree, at_counter1, counter1):
    issue(tree)
    response = at_counter1.post(f"{base(counter1)}/call-next/")
    assert response.status_code == 302
    assert response["Location"] == "/counter/"
    assert "Called A001." in text(at_counter1.get("/counter/"))


# --- Never twice ------------------------------------------------------------------------------


def test_a_repeated_call_next_with_the_same_key_acts_once(clock, tree, at_counter1, counter1):
    issue(tree)
    issue(tree)
    first = act(at_counter1, f"{base(counter1)}/call-next/", key="same-click")
    again = act(at_counter1, f"{base(counter1)}/call-next/", key="same-click")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.filter(status=TicketStatus.CALLED).count() == 1
    assert Ticket.objects.filter(status=TicketStatus.WAITING).count() == 1


def test_a_repeated_recall_with_the_same_key_counts_once(clock, tree, at_counter1, counter1):
    ticket = issue(tree)
    act(at_counter1, f"{base(counter1)}/call-next/")
    url = f"{base(counter1)}/tickets/{ticket.public_id}/recall/"
    act(at_counter1, url, key="retry-me")
    act(at_counter1, url, key="retry-me")
    ticket.refresh_from_db()
    assert ticket.recalls == 1


def test_every_action_form_carries_its_own_fresh_key(clock, tree, at_counter1, counter1):
    issue(tree)
    act(at_counter1, f"{base(counter1)}/call-next/")
    first = re.findall(
        r'"Idempotency-Key": "([^"]+)"', at_counter1.get("/counter/").content.decode()
    )
    second = re.findall(
        r'"Idempotency-Key": "([^"]+)"', at_counter1.get("/counter/").content.decode()
    )
    # recall, start, no-show, complete, transfer, break, close
    assert len(first) >= 7
    assert len(set(first)) == len(first)
    assert not set(first) & set(second)


# --- What the console shows ------------------------------------------------------------------


def test_console_shows_waiting_per_service_and_longest_wait(clock, tree, at_counter1, counter1):
    issue(tree, "BKK")
    clock.shift(minutes=4)
    issue(tree, "BKK", priority="oku")
    issue(tree, "OKU")
    clock.shift(minutes=3)
    page = at_counter1.get("/counter/").content.decode()
    bkk = re.search(r'data-testid="queue-BKK".*?</tr>', page, re.S).group(0)
    assert ">2<" in bkk
    assert "1 priority" in bkk
    assert "7 min" in bkk
    assert re.search(r'data-testid="waiting-total">\s*3 waiting', page)
    assert "Longest wait: 7 minutes" in text(at_counter1.get("/counter/"))


def test_console_lists_the_services_in_the_order_the_counter_calls_them(
    clock, tree, at_counter1, counter1, client_for
):
    page = text(at_counter1.get("/counter/"))
    assert "Listed in the order this counter calls them" not in page  # all alike: no order
    for code, rank in (("OKU", 1), ("BKK", 2), ("INFO", 2)):
        CounterService.objects.filter(counter=counter1, service__code=code).update(rank=rank)

    html = at_counter1.get("/counter/").content.decode()

    rows = re.findall(r'data-testid="queue-([A-Z]+)"', html)
    assert rows == ["OKU", "BKK", "INFO"]
    ranks = re.findall(r'data-testid="queue-rank">(\d+)<', html)
    assert ranks == ["1", "2", "2"]
    assert "Listed in the order this counter calls them: order 1 first" in text(
        at_counter1.get("/counter/")
    )


def test_counter_choice_shows_each_counters_services_in_its_order(
    clock, tree, staff, counter1, client_for
):
    for code, rank in (("INFO", 1), ("BKK", 3), ("OKU", 2)):
        CounterService.objects.filter(counter=counter1, service__code=code).update(rank=rank)

    html = client_for("petugas").get("/counter/").content.decode()

    first = html.split('data-testid="counter-choice"')[1]
    assert re.findall(r'class="prefix-tag" title="[^"]*">([A-Z])<', first) == ["C", "B", "A"]


def test_longest_wait_over_the_charter_is_marked(clock, tree, at_counter1, counter1):
    issue(tree)
    clock.shift(minutes=16)
    page = text(at_counter1.get("/counter/"))
    assert "Longest wait: 16 minutes — over the 15-minute charter target" in page


def test_live_attributes_let_the_script_follow_the_counter(clock, tree, at_counter1, counter1):
    page = at_counter1.get("/counter/").content.decode()
    assert 'data-ws-path="/ws/offices/PKMD-PJ/counters/"' in page
    assert f'data-counter-id="{counter1.pk}"' in page
    assert 'data-services="BKK,OKU,INFO"' in page
    assert "weserve/js/console.js" in page
    # htmx asks for the partial only: no page shell around it.
    partial = at_counter1.get("/counter/", **HTMX).content.decode()
    assert "data-console-root" in partial
    assert "<html" not in partial


def test_shortcuts_are_shown_on_the_buttons(clock, tree, at_counter1, counter1):
    issue(tree)
    page = act(at_counter1, f"{base(counter1)}/call-next/").content.decode()
    for key, testid in [("r", "recall"), ("s", "start"), ("x", "no-show"), ("c", "complete")]:
        button = re.search(rf'<button[^>]*data-testid="{testid}"[^>]*>.*?</button>', page, re.S)
        assert f'data-shortcut="{key}"' in button.group(0)
        assert f">{key.upper()}</kbd>" in button.group(0)
    assert 'data-shortcut="t"' in page


def test_the_menu_offers_the_console_to_counter_staff_only(clock, client_for):
    assert 'href="/counter/"' in client_for("petugas").get("/").content.decode()
    assert 'href="/counter/"' not in client_for("pegawai").get("/").content.decode()


# --- The greeting prompt (PT-2.1) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "malay", "english"),
    [
        (8, "Selamat pagi", "Good morning"),
        (11, "Selamat pagi", "Good morning"),
        (12, "Selamat tengah hari", "Good afternoon"),
        (13, "Selamat tengah hari", "Good afternoon"),
        (15, "Selamat petang", "Good afternoon"),
        (18, "Selamat petang", "Good evening"),
        (21, "Selamat malam", "Good evening"),
    ],
)
def test_salutation_follows_the_time_of_day_in_malaysia(hour, malay, english):
    at = dt.datetime(2026, 11, 25, hour, 30, tzinfo=MALAYSIA)
    assert salutation(at) == (malay, english)


def test_greeting_puts_the_customers_language_first():
    at = dt.datetime(2026, 11, 25, 12, 30, tzinfo=MALAYSIA)
    lines = greeting("Siti", "B007", at=at, language="en")
    assert [line["language"] for line in lines] == ["en", "ms"]
    assert lines[0]["text"] == "Good afternoon, my name is Siti. Number B007, please have a seat."
    assert lines[1]["text"] == (
        "Assalamualaikum / Selamat tengah hari, saya Siti. Nombor B007, sila duduk."
    )


def test_console_greeting_uses_the_afternoon_in_the_afternoon(clock, tree, at_counter1, counter1):
    clock.move_to(dt.datetime(2026, 11, 25, 15, 0, tzinfo=MALAYSIA))
    issue(tree, "OKU")
    page = text(act(at_counter1, f"{base(counter1)}/call-next/"))
    assert "Selamat petang, saya Aminah Yusof. Nombor B001" in page
