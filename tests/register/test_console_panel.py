"""The register entry panel on the counter console (register/views.py, queueing/panels.py)."""

from __future__ import annotations

import pytest

from weserve.core.models import AuditLog
from weserve.register.models import RegisterEntry

pytestmark = pytest.mark.django_db

TYPED = {
    "name": "Siti binti Ahmad",
    "mykad": "850101-14-5123",
    "phone": "012-345 6789",
    "category": "single_parent",
    "service": "BKK",
    "purpose": "Mahu memohon bantuan kanak-kanak",
    "action": "form_issued",
    "form_1": "JKM18",
    "quantity_1": "2",
    "note": "",
}


def _url(ticket) -> str:
    return f"/register/tickets/{ticket.public_id}/"


def test_the_console_shows_the_register_panel_while_a_customer_is_served(serving, client_for):
    page = client_for("petugas").get("/counter/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'id="panel-register-{serving.pk}"' in html
    assert f'hx-get="{_url(serving)}"' in html
    assert "hx-preserve" in html


def test_the_panel_is_not_offered_to_roles_that_do_not_record(serving, users):
    from weserve.queueing.panels import ticket_panels

    assert ticket_panels(users["telefonis"], serving) == []
    assert len(ticket_panels(users["penyelia"], serving)) == 1


def test_the_panel_shows_the_form_with_the_tickets_service_chosen(serving, client_for, catalogue):
    response = client_for("petugas").get(_url(serving), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="register-form"' in html
    assert '<option value="BKK" selected>' in html
    assert "JKM18 — Borang permohonan bantuan" in html
    assert "Borang lama" not in html  # withdrawn from the catalogue


def test_saving_the_panel_registers_the_customer_and_shows_the_entry_masked(
    serving, client_for, catalogue
):
    response = client_for("petugas").post(_url(serving), TYPED, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="register-saved"' in html
    assert "******-**-5123" in html and "850101" not in html
    entry = RegisterEntry.objects.get(ticket=serving)
    assert entry.name == "Siti binti Ahmad"
    assert [(f.form.code, f.quantity) for f in entry.forms_handed_over.all()] == [("JKM18", 2)]
    # Opened again, the panel shows the saved entry, and a second save adds nothing.
    again = client_for("penyelia").post(_url(serving), TYPED, HTTP_HX_REQUEST="true")
    assert 'data-testid="register-saved"' in again.content.decode()
    assert RegisterEntry.objects.count() == 1


def test_a_nul_character_is_refused_before_the_panel_and_nothing_is_saved(
    serving, client_for, catalogue
):
    # NUL characters are refused for every page in one place (core.guards), before any
    # view: 400, nothing saved.
    response = client_for("petugas").post(
        _url(serving), {**TYPED, "name": "Siti\x00"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    assert RegisterEntry.objects.count() == 0
    assert not AuditLog.objects.filter(action="register.entry.recorded").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mykad": "8501"}, "Masukkan nombor MyKad yang sah"),
        ({"phone": "12"}, "Masukkan nombor telefon yang sah"),
        ({"purpose": ""}, "Ruangan ini wajib diisi."),
        ({"form_1": "NOPE"}, ""),
    ],
)
def test_a_refused_entry_keeps_what_was_typed_and_saves_nothing(
    serving, client_for, catalogue, changes, message
):
    response = client_for("petugas").post(
        _url(serving), {**TYPED, **changes}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="register-invalid"' in html
    assert message in html
    assert 'value="Mahu memohon bantuan kanak-kanak"' in html or changes.get("purpose") == ""
    assert RegisterEntry.objects.count() == 0
    assert not AuditLog.objects.filter(action="register.entry.recorded").exists()


def test_the_panel_is_in_english_for_an_english_screen(serving, client_for, catalogue):
    client = client_for("petugas")
    client.cookies["weserve_language"] = "en"
    response = client.post(_url(serving), {**TYPED, "purpose": ""}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "This field is required." in html
    assert "Save to the register" in html


def test_another_districts_staff_get_404_and_other_roles_403(serving, client_for):
    assert client_for("jb_petugas").get(_url(serving)).status_code == 404
    assert client_for("jb_petugas").post(_url(serving), TYPED).status_code == 404
    assert client_for("telefonis").get(_url(serving)).status_code == 403
    assert client_for("telefonis").post(_url(serving), TYPED).status_code == 403
    assert RegisterEntry.objects.count() == 0
