"""Referrals on the pages: the panel's referral part (directory search, refer, status),
the officer's inbox (accept, close), the menu's badge; who may see and act (PT-2.5)."""

from __future__ import annotations

import datetime as dt
import html
import re
import secrets

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_user
from tests.register.conftest import serve
from tests.register.referrals import handles, registered
from weserve.core.roles import Role
from weserve.queueing import services as queue
from weserve.register import services
from weserve.register.models import Referral, ReferralStatus

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English wording (Malay is checked where it matters)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def entry(serving, users):
    return registered(serving, users["petugas"])


def text(response) -> str:
    page = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).strip())


def post(client, url, data=None):
    return client.post(url, data or {}, HTTP_IDEMPOTENCY_KEY=secrets.token_urlsafe(12), **HTMX)


def refer_url(entry) -> str:
    return f"/register/entries/{entry.pk}/referrals/"


# --- The counter's panel ------------------------------------------------------------------


def test_the_saved_entry_offers_the_directorys_officers_of_this_office(
    tree, users, entry, client_for
):
    handles(users["pegawai"], tree.services["BKK"], section="BKK")
    make_user("pegawai.jb", tree.jb, Role.OFFICER, name="Pegawai Johor")
    page = client_for("petugas").get(f"/register/tickets/{entry.ticket.public_id}/", **HTMX)
    body = text(page)
    assert page.status_code == 200
    assert 'data-testid="referral-form"' in page.content.decode()
    assert "Pegawai1" in body and "Handles: Children's Aid" in body
    assert "Pegawai Johor" not in body
    assert "Telefonis" not in body and "Petugas1" not in body  # nobody who cannot receive


def test_searching_the_directory_narrows_the_choices(tree, users, entry, client_for):
    handles(users["pegawai"], tree.services["OKU"])
    client = client_for("petugas")
    found = client.get(f"/register/entries/{entry.pk}/officers/", {"q": "OKU"}, **HTMX)
    assert found.status_code == 200
    assert "Pegawai1" in text(found) and "Pegawai.Aduan" not in text(found)
    none = client.get(f"/register/entries/{entry.pk}/officers/", {"q": "zzz"}, **HTMX)
    assert "No officer of this office matches" in text(none)


def test_referring_from_the_panel_shows_the_status_and_hides_the_form(
    users, entry, client_for, clock, settings
):
    officer = users["pegawai"].staff
    response = post(
        client_for("petugas"), refer_url(entry), {"officer": officer.pk, "note": "Segera"}
    )
    assert response.status_code == 200
    assert "Referred to Pegawai1" in text(response)
    assert 'data-state="pending"' in response.content.decode()
    assert 'data-testid="referral-form"' not in response.content.decode()
    referral = Referral.objects.get()
    assert (referral.officer, referral.note) == (officer, "Segera")
    # The status part follows the referral (what the live refresh fetches).
    services.accept_referral(referral, acting_user=users["pegawai"])
    status = client_for("petugas").get(refer_url(entry), **HTMX)
    assert 'data-state="accepted"' in status.content.decode()
    assert 'data-live-hint="/ws/offices/PKMD-PJ/referrals/"' in status.content.decode()
    services.close_referral(referral, acting_user=users["pegawai"], outcome="Borang diberi")
    status = client_for("petugas").get(refer_url(entry), **HTMX)
    assert 'data-state="closed"' in status.content.decode()
    assert "Outcome: Borang diberi" in text(status)
    settings.LANGUAGE_CODE = "ms"
    assert "Ditutup" in text(client_for("petugas").get(refer_url(entry), **HTMX))


def test_a_referral_waiting_too_long_shows_on_the_panel_too(users, entry, client_for, clock):
    services.refer(entry, acting_user=users["petugas"], officer=users["pegawai"].staff)
    clock.shift(dt.timedelta(minutes=16))
    status = client_for("petugas").get(refer_url(entry), **HTMX)
    assert 'data-state="overdue"' in status.content.decode()
    assert "Not accepted in time" in text(status)


def test_an_officer_of_another_office_is_refused_in_malay_keeping_what_was_typed(
    tree, entry, client_for, settings
):
    settings.LANGUAGE_CODE = "ms"
    jb_officer = make_user("pegawai.jb", tree.jb, Role.OFFICER, name="Pegawai Johor")
    response = post(
        client_for("petugas"),
        refer_url(entry),
        {"officer": jb_officer.staff.pk, "note": "Catatan saya", "q": "Johor"},
    )
    assert response.status_code == 422
    assert "Pegawai Johor bukan pegawai Pejabat PKMD-PJ" in text(response)
    assert "Catatan saya</textarea>" in response.content.decode()
    assert 'value="Johor"' in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.parametrize("officer", ["", "abc", "99999", "true"])
def test_no_or_a_bad_officer_is_a_message_not_an_error(entry, client_for, officer):
    response = post(client_for("petugas"), refer_url(entry), {"officer": officer})
    assert response.status_code == 422
    assert "Choose an officer from the directory." in text(response)
    assert not Referral.objects.exists()


def test_a_second_referral_while_one_is_open_is_refused(users, entry, client_for):
    services.refer(entry, acting_user=users["petugas"], officer=users["pegawai"].staff)
    response = post(client_for("petugas"), refer_url(entry), {"officer": users["aduan"].staff.pk})
    assert response.status_code == 409
    assert "already referred to Pegawai1" in text(response)
    assert Referral.objects.count() == 1


