"""The shelf's API: search, read and acknowledge with the pages' rules; errors in the
documented shape {"detail", "code", "fields"?}."""

from __future__ import annotations

import pytest
from django.test import Client

from weserve.knowledge.models import Acknowledgement
from weserve.organisation.devices import create_device


def test_search_finds_by_a_malay_and_an_english_word(shelf, client_for):
    petugas = client_for("petugas")
    malay = petugas.get("/api/v1/shelf/search", {"q": "kelahiran"}).json()
    english = petugas.get("/api/v1/shelf/search", {"q": "certificate"}).json()
    assert [a["id"] for a in malay] == [a["id"] for a in english] == [shelf.national.pk]
    assert malay[0]["office"] == "HQ" and malay[0]["version"] == 1


def test_an_article_reads_with_its_sections_and_is_acknowledged(shelf, client_for, users):
    petugas = client_for("petugas")
    path = f"/api/v1/shelf/articles/{shelf.national.pk}"
    article = petugas.get(path).json()
    assert article["sections"][0]["body_en"].startswith("Bring the birth certificate")
    assert article["read"] is False
    response = petugas.post(f"{path}/acknowledge")
    assert response.status_code == 200 and response.json()["version"] == 1
    assert petugas.get(path).json()["read"] is True
    assert Acknowledgement.objects.filter(user=users["petugas"]).count() == 1


def test_another_offices_article_and_a_draft_are_404(shelf, client_for):
    petugas = client_for("petugas")
    for article in (shelf.jb_only, shelf.pj_draft):
        response = petugas.get(f"/api/v1/shelf/articles/{article.pk}")
        assert response.status_code == 404
        assert set(response.json()) >= {"detail", "code"}
        assert petugas.post(f"/api/v1/shelf/articles/{article.pk}/acknowledge").status_code == 404
    assert not Acknowledgement.objects.exists()


def test_a_device_gets_403_and_nobody_401(shelf, tree):
    _device, token = create_device(tree.pj, "kiosk", "Kiosk")
    kiosk = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert kiosk.get("/api/v1/shelf/search", {"q": "bank"}).status_code == 403
    assert Client().get("/api/v1/shelf/search", {"q": "bank"}).status_code == 401


@pytest.mark.parametrize(
    "path", ["/api/v1/shelf/articles/true", "/api/v1/shelf/articles/1.5", "/api/v1/shelf/search"]
)
def test_bad_ids_and_a_missing_query_are_422(shelf, client_for, path):
    response = client_for("petugas").get(path)
    assert response.status_code == 422
    assert set(response.json()) >= {"detail", "code"}


def test_a_nul_or_an_overlong_query_is_refused(shelf, client_for):
    petugas = client_for("petugas")
    assert petugas.get("/api/v1/shelf/search?q=bank%00").status_code == 422
    assert petugas.get("/api/v1/shelf/search", {"q": "b" * 201}).status_code == 422
