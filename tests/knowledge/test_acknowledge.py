"""Reading acknowledgements: counter staff and operators acknowledge an article's current
version; the supervisor sees who of their office has not; a new version asks again."""

from __future__ import annotations

from tests.knowledge.conftest import approve
from weserve.core.models import AuditLog
from weserve.knowledge import services
from weserve.knowledge.models import Acknowledgement
from weserve.knowledge.selectors import unacknowledged


def unread_pairs(office):
    return {(row.user.username, row.article.pk) for row in unacknowledged(office)}


def test_the_supervisor_sees_who_has_not_read_and_no_longer_once_they_have(
    shelf, users, client_for, tree
):
    penyelia = client_for("penyelia")
    row = f'data-user="petugas1" data-article="{shelf.national.pk}"'
    assert row in penyelia.get("/shelf/acknowledgements/").content.decode()
    # Readers of PKMD-PJ: its counter staff and operator; the PKMD-JB article is not theirs.
    assert unread_pairs(tree.pj) == {
        (who, article.pk)
        for who in ("petugas1", "telefonis")
        for article in (shelf.national, shelf.pj_only)
    }
    response = client_for("petugas").post(f"/shelf/articles/{shelf.national.pk}/acknowledge/")
    assert response.status_code == 302
    assert row not in penyelia.get("/shelf/acknowledgements/").content.decode()
    assert ("telefonis", shelf.national.pk) in unread_pairs(tree.pj)
    entry = AuditLog.objects.get(action="knowledge.article.acknowledged")
    assert entry.user == users["petugas"] and entry.data == {"version": 1}


def test_a_changed_article_must_be_read_again(shelf, users, tree):
    services.acknowledge(shelf.pj_only, acting_user=users["petugas"])
    assert ("petugas1", shelf.pj_only.pk) not in unread_pairs(tree.pj)
    services.return_to_draft(shelf.pj_only, acting_user=users["admin"])
    # While it is a draft nobody is asked to read it.
    assert all(pk != shelf.pj_only.pk for _u, pk in unread_pairs(tree.pj))
    approve(shelf.pj_only, users["admin"], note="Waktu rehat berubah.")
    assert ("petugas1", shelf.pj_only.pk) in unread_pairs(tree.pj)


def test_acknowledging_twice_keeps_one_record(shelf, users):
    first = services.acknowledge(shelf.national, acting_user=users["petugas"])
    second = services.acknowledge(shelf.national, acting_user=users["petugas"])
    assert first.pk == second.pk
    assert Acknowledgement.objects.filter(article=shelf.national).count() == 1
    assert AuditLog.objects.filter(action="knowledge.article.acknowledged").count() == 1


def test_another_offices_article_or_a_draft_cannot_be_acknowledged(shelf, client_for):
    petugas = client_for("petugas")
    assert petugas.post(f"/shelf/articles/{shelf.jb_only.pk}/acknowledge/").status_code == 404
    assert petugas.post(f"/shelf/articles/{shelf.pj_draft.pk}/acknowledge/").status_code == 404
    assert petugas.get(f"/shelf/articles/{shelf.national.pk}/acknowledge/").status_code == 405
    assert not Acknowledgement.objects.exists()


def test_the_article_page_asks_then_thanks(shelf, client_for):
    petugas = client_for("petugas")
    path = f"/shelf/articles/{shelf.national.pk}/"
    page = petugas.get(path).content.decode()
    assert 'data-testid="acknowledge"' in page and 'data-testid="what-changed"' in page
    assert 'data-testid="unread"' in petugas.get("/shelf/").content.decode()
    petugas.post(f"{path}acknowledge/")
    page = petugas.get(path).content.decode()
    assert 'data-testid="acknowledge"' not in page and 'data-testid="acknowledged"' in page
    # The supervisor is not asked to acknowledge (counter staff and operators are).
    assert 'data-testid="acknowledge"' not in client_for("penyelia").get(path).content.decode()


def test_the_supervisor_list_needs_a_fixed_number_of_queries(
    shelf, client_for, django_assert_max_num_queries
):
    penyelia = client_for("penyelia")
    penyelia.get("/shelf/acknowledgements/")
    with django_assert_max_num_queries(20):
        penyelia.get("/shelf/acknowledgements/")
