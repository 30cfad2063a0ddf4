"""The audit log page: supervisors and administrators, scoped to the offices they can see."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from weserve.core.audit import log_action
from weserve.core.clock import MALAYSIA

URL = "/audit/"


def rows(response) -> int:
    return response.content.decode().count('data-testid="audit-entry"')


@pytest.fixture
def entries(tree, users):
    """One entry in PKMD-PJ, one in PKMD-JB, one in PKMD-KLANG, one without an office."""
    log_action(
        "queueing.ticket.issued", user=users["petugas"], office=tree.pj, data={"number": "A001"}
    )
    log_action(
        "queueing.ticket.issued", user=users["jb_petugas"], office=tree.jb, data={"number": "JB1"}
    )
    log_action("organisation.counter.changed", user=users["admin"], office=tree.klang)
    log_action("core.token.issued", user=users["admin"])


def test_supervisor_sees_entries_of_their_office_only(client_for, entries):
    response = client_for("penyelia").get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(response) == 1
    assert "PKMD-PJ" in html and "A001" in html
    assert "JB1" not in html
    assert "core.token.issued" not in html


def test_johor_bahru_supervisor_does_not_see_petaling_jaya_entries(client_for, entries):
    response = client_for("jb_penyelia").get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(response) == 1
    assert "JB1" in html
    assert "A001" not in html


def test_hq_admin_sees_every_office_but_not_officeless_entries(client_for, entries):
    response = client_for("hq_admin").get(URL)
    assert rows(response) == 3


def test_superuser_also_sees_entries_without_an_office(client, entries):
    from weserve.core.models import User

    client.force_login(User.objects.create_superuser("root", password="x"))
    assert rows(client.get(URL)) == 4


@pytest.mark.parametrize("who", ["petugas", "telefonis", "pegawai", "aduan", "ketua"])
def test_other_roles_get_403(client_for, entries, who):
    assert client_for(who).get(URL).status_code == 403


def test_signed_out_visitor_is_sent_to_login(client, entries):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_entry_line_shows_who_when_where_and_a_sentence_not_codes(tree, users, client_for):
    with time_machine.travel(dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC), tick=False):
        log_action(
            "queueing.ticket.transferred",
            user=users["petugas"],
            office=tree.pj,
            target=tree.pj,
            data={"number": "A003", "from_service": "BKK", "to_service": "OKU"},
            ip="10.1.2.3",
        )
    html = client_for("penyelia").get(URL).content.decode()
    assert "petugas1" in html
    assert "02/03/2026 09:30:00" in html  # shown in Malaysian time
    assert "PKMD-PJ" in html
    assert "Tiket A003 dipindahkan dari perkhidmatan BKK ke perkhidmatan OKU" in html
    assert f'Pejabat <span class="muted">#{tree.pj.pk}</span>' in html
    assert "10.1.2.3" in html
    for code in ("queueing.ticket.transferred", "to_service", "organisation.office"):
        assert code not in html.split("<main", 1)[1].replace(
            'data-action="queueing.ticket.transferred"', ""
        )


def test_entries_are_newest_first_and_paginated(tree, users, client_for):
    start = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    for minute in range(55):
        with time_machine.travel(start + dt.timedelta(minutes=minute), tick=False):
            log_action("test.step", user=users["petugas"], office=tree.pj, data={"step": minute})
    client = client_for("penyelia")
    first = client.get(URL).content.decode()
    assert first.count('data-testid="audit-entry"') == 50
    # An action with no sentence reads as its noun, verb and data.
    assert first.index("Test: step (step: 54)") < first.index("Test: step (step: 53)")
    assert "(step: 4)" not in first
    second = client.get(URL, {"page": 2})
    assert rows(second) == 5
    assert "Test: step (step: 4)" in second.content.decode()


def test_page_links_keep_the_filters(tree, users, client_for):
    for _ in range(51):
        log_action("queueing.ticket.issued", user=users["petugas"], office=tree.pj)
    html = client_for("penyelia").get(URL, {"action": "queueing"}).content.decode()
    assert "?action=queueing&amp;page=2" in html


def test_filter_by_action_prefix(client_for, tree, users, entries):
    log_action("core.personal.mykad_lookup", user=users["petugas"], office=tree.pj)
    client = client_for("penyelia")
    response = client.get(URL, {"action": "core.personal"})
    assert rows(response) == 1
    assert "core.personal.mykad_lookup" in response.content.decode()
    assert rows(client.get(URL, {"action": "queueing."})) == 1


def test_filter_by_user(client_for, tree, users, entries):
    log_action("queueing.ticket.called", user=users["penyelia"], office=tree.pj)
    client = client_for("penyelia")
    response = client.get(URL, {"user": "PENYELIA"})
    assert rows(response) == 1
    assert "queueing.ticket.called" in response.content.decode()


def test_filter_by_malaysian_date_range(tree, users, client_for):
    # 23:30 on 1 March in Kuala Lumpur is still 1 March there, though 15:30 UTC.
    moments = {
        "feb28": dt.datetime(2026, 2, 28, 12, 0, tzinfo=MALAYSIA),
        "mar1-late": dt.datetime(2026, 3, 1, 23, 30, tzinfo=MALAYSIA),
        "mar2-early": dt.datetime(2026, 3, 2, 0, 15, tzinfo=MALAYSIA),
    }
    for label, moment in moments.items():
        with time_machine.travel(moment, tick=False):
            log_action("test.when", user=users["petugas"], office=tree.pj, data={"at": label})
    client = client_for("penyelia")
    only_mar1 = client.get(URL, {"date_from": "2026-03-01", "date_to": "2026-03-01"})
    assert rows(only_mar1) == 1
    assert "mar1-late" in only_mar1.content.decode()
    from_mar1 = client.get(URL, {"date_from": "2026-03-01"})
    assert rows(from_mar1) == 2
    until_mar1 = client.get(URL, {"date_to": "2026-03-01"})
    assert rows(until_mar1) == 2
    assert "mar2-early" not in until_mar1.content.decode()


def test_reversed_date_range_shows_an_error_and_no_entries(client_for, entries):
    response = client_for("penyelia").get(URL, {"date_from": "2026-03-02", "date_to": "2026-03-01"})
    assert response.status_code == 200
    assert rows(response) == 0
    assert 'role="alert"' in response.content.decode()


def test_filter_by_office_among_visible_ones(client_for, entries, tree):
    client = client_for("hq_admin")
    assert rows(client.get(URL, {"office": tree.jb.pk})) == 1
    assert rows(client.get(URL, {"office": tree.pj.pk})) == 1


def test_office_filter_refuses_an_office_one_cannot_see(client_for, entries, tree):
    response = client_for("penyelia").get(URL, {"office": tree.jb.pk})
    assert rows(response) == 0
    assert "JB1" not in response.content.decode()


def test_htmx_filter_returns_only_the_entries_section(client_for, entries):
    response = client_for("penyelia").get(
        URL, {"action": "queueing"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="audit-entries"' in html
    assert rows(response) == 1


def test_audit_page_query_count_does_not_grow_with_entries(tree, users, client_for):
    client = client_for("penyelia")
    client.get(URL)  # warm the session and the user's cached offices

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    log_action("test.one", user=users["petugas"], office=tree.pj)
    few = count()
    for _ in range(30):
        log_action("test.many", user=users["petugas"], office=tree.pj, target=tree.pj)
    assert count() == few


def test_menu_shows_audit_log_to_supervisors_only(client_for, tree):
    assert f'href="{URL}"' in client_for("penyelia").get(URL).content.decode()
    home_for_clerk = client_for("petugas").get("/")
    assert home_for_clerk.status_code == 200
    assert f'href="{URL}"' not in home_for_clerk.content.decode()
