"""Complaint pages: the public form at /feedback/<office>/complaint/ (no sign-in; keeps
what was typed on a refusal; a honeypot; a double submit is one complaint; the per-address
limit) and its printable acknowledgement; the office's complaint list and file for its
supervisor and its complaint officers (another office 404, a wrong role 403)."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client

from tests.feedback.test_complaints import THURSDAY, online
from weserve.core.models import AuditLog
from weserve.feedback import complaint_services as complaints
from weserve.feedback.complaint_models import Complaint

FORM = "/feedback/PKMD-PJ/complaint/"
LIST = "/feedback/PKMD-PJ/complaints/"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(THURSDAY, tick=False) as traveller:
        yield traveller


def submission(client: Client, url: str = FORM) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="submission" value="([^"]+)"', page).group(1)


def filled(client: Client, **changes) -> dict[str, str]:
    return {
        "submission": submission(client),
        "category": "service_quality",
        "against": "service",
        "service": "BKK",
        "staff_name": "",
        "description": "Kaunter dibuka lewat.",
        "name": "Ahmad",
        "phone": "0123456789",
        "email": "",
        "website": "",
        **changes,
    }


def test_the_public_form_is_in_malay_and_english_without_sign_in(tree):
    malay = Client().get(FORM)
    assert malay.status_code == 200
    assert "Borang Aduan Pelanggan" in malay.content.decode()
    english = Client().get(FORM + "?lang=en")
    assert "Customer Complaint Form" in english.content.decode()
    assert Client().get("/feedback/NOPE/complaint/").status_code == 404


def test_a_complaint_sent_shows_its_reference_and_access_code(tree):
    client = Client()
    response = client.post(FORM, filled(client))
    assert response.status_code == 302
    receipt = client.get(response["Location"])
    page = receipt.content.decode()
    complaint = Complaint.objects.get()
    assert complaint.reference in page
    code = re.search(r'data-testid="complaint-access-code">([A-Z0-9]+)<', page).group(1)
    assert complaints.access_code_matches(complaint, code)
    assert f"{complaint.reference}" in re.search(r"<textarea[^>]*>([^<]*)<", page).group(1)
    assert complaint.against_service == tree.services["BKK"]
    assert complaint.phone == "+60123456789"
    # Another browser has no acknowledgement to see.
    assert Client().get(response["Location"]).status_code == 302


def test_a_refusal_keeps_what_was_typed(tree):
    client = Client()
    response = client.post(
        FORM, filled(client, phone="12", description="Masih menunggu", category="")
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Masih menunggu" in page
    assert 'value="12"' in page
    assert 'value="Ahmad"' in page
    assert "Pilih kategori daripada senarai." in page  # in Malay
    assert Complaint.objects.count() == 0


def test_the_honeypot_saves_nothing(tree):
    client = Client()
    response = client.post(FORM, filled(client, website="http://spam.example"))
    assert response.status_code == 400
    assert Complaint.objects.count() == 0


def test_a_double_submit_of_one_form_is_one_complaint(tree):
    client = Client()
    data = filled(client)
    first = client.post(FORM, data)
    second = client.post(FORM, data)
    assert first.status_code == second.status_code == 302
    assert Complaint.objects.count() == 1
    # A new form (a new page) is a new complaint.
    assert client.post(FORM, filled(client)).status_code == 302
    assert Complaint.objects.count() == 2


def test_the_form_is_limited_per_address(tree, settings):
    settings.FEEDBACK_RATE_LIMITS = {"complaint": 1}
    client = Client(REMOTE_ADDR="203.0.113.20")
    assert client.post(FORM, filled(client)).status_code == 302
    refused = client.post(FORM, filled(client))
    assert refused.status_code == 429
    assert "Kaunter dibuka lewat." in refused.content.decode()
    assert Complaint.objects.count() == 1


def test_nul_characters_are_refused_and_save_nothing(tree):
    client = Client()
    response = client.post(FORM, filled(client, description="a\x00b"))
    assert 400 <= response.status_code < 500
    assert Complaint.objects.count() == 0


# --- Staff pages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("penyelia", 200), ("aduan", 200), ("petugas", 403), ("ketua", 403), ("jb_penyelia", 404)],
)
def test_the_list_is_for_the_offices_supervisor_and_complaint_officers(
    tree, client_for, who, status
):
    online(tree.pj)
    assert client_for(who).get(LIST).status_code == status


def test_an_officer_sees_their_complaints_the_supervisor_all_and_the_overdue(
    tree, users, client_for, clock
):
    mine = online(tree.pj).complaint
    other = online(tree.pj).complaint
    complaints.assign(mine, users["aduan"], acting_user=users["penyelia"])
    officer_page = client_for("aduan").get(LIST).content.decode()
    assert mine.reference in officer_page and other.reference not in officer_page
    clock.shift(7 * 24 * 3600)
    supervisor_page = client_for("penyelia").get(LIST).content.decode()
    assert mine.reference in supervisor_page and other.reference in supervisor_page
    assert 'data-testid="complaints-overdue"' in supervisor_page
    # The officer may open their own file, not another's.
    url = f"{LIST}{other.reference}/"
    assert client_for("aduan").get(url).status_code == 403
    assert client_for("aduan").get(f"{LIST}{mine.reference}/").status_code == 200
    assert client_for("jb_penyelia").get(url).status_code == 404


def test_the_file_shows_the_contact_and_its_viewing_is_audited(tree, users, client_for):
    complaint = online(tree.pj, name="Siti", phone="0123456789").complaint
    page = client_for("penyelia").get(f"{LIST}{complaint.reference}/").content.decode()
    assert "Siti" in page and "012-345 6789" in page
    assert AuditLog.objects.filter(
        action="core.personal.viewed", target_id=str(complaint.pk), user=users["penyelia"]
    ).exists()


def test_actions_from_the_file(tree, users, client_for):
    complaint = online(tree.pj).complaint
    base = f"{LIST}{complaint.reference}/"
    supervisor = client_for("penyelia")
    assert supervisor.post(base + "assign/", {"officer": users["aduan"].pk}).status_code == 302
    officer = client_for("aduan")
    assert officer.post(base + "assign/", {"officer": users["aduan"].pk}).status_code == 403
    assert officer.post(base + "acknowledge/", {"note": "Diterima"}).status_code == 302
    assert officer.post(base + "start_action/").status_code == 302
    refused = officer.post(base + "close/")
    assert refused.status_code == 409
    assert officer.post(base + "note/", {"note": ""}).status_code == 422
    assert officer.post(base + "note/", {"note": "Telefon pengadu."}).status_code == 302
    assert officer.post(base + "fly/").status_code == 404
    complaint.refresh_from_db()
    assert complaint.state == "in_action"
    assert complaint.assigned_to == users["aduan"]
    assert list(complaint.events.values_list("kind", flat=True)) == [
        "received",
        "assigned",
        "acknowledged",
        "action_started",
        "note",
    ]
    assert client_for("petugas").post(base + "acknowledge/").status_code == 403


def test_the_offices_administrator_sets_its_deadlines_in_the_admin(tree, users, client_for):
    admin_user = users["admin"]
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    client = client_for("admin")
    response = client.post(
        "/admin/feedback/complaintsettings/add/",
        {"office": tree.pj.pk, "acknowledge_days": 2, "reply_days": 5, "resolve_days": 20},
    )
    assert response.status_code == 302, response.content
    assert online(tree.pj).complaint.reply_due.date().isoformat() == "2026-07-14"  # 5 days
    # The complaint list there leaves out the complainant's contact.
    online(tree.pj, name="Siti", phone="0123456789")
    page = client.get("/admin/feedback/complaint/").content.decode()
    assert "BAP-PKMD-PJ-2026-000002" in page and "Siti" not in page
    assert client_for("penyelia").get("/admin/feedback/complaintsettings/").status_code == 403


def test_counter_staff_key_in_a_complaint_from_a_suggestion_box_slip(tree, users, client_for):
    client = client_for("petugas")
    url = "/feedback/PKMD-PJ/complaints/new/"
    data = filled(client, channel="suggestion_box", website="")
    data["submission"] = submission(client, url)
    response = client.post(url, data)
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.channel == "suggestion_box"
    assert complaint.received_by == users["petugas"]
    assert complaint.reference in client.get(response["Location"]).content.decode()
    # Online is the public form's channel, not staff's.
    data = filled(client, channel="online")
    data["submission"] = submission(client, url)
    assert client.post(url, data).status_code == 422
    assert client_for("telefonis").get(url).status_code == 403
    assert client_for("jb_petugas").get(url).status_code == 404
