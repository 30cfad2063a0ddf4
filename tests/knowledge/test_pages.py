"""The shelf's pages: the shelf by kind, an article, the directory and emergency
contacts, the approval form (bad input keeps what was typed), the brochure's file and
the public client charter page (no sign-in; the display board's own charter)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from weserve.knowledge.models import Agency, Article, EmergencyContact, Kind, Status
from weserve.queueing import notices


def test_the_shelf_lists_by_kind(shelf, client_for):
    brochure = shelf.national
    Article.objects.filter(pk=brochure.pk).update(kind=Kind.BROCHURE)
    petugas = client_for("petugas")
    page = petugas.get("/shelf/", {"kind": "brochure"}).content.decode()
    assert "PKW: Bantuan Warga Emas" in page and "Prosedur kaunter PJ" not in page
    assert "Prosedur kaunter PJ" in petugas.get("/shelf/", {"kind": "nonsense"}).content.decode()


def test_the_article_page_shows_its_sections_in_the_chosen_language(shelf, client_for):
    petugas = client_for("petugas")
    path = f"/shelf/articles/{shelf.national.pk}/"
    malay = petugas.get(path).content.decode()
    assert "Bawa sijil kelahiran" in malay and "Syarat" in malay
    petugas.cookies["weserve_language"] = "en"
    english = petugas.get(path).content.decode()
    assert "Bring the birth certificate" in english and "Eligibility" in english
    assert "Older Persons&#x27; Assistance" in english


def test_the_directory_and_emergency_contacts(shelf, tree, client_for):
    Agency.objects.create(office=tree.sgr, agency="JPN", service_ms="MyKad", phone="03-0000 1001")
    Agency.objects.create(office=tree.jhr, agency="Agensi Johor", service_ms="X", phone="07-1")
    EmergencyContact.objects.create(office=tree.hq, name_ms="Talian Kecemasan", phone="999")
    EmergencyContact.objects.create(
        office=tree.hq, name_ms="Nombor usang", phone="111", is_active=False
    )
    petugas = client_for("petugas")
    directory = petugas.get("/shelf/directory/").content.decode()
    assert "JPN" in directory and "03-0000 1001" in directory
    assert "Agensi Johor" not in directory  # another state's
    emergency = petugas.get("/shelf/emergency/").content.decode()
    assert "Talian Kecemasan" in emergency and 'href="tel:999"' in emergency
    assert "Nombor usang" not in emergency


def test_the_approval_form_keeps_what_was_typed_with_a_translated_error(shelf, client_for):
    admin = client_for("admin")
    path = f"/shelf/articles/{shelf.pj_draft.pk}/approve/"
    response = admin.post(path, {"what_changed_ms": "Syarat baharu", "review_due": "2026-01-01"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Syarat baharu" in page
    assert "Tarikh semakan mesti selepas hari ini." in page
    response = admin.post(path, {"what_changed_ms": "", "review_due": "31-02-2027"})
    assert response.status_code == 422
    assert Article.objects.get(pk=shelf.pj_draft.pk).status == Status.DRAFT
    response = admin.post(path, {"what_changed_ms": "Baik\x00", "review_due": "2027-01-01"})
    assert response.status_code == 400
    assert Article.objects.get(pk=shelf.pj_draft.pk).status == Status.DRAFT


def test_the_approval_form_approves(shelf, client_for):
    response = client_for("admin").post(
        f"/shelf/articles/{shelf.pj_draft.pk}/approve/",
        {
            "what_changed_ms": "Versi pertama",
            "what_changed_en": "First",
            "review_due": "2027-06-01",
        },
    )
    assert response.status_code == 302
    fresh = Article.objects.get(pk=shelf.pj_draft.pk)
    assert (fresh.status, fresh.version, fresh.review_due) == ("approved", 1, dt.date(2027, 6, 1))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_brochures_file_is_served_to_those_who_may_read_it(shelf, client_for, media):
    article = shelf.pj_only
    article.file.save("risalah.pdf", ContentFile(b"%PDF-1.4 demo"), save=True)
    response = client_for("petugas").get(f"/shelf/articles/{article.pk}/file/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 demo"
    assert (media / article.file.name).exists()
    assert client_for("jb_petugas").get(f"/shelf/articles/{article.pk}/file/").status_code == 404
    assert (
        client_for("petugas").get(f"/shelf/articles/{shelf.national.pk}/file/").status_code == 404
    )


def test_the_public_charter_page_needs_no_sign_in(shelf, tree, users):
    notices.save_charter(
        tree.pj,
        text_ms="Kami berjanji melayan anda dengan mesra.",
        text_en="We promise to serve you courteously.",
        show_wait_target=True,
        acting_user=users["penyelia"],
    )
    corporate = shelf.national
    Article.objects.filter(pk=corporate.pk).update(kind=Kind.CORPORATE)
    Article.objects.filter(pk=shelf.jb_only.pk).update(kind=Kind.CORPORATE)
    visitor = Client()
    page = visitor.get("/charter/PKMD-PJ/").content.decode()
    assert "Kami berjanji melayan anda dengan mesra." in page
    assert "PKW: Bantuan Warga Emas" in page  # HQ's corporate information
    assert "Prosedur kaunter JB" not in page  # another office's
    visitor.cookies["weserve_language"] = "en"
    assert (
        "We promise to serve you courteously." in visitor.get("/charter/PKMD-PJ/").content.decode()
    )
    assert visitor.get("/charter/NOPE/").status_code == 404
    visitor.cookies["weserve_language"] = "ms"
    no_charter = visitor.get("/charter/PKMD-JB/").content.decode()
    assert "Pejabat ini belum menerbitkan piagam pelanggannya." in no_charter


@pytest.mark.parametrize("path", ["/shelf/", "/shelf/search/?q=teks", "/shelf/acknowledgements/"])
def test_list_pages_need_the_same_number_of_queries_however_many_articles(
    shelf, tree, users, client_for, path
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.knowledge.conftest import approve, write

    reader = client_for("penyelia")
    reader.get(path)
    with CaptureQueriesContext(connection) as few:
        reader.get(path)
    for i in range(5):
        approve(write(tree.pj, users["admin"], f"Artikel {i}", body_ms="Teks"), users["admin"])
    with CaptureQueriesContext(connection) as many:
        assert reader.get(path).status_code == 200
    assert len(many) == len(few)


@pytest.mark.parametrize("due", ["0001-01-01", "9999-12-31", "2027-02-30", "yesterday", "1" * 300])
def test_calendar_edge_review_dates_get_a_message_not_a_500(shelf, client_for, due):
    response = client_for("admin").post(
        f"/shelf/articles/{shelf.pj_draft.pk}/approve/",
        {"what_changed_ms": "Nota saya", "review_due": due},
    )
    assert response.status_code == 422
    assert "Nota saya" in response.content.decode()
    assert Article.objects.get(pk=shelf.pj_draft.pk).status == Status.DRAFT
