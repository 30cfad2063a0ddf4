"""The counter's rating tablet page: who may open it, what it shows as tickets are
completed at its counter, and a press of a face (once per ticket)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from tests.feedback.conftest import device_browser, make_tablet, serve
from weserve.core.models import AuditLog
from weserve.feedback.models import Rating
from weserve.feedback.selectors import TABLET_WINDOW
from weserve.organisation.devices import create_device, revoke_device

PAGE = "/feedback/PKMD-PJ/counter/1/"
SCREEN = PAGE + "screen/"
RATE = PAGE + "rate/"


@pytest.fixture
def browser(tablet):
    return device_browser(tablet[1])


def screen_of(response) -> str:
    found = re.search(r'data-screen="(\w+)"', response.content.decode())
    assert found, response.content.decode()[:500]
    return found.group(1)


def test_an_unpaired_browser_is_shown_how_to_pair_and_may_not_rate(completed):
    response = Client().get(PAGE)
    assert response.status_code == 403
    assert 'data-testid="tablet-not-paired"' in response.content.decode()
    assert Client().post(RATE, {"ticket": completed.public_id, "score": "5"}).status_code == 403
    assert Rating.objects.count() == 0


def test_a_signed_in_person_is_not_a_tablet(client_for, completed):
    assert client_for("penyelia").get(PAGE).status_code == 403
    response = client_for("petugas").post(RATE, {"ticket": completed.public_id, "score": "5"})
    assert response.status_code == 403
    assert Rating.objects.count() == 0


def test_another_offices_tablet_gets_404(tree, completed):
    _jb, token = make_tablet(tree.jb)
    jb_browser = device_browser(token)
    assert jb_browser.get(PAGE).status_code == 404
    assert jb_browser.post(RATE, {"ticket": completed.public_id, "score": "5"}).status_code == 404
    assert Rating.objects.count() == 0


def test_another_kind_of_device_or_another_counters_tablet_gets_403(tree, completed):
    _kiosk, kiosk_token = create_device(tree.pj, "kiosk", "Kiosk")
    _two, two_token = make_tablet(tree.pj, 2)
    for token in (kiosk_token, two_token):
        browser = device_browser(token)
        assert browser.get(PAGE).status_code == 403
        assert browser.post(RATE, {"ticket": completed.public_id, "score": "5"}).status_code == 403
    assert Rating.objects.count() == 0


def test_an_unknown_counter_or_office_is_404(browser):
    assert browser.get("/feedback/PKMD-PJ/counter/9/").status_code == 404
    assert browser.get("/feedback/NOPE/counter/1/").status_code == 404


def test_a_revoked_tablet_is_no_longer_paired(tablet, browser, clock):
    revoke_device(tablet[0])
    assert browser.get(PAGE).status_code == 403


def test_the_tablet_welcomes_until_a_ticket_is_completed_at_its_counter(
    tree, users, clock, browser
):
    response = browser.get(PAGE)
    assert response.status_code == 200
    assert screen_of(response) == "welcome"
    page = response.content.decode()
    assert 'data-ws-path="/ws/feedback/PKMD-PJ/counter/1/"' in page
    assert "Selamat datang" in page
    # A ticket being served is not rated yet; one completed at counter 2 is not ours.
    serve(tree.pj, tree.services["BKK"], users["petugas"], complete=False)
    serve(tree.pj, tree.services["OKU"], users["penyelia"], counter_number=2)
    assert screen_of(browser.get(SCREEN)) == "welcome"


def test_a_completed_ticket_brings_up_the_faces_with_its_number_and_staff(
    completed, browser, users
):
    response = browser.get(SCREEN)
    assert screen_of(response) == "rate"
    page = response.content.decode()
    assert completed.number in page
    assert users["petugas"].staff.name in page
    assert "Sangat Tidak Puas Hati" in page and "Sangat Puas Hati" in page
    for score in range(1, 6):
        assert f'data-testid="face-{score}"' in page
    assert f'name="ticket" value="{completed.public_id}"' in page
    # A reload shows the same screen.
    assert screen_of(browser.get(PAGE)) == "rate"


def test_english_on_one_touch(completed, browser):
    page = browser.get(SCREEN + "?lang=en").content.decode()
    assert "Very dissatisfied" in page and "Very satisfied" in page
    assert "How satisfied are you with our service today?" in page


def test_a_face_rates_the_ticket_thanks_and_the_screen_resets(completed, browser, users):
    response = browser.post(
        RATE,
        {
            "ticket": completed.public_id,
            "score": "2",
            "reasons": ["waiting_time"],
            "comment": "Lama menunggu",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 201
    assert screen_of(response) == "thanks"
    assert 'data-reset-seconds="10"' in response.content.decode()
    rating = Rating.objects.get()
    assert (rating.score, rating.served_by, rating.channel) == (2, users["petugas"], "tablet")
    assert rating.comment == "Lama menunggu"
    assert list(rating.reasons.values_list("reason", flat=True)) == ["waiting_time"]
    # What the reset fetches: the welcome screen, in Malay again.
    assert screen_of(browser.get(SCREEN)) == "welcome"


def test_repeated_presses_are_ignored(completed, browser):
    for score in ("5", "1", "3"):
        response = browser.post(
            RATE, {"ticket": completed.public_id, "score": score}, HTTP_HX_REQUEST="true"
        )
        assert screen_of(response) == "thanks"
    assert list(Rating.objects.values_list("score", flat=True)) == [5]
    assert AuditLog.objects.filter(action="feedback.rating.created").count() == 1


def test_a_refused_comment_keeps_the_chosen_reasons_and_the_text(completed, browser):
    response = browser.post(
        RATE,
        {
            "ticket": completed.public_id,
            "score": "4",
            "reasons": ["courtesy"],
            "comment": "x" * 1001,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert screen_of(response) == "rate"
    assert 'value="courtesy" class="peer sr-only" checked' in page
    assert "x" * 1001 in page
    assert "Paling banyak 1000 aksara." in page
    assert Rating.objects.count() == 0


@pytest.mark.parametrize("score", ["", "0", "6", "abc", "５", "99999999999"])
def test_a_score_that_is_not_a_face_is_refused(completed, browser, score):
    response = browser.post(
        RATE, {"ticket": completed.public_id, "score": score}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert Rating.objects.count() == 0


def test_a_ticket_of_another_counter_is_refused_with_the_reason(
    tree, users, clock, browser, completed
):
    other = serve(tree.pj, tree.services["OKU"], users["penyelia"], counter_number=2)
    response = browser.post(RATE, {"ticket": other.public_id, "score": "5"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert other.number in response.content.decode()
    assert Rating.objects.count() == 0


def test_the_ticket_waits_five_minutes_then_the_tablet_welcomes_again(completed, browser, clock):
    clock.shift(TABLET_WINDOW - dt.timedelta(seconds=1))
    assert screen_of(browser.get(SCREEN)) == "rate"
    clock.shift(dt.timedelta(seconds=2))
    assert screen_of(browser.get(SCREEN)) == "welcome"


def test_the_next_completion_takes_the_screen(tree, users, completed, browser, clock):
    clock.shift(dt.timedelta(minutes=2))
    following = serve(tree.pj, tree.services["INFO"], users["petugas"])
    page = browser.get(SCREEN).content.decode()
    assert following.number in page and completed.number not in page


def test_calling_the_next_customer_leaves_the_last_one_rating(tree, users, completed, browser):
    serve(tree.pj, tree.services["INFO"], users["petugas"], complete=False)
    page = browser.get(SCREEN).content.decode()
    assert completed.number in page


def test_a_ticket_rated_from_its_slip_is_not_asked_again(completed, browser):
    Client().post(f"/t/{completed.public_id}/rate/", {"score": "4"})
    assert Rating.objects.get().channel == "qr"
    assert screen_of(browser.get(SCREEN)) == "welcome"


def test_pairing_a_rating_tablet_opens_its_counters_page(tree, users, client_for):
    from weserve.organisation.models import Counter

    admin = client_for("admin")
    counter = Counter.objects.get(office=tree.pj, number=1)
    created = admin.post("/devices/new/", {"kind": "rating", "name": "Tab", "counter": counter.pk})
    assert created.status_code == 200
    from weserve.organisation.models import Device

    device = Device.objects.get(name="Tab")
    code_page = admin.post(f"/devices/{device.pk}/pairing-code/").content.decode()
    code = re.search(r'data-testid="pairing-code"[^>]*>\s*([A-Z0-9-]+)', code_page).group(1)
    paired = Client().post("/pair/", {"code": code})
    assert paired.status_code == 302
    assert paired["Location"] == PAGE
