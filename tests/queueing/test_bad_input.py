"""Bad input to the queue's API and pages: a clear 4xx, never a 500, nothing saved."""

from __future__ import annotations

import html
import json

import pytest
from django.test import Client

from tests.factories import issue_ticket
from weserve.organisation.devices import create_device
from weserve.organisation.models import Counter
from weserve.queueing.models import Announcement, Ticket

API = "/api/v1"
NOTICES = "/display/PKMD-PJ/notices/"


def called_ticket(tree, client: Client) -> Ticket:
    counter = Counter.objects.get(office=tree.pj, number=1)
    ticket = issue_ticket(tree.pj, tree.services["BKK"])
    assert client.post(f"{API}/counters/{counter.pk}/open").status_code == 200
    assert client.post(f"{API}/counters/{counter.pk}/call-next").status_code == 200
    return ticket


def test_a_nul_in_the_service_code_is_422_and_issues_nothing(tree, clock):
    _device, token = create_device(tree.pj, "kiosk", "Kiosk")

    response = Client(raise_request_exception=False).post(
        f"{API}/offices/PKMD-PJ/tickets",
        json.dumps({"service": "BK\u0000K"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 422
    assert response.json()["fields"] == {"service": response.json()["fields"]["service"]}
    assert not Ticket.objects.exists()


def test_a_nul_in_an_outcome_is_422_and_is_not_saved(tree, clock, client_for):
    staff = client_for("petugas")
    staff.raise_request_exception = False
    ticket = called_ticket(tree, staff)
    staff.post(f"{API}/tickets/{ticket.public_id}/start")

    response = staff.post(
        f"{API}/tickets/{ticket.public_id}/complete",
        json.dumps({"outcome": "Selesai\u0000"}),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"outcome"}
    ticket.refresh_from_db()
    assert ticket.status == "serving"
    assert "\x00" not in ticket.outcome


def test_a_boolean_is_not_taken_as_a_counter_id(tree, clock, client_for):
    staff = client_for("petugas")
    ticket = called_ticket(tree, staff)

    response = staff.post(
        f"{API}/tickets/{ticket.public_id}/transfer",
        json.dumps({"counter": True}),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert set(response.json()["fields"]) == {"counter"}
    ticket.refresh_from_db()
    assert ticket.status == "called"


def test_a_form_body_where_json_is_expected_is_415(tree, clock):
    _device, token = create_device(tree.pj, "kiosk", "Kiosk")

    response = Client(raise_request_exception=False).post(
        f"{API}/offices/PKMD-PJ/tickets",
        "service=BKK",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not Ticket.objects.exists()


def test_an_announcement_from_the_first_day_of_the_calendar_is_a_form_error(
    tree, clock, client_for
):
    client = client_for("penyelia")
    client.raise_request_exception = False

    for start, end in [("0001-01-01T00:00", ""), ("", "9999-12-31T23:59")]:
        response = client.post(
            NOTICES + "announcements/",
            {"text_ms": "Ujian.", "active_from": start, "active_until": end, "order": "0"},
        )

        assert response.status_code == 422
        assert response.context["form"].errors
    assert not Announcement.objects.exists()


# --- An outcome note over its limit is refused whole, never cut (issue 14) -------------------

LONG_NOTE = ("Borang BKK diberi; " * 13).strip()  # 246 characters; an outcome holds 200


def test_an_outcome_over_its_limit_is_refused_by_the_api_and_nothing_changes(
    tree, clock, client_for
):
    staff = client_for("petugas")
    ticket = called_ticket(tree, staff)

    response = staff.post(
        f"{API}/tickets/{ticket.public_id}/complete",
        json.dumps({"outcome": LONG_NOTE}),
        content_type="application/json",
    )

    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}
    assert set(body["fields"]) == {"outcome"}
    ticket.refresh_from_db()
    assert ticket.status == "called" and ticket.outcome == ""


def test_the_service_refuses_an_outcome_over_its_limit_rather_than_cutting_it(tree, clock, users):
    from weserve.core.errors import DomainError
    from weserve.queueing import services

    counter = Counter.objects.get(office=tree.pj, number=1)
    services.open_counter(counter, acting_user=users["petugas"])
    ticket = issue_ticket(tree.pj, tree.services["BKK"])
    services.call_next(counter, acting_user=users["petugas"])

    with pytest.raises(DomainError) as refused:
        services.complete(ticket, acting_user=users["petugas"], outcome="x" * 201)
    assert (refused.value.code, refused.value.status) == ("outcome_too_long", 422)
    ticket.refresh_from_db()
    assert ticket.status == "called" and ticket.outcome == ""
    done = services.complete(ticket, acting_user=users["petugas"], outcome="x" * 200)
    assert done.outcome == "x" * 200


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("ms", "Catatan hasil boleh mengandungi paling banyak 200 aksara; catatan ini ada 246."),
        ("en", "The outcome note may have at most 200 characters; it has 246."),
    ],
)
def test_the_console_refuses_an_outcome_over_its_limit_and_keeps_what_was_typed(
    tree, clock, users, client_for, language, message
):
    from django.conf import settings

    from weserve.queueing import services

    counter = Counter.objects.get(office=tree.pj, number=1)
    services.open_counter(counter, acting_user=users["petugas"])
    ticket = issue_ticket(tree.pj, tree.services["BKK"])
    services.call_next(counter, acting_user=users["petugas"])
    console = client_for("petugas")
    console.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = console.post(
        f"/counter/{counter.pk}/tickets/{ticket.public_id}/complete/",
        {"outcome": LONG_NOTE},
        HTTP_HX_REQUEST="true",
        HTTP_IDEMPOTENCY_KEY="outcome-too-long",
    )

    assert response.status_code == 422
    page = html.unescape(response.content.decode())
    assert message in " ".join(page.split())
    assert f'value="{LONG_NOTE}"' in page  # kept, to be shortened
    assert 'aria-invalid="true"' in page
    ticket.refresh_from_db()
    assert ticket.status == "called" and ticket.outcome == ""
