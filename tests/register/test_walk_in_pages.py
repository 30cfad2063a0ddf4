"""A walk-in on the pages: registered without a ticket, then referred to an officer from
the entry's page (issue 15 items 1 and 3, PT-1.8, PT-2.5)."""

from __future__ import annotations

import secrets

import pytest

from tests.register.conftest import MYKAD
from weserve.core.audit_text import describe
from weserve.core.models import AuditLog
from weserve.register.models import Referral, RegisterEntry

pytestmark = pytest.mark.django_db

FIELDS = {
    "name": "Aminah binti Yusof",
    "mykad": MYKAD,
    "phone": "012-345 6789",
    "category": "single_parent",
    "service": "BKK",
    "purpose": "Mohon bantuan kanak-kanak",
    "action": "referred",
}


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def test_counter_staff_register_a_walk_in_and_land_on_its_page(tree, users, clock, client_for):
    client = client_for("petugas")
    assert client.get("/register/walk-in/").status_code == 200
    response = client.post("/register/walk-in/", FIELDS)
    entry = RegisterEntry.objects.get()
    assert entry.ticket is None and entry.office == tree.pj
    assert response.status_code == 302 and response["Location"] == f"/register/entries/{entry.pk}/"
    page = client.get(response["Location"])
    text = page.content.decode()
    assert "Walk-in (no ticket)" in text and "******-**-5123" in text and "850101" not in text
    assert 'data-testid="referral-form"' in text
    # Opening a person's entry is recorded (personal data).
    assert AuditLog.objects.filter(action="core.personal.viewed", target_id=str(entry.pk)).exists()


def test_a_refused_walk_in_keeps_what_was_typed_and_saves_nothing(tree, users, clock, client_for):
    response = client_for("petugas").post(
        "/register/walk-in/", FIELDS | {"mykad": "123", "purpose": ""}
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "Aminah binti Yusof" in text and 'value="123"' in text
    assert "This field is required." in text
    assert RegisterEntry.objects.count() == 0


def test_a_walk_in_is_referred_to_an_officer_and_the_officer_sees_it(
    tree, users, clock, client_for
):
    client = client_for("petugas")
    client.post("/register/walk-in/", FIELDS)
    entry = RegisterEntry.objects.get()
    officer = users["pegawai"].staff
    response = client.post(
        f"/register/entries/{entry.pk}/referrals/",
        {"officer": officer.pk, "note": "Walk-in, ibu tunggal"},
        HTTP_IDEMPOTENCY_KEY=secrets.token_urlsafe(12),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    referral = Referral.objects.get()
    assert referral.entry == entry and referral.officer == officer
    assert describe(AuditLog.objects.get(action="register.referral.created")) == (
        "Walk-in customer referred to Pegawai1"
    )
    inbox = client_for("pegawai").get("/referrals/").content.decode()
    assert "Aminah binti Yusof" in inbox


def test_the_walk_in_page_is_for_those_who_keep_the_register(tree, users, clock, client_for):
    assert client_for("telefonis").get("/register/walk-in/").status_code == 403
    assert client_for("penyelia").get("/register/walk-in/").status_code == 200


def test_another_offices_walk_in_entry_is_404(tree, users, clock, client_for):
    client_for("petugas").post("/register/walk-in/", FIELDS)
    entry = RegisterEntry.objects.get()
    assert client_for("jb_petugas").get(f"/register/entries/{entry.pk}/").status_code == 404
    assert client_for("telefonis").get(f"/register/entries/{entry.pk}/").status_code == 403


@pytest.mark.parametrize(
    "bad",
    [
        {"name": "Aminah\x00"},
        {"name": "x" * 5000},
        {"service": "True"},
        {"form_1": "JKM18\x00", "quantity_1": "1"},
        {"quantity_1": "true", "form_1": "JKM18"},
        {"category": "true"},
        {"service": "x" * 5000},
    ],
)
def test_bad_walk_in_input_is_a_message_not_a_500(tree, users, clock, client_for, bad):
    response = client_for("petugas").post("/register/walk-in/", FIELDS | bad)
    # A NUL anywhere is refused by core's middleware (400) before the view.
    nul = any("\x00" in value for value in bad.values())
    assert response.status_code == (400 if nul else 422)
    assert RegisterEntry.objects.count() == 0
