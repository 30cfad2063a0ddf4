"""A referral not accepted within the office's time shows on the supervisor's live view
(/counter/live/), under a controlled clock (issue 15 item 3, PT-2.5)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.register.referrals import registered
from weserve.register import services

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def referral(serving, users):
    entry = registered(serving, users["petugas"])
    return services.refer(entry, acting_user=users["petugas"], officer=users["pegawai"].staff)


def live(client) -> str:
    response = client.get("/counter/live/", **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def test_an_overdue_referral_appears_on_the_live_view_once_its_time_is_up(
    tree, referral, clock, client_for
):
    supervisor = client_for("penyelia")
    assert tree.pj.referral_accept_minutes == 15
    clock.shift(dt.timedelta(minutes=14, seconds=59))
    page = live(supervisor)
    assert 'data-testid="live-overdue-section"' in page
    assert 'data-testid="overdue-referrals"' not in page
    clock.shift(dt.timedelta(seconds=1))
    page = live(supervisor)
    assert f'data-testid="overdue-referral-{referral.pk}"' in page
    assert "Siti binti Ahmad" in page and "Pegawai1" in page
    assert "1 referral has not been accepted by its officer in time." in page
    # The live view refreshes the section itself on the referrals stream.
    assert 'data-live-hint="/ws/offices/PKMD-PJ/referrals/"' in page


def test_an_accepted_referral_leaves_the_live_view(tree, users, referral, clock, client_for):
    clock.shift(dt.timedelta(minutes=20))
    supervisor = client_for("penyelia")
    assert 'data-testid="overdue-referrals"' in live(supervisor)
    services.accept_referral(referral, acting_user=users["pegawai"])
    assert 'data-testid="overdue-referrals"' not in live(supervisor)
    section = supervisor.get("/referrals/overdue/").content.decode()
    assert 'data-testid="overdue-referrals"' not in section


def test_the_office_sets_the_time(tree, users, serving, clock, client_for):
    tree.pj.referral_accept_minutes = 5
    tree.pj.save(update_fields=["referral_accept_minutes"])
    entry = registered(serving, users["petugas"])
    services.refer(entry, acting_user=users["petugas"], officer=users["pegawai"].staff)
    clock.shift(dt.timedelta(minutes=5))
    assert (
        'data-testid="overdue-referrals"'
        in client_for("penyelia").get("/referrals/overdue/").content.decode()
    )


def test_another_offices_overdue_referral_is_not_shown(tree, referral, clock, client_for):
    clock.shift(dt.timedelta(minutes=30))
    page = client_for("jb_penyelia").get("/counter/live/", **HTMX).content.decode()
    assert "Siti binti Ahmad" not in page
    assert 'data-testid="overdue-referrals"' not in page


def test_the_overdue_section_is_for_supervisors(tree, referral, clock, client_for):
    assert client_for("petugas").get("/referrals/overdue/").status_code == 403
    assert client_for("pegawai").get("/referrals/overdue/").status_code == 403