def test_another_offices_counter_gets_404_and_a_wrong_role_403(users, entry, client_for):
    officer = users["pegawai"].staff.pk
    assert post(client_for("jb_petugas"), refer_url(entry), {"officer": officer}).status_code == 404
    assert post(client_for("telefonis"), refer_url(entry), {"officer": officer}).status_code == 403
    assert post(client_for("pegawai"), refer_url(entry), {"officer": officer}).status_code == 403
    assert not Referral.objects.exists()


# --- The officer's inbox and the badge -------------------------------------------------------


@pytest.fixture
def referral(users, entry):
    return services.refer(
        entry, acting_user=users["petugas"], officer=users["pegawai"].staff, note="Warga emas"
    )


def test_the_officer_sees_the_badge_and_the_referral_in_the_inbox(referral, client_for):
    officer = client_for("pegawai")
    home = officer.get("/").content.decode()
    assert 'href="/referrals/"' in home
    assert re.search(r'data-testid="referral-badge" data-count="1"', home)
    # On a phone the menu is folded: its button carries the count too.
    assert re.search(r'data-testid="menu-badge">1<', home)
    page = officer.get("/referrals/")
    assert page.status_code == 200
    body = text(page)
    assert "Siti binti Ahmad" in body
    assert "Note from the counter: Warga emas" in body
    assert 'data-testid="referral-accept"' in page.content.decode()
    badge = officer.get("/referrals/badge/", **HTMX)
    assert 'data-count="1"' in badge.content.decode()


def test_nobody_else_sees_the_referral(referral, client_for, users):
    for who in ("aduan", "jb_penyelia"):
        client = client_for(who)
        assert "Siti binti Ahmad" not in text(client.get("/referrals/"))
        assert 'data-count="0"' in client.get("/referrals/badge/").content.decode()
        assert post(client, f"/referrals/{referral.pk}/accept/").status_code == 404
        assert post(client, f"/referrals/{referral.pk}/close/", {"outcome": "x"}).status_code == 404
    # Counter staff and other roles have no inbox.
    for who in ("petugas", "telefonis"):
        assert client_for(who).get("/referrals/").status_code == 403
        assert 'href="/referrals/"' not in client_for(who).get("/").content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PENDING


def test_the_supervisor_sees_the_offices_referrals_and_the_late_ones_flagged(
    referral, client_for, clock
):
    supervisor = client_for("penyelia")
    page = supervisor.get("/referrals/")
    assert "Siti binti Ahmad" in text(page) and "to Pegawai1" in text(page)
    assert 'data-testid="overdue"' not in page.content.decode()
    assert 'data-count="0"' in supervisor.get("/referrals/badge/").content.decode()
    clock.shift(dt.timedelta(minutes=15))
    page = supervisor.get("/referrals/")
    assert "1 referral has not been accepted in the time this office allows." in text(page)
    assert 'data-state="overdue"' in page.content.decode()
    assert 'data-count="1"' in supervisor.get("/referrals/badge/").content.decode()
    # The head of the state office above sees it too.
    assert "Siti binti Ahmad" in text(client_for("ketua").get("/referrals/"))


def test_accept_then_close_from_the_inbox(referral, client_for):
    officer = client_for("pegawai")
    accepted = post(officer, f"/referrals/{referral.pk}/accept/")
    assert accepted.status_code == 200
    assert "You accepted the referral of Siti binti Ahmad." in text(accepted)
    assert 'data-testid="referral-close"' in accepted.content.decode()
    refused = post(officer, f"/referrals/{referral.pk}/close/", {"outcome": "   "})
    assert refused.status_code == 422
    assert "This field is required." in text(refused)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    closed = post(officer, f"/referrals/{referral.pk}/close/", {"outcome": "Permohonan diterima"})
    assert closed.status_code == 200
    assert "The referral of Siti binti Ahmad is closed." in text(closed)
    assert "No open referrals." in text(closed)
    assert "Outcome: Permohonan diterima" in text(closed)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED
    # Closed twice: a message, not an error.
    again = post(officer, f"/referrals/{referral.pk}/close/", {"outcome": "x"})
    assert again.status_code == 409
    assert "already closed" in text(again)


def test_a_typed_outcome_that_is_refused_is_kept(referral, users, client_for):
    services.accept_referral(referral, acting_user=users["pegawai"])
    response = post(
        client_for("pegawai"), f"/referrals/{referral.pk}/close/", {"outcome": "x" * 1001}
    )
    assert response.status_code == 422
    assert "At most 1000 characters." in text(response)
    assert "x" * 1001 in response.content.decode()


def test_without_htmx_an_action_redirects_to_the_inbox(referral, client_for):
    response = client_for("pegawai").post(f"/referrals/{referral.pk}/accept/")
    assert response.status_code == 302
    assert response["Location"] == "/referrals/"


def test_the_inbox_is_in_malay_by_default(referral, client_for, settings):
    settings.LANGUAGE_CODE = "ms"
    body = text(client_for("pegawai").get("/referrals/"))
    assert "Rujukan terbuka" in body and "Terima" in body


def test_the_inbox_reads_a_fixed_number_of_queries_however_many_referrals(tree, users, client_for):
    def one_more() -> None:
        ticket = serve(tree.pj, tree.services["BKK"], users["petugas"])
        entry = registered(ticket, users["petugas"])
        services.refer(entry, acting_user=users["petugas"], officer=users["pegawai"].staff)
        queue.complete(ticket, acting_user=users["petugas"])

    def queries() -> int:
        client = client_for("pegawai")
        client.get("/referrals/")  # the session and user warm up first
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/referrals/").status_code == 200
        return len(captured)

    one_more()
    few = queries()
    for _ in range(5):
        one_more()
    assert queries() == few
