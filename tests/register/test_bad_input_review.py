"""A review of the register's and referrals' endpoints for bad input (issue 15, "Bad
input"): odd digits, numbers too large for the database, booleans where ids go, dates at
the calendar's ends. Each is a clear refusal (4xx), never a 500, and saves nothing."""

from __future__ import annotations

import json
import secrets

import pytest

from tests.register.referrals import registered
from weserve.register.models import Referral

pytestmark = pytest.mark.django_db

HUGE = "9" * 30


@pytest.fixture
def entry(serving, users):
    return registered(serving, users["petugas"])


def post(client, url, data):
    return client.post(url, data, HTTP_IDEMPOTENCY_KEY=secrets.token_urlsafe(12))


@pytest.mark.parametrize("officer", ["²", "٣", "1" * 20, HUGE, "true", "-1", " 1 ", "1.0", ""])
def test_a_referral_to_an_officer_id_that_is_no_id_is_refused(entry, client_for, officer):
    response = post(
        client_for("petugas"), f"/register/entries/{entry.pk}/referrals/", {"officer": officer}
    )
    assert response.status_code == 422
    assert Referral.objects.count() == 0


@pytest.mark.parametrize(
    "path",
    [
        f"/register/entries/{HUGE}/",
        f"/register/entries/{HUGE}/referrals/",
        f"/register/entries/{HUGE}/officers/",
    ],
)
def test_an_entry_id_too_large_is_404(entry, client_for, path):
    assert client_for("petugas").get(path).status_code == 404


@pytest.mark.parametrize("verb", ["accept", "close"])
def test_a_referral_id_too_large_is_404(entry, client_for, verb):
    response = post(client_for("pegawai"), f"/referrals/{HUGE}/{verb}/", {"outcome": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30", "true", HUGE])
def test_the_day_register_api_answers_any_date_without_a_500(entry, client_for, day):
    response = client_for("penyelia").get(f"/api/v1/offices/PKMD-PJ/register?date={day}")
    assert response.status_code in (200, 422), response.content


@pytest.mark.parametrize(
    "payload",
    [
        {"mykad": True},
        {"mykad": 850101145123},
        {"mykad": "8" * 40},
        {"mykad": "٨٥٠١٠١١٤٥١٢٣"},
        {},
    ],
)
def test_the_lookup_api_refuses_what_is_not_a_mykad_number(entry, client_for, payload):
    response = client_for("petugas").post(
        "/api/v1/offices/PKMD-PJ/customers/lookup",
        data=json.dumps(payload),
        content_type="application/json",
    )
    assert response.status_code == 422, response.content


def test_a_referral_of_another_offices_entry_is_404(entry, client_for, users):
    response = post(
        client_for("jb_petugas"),
        f"/register/entries/{entry.pk}/referrals/",
        {"officer": users["pegawai"].staff.pk},
    )
    assert response.status_code == 404
    assert Referral.objects.count() == 0
