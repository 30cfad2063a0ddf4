"""Who reads which article: HQ's reach every office, an office's own only that office
and its hierarchy's heads; drafts only their office's administrators; another office's
article (or a draft) is 404, a wrong role 403."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_user
from weserve.core.roles import Role


def status(client, article):
    return client.get(f"/shelf/articles/{article.pk}/").status_code


def test_a_national_article_is_read_in_every_office(shelf, client_for):
    for who in ("petugas", "jb_petugas", "telefonis", "ketua", "pegawai"):
        assert status(client_for(who), shelf.national) == 200, who


def test_an_offices_own_article_is_404_in_another_office(shelf, client_for):
    assert status(client_for("petugas"), shelf.pj_only) == 200
    assert status(client_for("jb_petugas"), shelf.pj_only) == 404
    assert status(client_for("jb_penyelia"), shelf.pj_only) == 404
    assert status(client_for("petugas"), shelf.jb_only) == 404


def test_the_head_above_an_office_reads_its_own_articles(shelf, client_for):
    # The Selangor head sees PKMD-PJ (below them), not PKMD-JB (Johor).
    assert status(client_for("ketua"), shelf.pj_only) == 200
    assert status(client_for("ketua"), shelf.jb_only) == 404


def test_a_draft_is_shown_to_its_offices_administrator_only(shelf, client_for):
    assert status(client_for("admin"), shelf.pj_draft) == 200
    assert status(client_for("petugas"), shelf.pj_draft) == 404
    assert status(client_for("penyelia"), shelf.pj_draft) == 404
    assert status(client_for("jb_petugas"), shelf.pj_draft) == 404


def test_a_draft_is_not_on_the_shelf_list_nor_found_by_search(shelf, client_for):
    petugas = client_for("petugas")
    page = petugas.get("/shelf/").content.decode()
    assert "Prosedur kaunter PJ" in page and "PKW: Bantuan Warga Emas" in page
    assert "Draf notis baharu" not in page and "Prosedur kaunter JB" not in page
    found = petugas.get("/shelf/search/", {"q": "disemak"}).content.decode()
    assert "Draf notis baharu" not in found


@pytest.mark.parametrize(
    "path", ["/shelf/", "/shelf/search/?q=bank", "/shelf/directory/", "/shelf/emergency/"]
)
def test_a_signed_in_person_without_a_role_gets_403(shelf, tree, path):
    nobody = make_user("tanpa.peranan", tree.pj)
    client = Client()
    client.force_login(nobody)
    assert client.get(path).status_code == 403
    assert client.get(f"/shelf/articles/{shelf.national.pk}/").status_code == 403


def test_pages_ask_for_a_sign_in(shelf):
    response = Client().get("/shelf/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_only_the_supervisor_sees_who_has_not_read(shelf, client_for):
    assert client_for("penyelia").get("/shelf/acknowledgements/").status_code == 200
    assert client_for("petugas").get("/shelf/acknowledgements/").status_code == 403
    assert client_for("telefonis").get("/shelf/acknowledgements/").status_code == 403


def test_only_an_administrator_of_the_articles_office_approves_it(shelf, client_for):
    path = f"/shelf/articles/{shelf.pj_draft.pk}/approve/"
    assert client_for("admin").get(path).status_code == 200
    assert client_for("penyelia").get(path).status_code == 403
    jb_admin = Client()
    jb_admin.force_login(make_user("admin.jb", shelf.jb_only.office, Role.ADMIN))
    assert jb_admin.get(path).status_code == 404
