"""The slip's QR rating: the ticket's page offers it when the visit is complete, and the
rating page (/t/<public id>/rate/) rates that ticket once, without a sign-in."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import issue_ticket
from tests.feedback.conftest import serve
from weserve.feedback.models import Rating


def url(ticket) -> str:
    return f"/t/{ticket.public_id}/rate/"


def test_the_ticket_page_offers_the_rating(completed):
    page = Client().get(f"/t/{completed.public_id}/").content.decode()
    assert 'data-testid="ticket-link-rate"' in page
    assert f'href="{url(completed)}"' in page
    assert "Nilai perkhidmatan kami" in page


def test_the_slip_says_its_qr_code_also_rates_the_visit(tree, users, clock, client_for):
    from weserve.organisation.models import Counter
    from weserve.queueing import services as queue

    counter = Counter.objects.get(office=tree.pj, number=1)
    queue.open_counter(counter, acting_user=users["petugas"])
    response = client_for("penyelia").post(
        "/kiosk/PKMD-PJ/tickets/", {"service": "BKK", "priority": "none", "language": "en"}
    )
    assert response.status_code == 201
    page = response.content.decode()
    assert 'data-testid="slip-hint"' in page
    assert "After your visit, scan it again to rate our service." in page


def test_a_waiting_ticket_cannot_be_rated_yet(tree, clock):
    ticket = issue_ticket(tree.pj, tree.services["BKK"])
    response = Client().get(url(ticket))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="rating-not-yet"' in page
    assert 'data-testid="rating-form"' not in page
    refused = Client().post(url(ticket), {"score": "5"})
    assert refused.status_code == 409
    assert Rating.objects.count() == 0


def test_a_completed_visit_is_rated_once_and_then_thanked(completed):
    customer = Client()
    form = customer.get(url(completed)).content.decode()
    assert 'data-testid="rating-form"' in form
    assert "Sangat Tidak Puas Hati" in form
    response = customer.post(url(completed), {"score": "4", "reasons": ["courtesy", "speed"]})
    assert response.status_code == 302 and response["Location"] == url(completed)
    rating = Rating.objects.get()
    assert (rating.score, rating.channel) == (4, "qr")
    assert sorted(rating.reasons.values_list("reason", flat=True)) == ["courtesy", "speed"]
    thanked = customer.get(url(completed)).content.decode()
    assert 'data-testid="rating-done"' in thanked
    assert "Puas Hati" in thanked
    again = customer.post(url(completed), {"score": "1"})
    assert again.status_code == 409
    assert "telah pun dinilai" in again.content.decode()
    assert list(Rating.objects.values_list("score", flat=True)) == [4]


def test_the_page_is_in_the_tickets_language_and_switches(tree, users, clock):
    from weserve.organisation.models import Counter
    from weserve.queueing import services as queue

    counter = Counter.objects.get(office=tree.pj, number=1)
    queue.open_counter(counter, acting_user=users["petugas"])
    ticket = issue_ticket(tree.pj, tree.services["BKK"], language="en")
    queue.complete(
        queue.call_next(counter, acting_user=users["petugas"]), acting_user=users["petugas"]
    )
    assert "Very satisfied" in Client().get(url(ticket)).content.decode()
    assert "Sangat Puas Hati" in Client().get(url(ticket) + "?lang=ms").content.decode()


def test_a_refused_comment_keeps_what_was_typed(completed):
    response = Client().post(
        url(completed), {"score": "5", "reasons": ["facilities"], "comment": "y" * 1200}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "y" * 1200 in page
    assert 'value="facilities" class="peer sr-only" checked' in page
    assert Rating.objects.count() == 0


@pytest.mark.django_db
def test_an_unknown_ticket_is_404():
    assert Client().get("/t/no-such-ticket/rate/").status_code == 404
    assert Client().post("/t/no-such-ticket/rate/", {"score": "5"}).status_code == 404


@pytest.mark.django_db
def test_a_nul_in_the_form_is_refused_before_the_page(completed):
    response = Client().post(url(completed), {"score": "5", "comment": "a\x00b"})
    assert response.status_code == 400
    assert Rating.objects.count() == 0


def test_the_page_shows_no_staff_name(completed, users):
    assert users["petugas"].staff.name not in Client().get(url(completed)).content.decode()


def test_another_counter_served_ticket_is_rated_from_its_slip_too(tree, users, clock):
    ticket = serve(tree.pj, tree.services["OKU"], users["penyelia"], counter_number=2)
    Client().post(url(ticket), {"score": "3"})
    assert Rating.objects.get().counter.number == 2
