"""Completing a ticket whose customer is not in the register (PT-1.8): the console asks
first; an office that requires an entry refuses, on the page and through the API."""

from __future__ import annotations

import json
import re
import secrets

import pytest

from tests.register.referrals import registered
from weserve.queueing.models import Ticket, TicketStatus

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def complete(client, ticket, **data):
    url = f"/counter/{ticket.counter_id}/tickets/{ticket.public_id}/complete/"
    return client.post(url, data, HTTP_IDEMPOTENCY_KEY=secrets.token_urlsafe(12), **HTMX)


def api_complete(client, ticket):
    return client.post(
        f"/api/v1/tickets/{ticket.public_id}/complete",
        data=json.dumps({"outcome": "Selesai"}),
        content_type="application/json",
    )


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def status(ticket) -> str:
    return Ticket.objects.get(pk=ticket.pk).status


def require_entries(office):
    office.register_entry_required = True
    office.save(update_fields=["register_entry_required"])


def test_the_console_asks_before_completing_without_an_entry(serving, client_for):
    client = client_for("petugas")
    asked = complete(client, serving, outcome="Maklumat diberi")
    assert asked.status_code == 200
    assert f"Ticket {serving.number} is not in the customer register yet." in text(asked)
    html = asked.content.decode()
    assert 'data-testid="complete-confirm"' in html
    assert 'name="outcome" value="Maklumat diberi"' in html  # what was typed goes along
    assert f'href="#panel-register-{serving.pk}"' in html
    assert status(serving) == TicketStatus.SERVING
    done = complete(client, serving, outcome="Maklumat diberi", confirmed="1")
    assert f"{serving.number} is done." in text(done)
    assert status(serving) == TicketStatus.COMPLETED
    assert Ticket.objects.get(pk=serving.pk).outcome == "Maklumat diberi"


def test_with_an_entry_the_console_completes_at_once(serving, users, client_for):
    registered(serving, users["petugas"])
    done = complete(client_for("petugas"), serving)
    assert f"{serving.number} is done." in text(done)
    assert 'data-testid="complete-confirm"' not in done.content.decode()
    assert status(serving) == TicketStatus.COMPLETED


def test_the_api_completes_without_an_entry_unless_the_office_requires_one(serving, client_for):
    response = api_complete(client_for("petugas"), serving)
    assert response.status_code == 200, response.content
    assert status(serving) == TicketStatus.COMPLETED


def test_an_office_that_requires_an_entry_refuses_on_the_page(tree, serving, client_for):
    require_entries(tree.pj)
    client = client_for("petugas")
    for data in ({}, {"confirmed": "1"}):
        refused = complete(client, serving, **data)
        assert refused.status_code == 409
        assert "This office requires a register entry before a ticket is completed." in text(
            refused
        )
        assert 'data-testid="complete-confirm"' not in refused.content.decode()
        assert status(serving) == TicketStatus.SERVING


def test_an_office_that_requires_an_entry_refuses_through_the_api(
    tree, serving, users, client_for, settings
):
    settings.LANGUAGE_CODE = "ms"
    require_entries(tree.pj)
    client = client_for("petugas")
    refused = api_complete(client, serving)
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "register_entry_required"
    assert "Pejabat ini mewajibkan entri daftar" in body["detail"]
    assert status(serving) == TicketStatus.SERVING
    registered(serving, users["petugas"])
    assert api_complete(client, serving).status_code == 200
    assert status(serving) == TicketStatus.COMPLETED


def test_the_office_setting_is_in_the_office_form(tree):
    from weserve.organisation.forms import OfficeForm

    form = OfficeForm(instance=tree.pj)
    assert {"register_entry_required", "referral_accept_minutes"} <= set(form.fields)
    assert tree.pj.register_entry_required is False  # the default asks, never refuses
    assert tree.pj.referral_accept_minutes == 15
