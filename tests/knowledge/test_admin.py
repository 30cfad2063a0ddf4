"""The shelf in the admin: changing an approved article returns it to draft (staff stop
seeing it until the edit is approved as the next version), audited; another office's
article is 404."""

from __future__ import annotations

from weserve.core.models import AuditLog
from weserve.knowledge.models import Article, Status


def _admin(users, client_for, key="admin"):
    users[key].is_staff = True
    users[key].save(update_fields=["is_staff"])
    return client_for(key)


def _form(article, owner, title):
    section = article.sections.get()
    return {
        "kind": article.kind,
        "service": "",
        "title_ms": title,
        "title_en": "",
        "summary_ms": "",
        "summary_en": "",
        "owner": str(owner.pk),
        "review_due": "2027-11-25",
        "sections-TOTAL_FORMS": "1",
        "sections-INITIAL_FORMS": "1",
        "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000",
        "sections-0-id": str(section.pk),
        "sections-0-article": str(article.pk),
        "sections-0-order": "1",
        "sections-0-heading_ms": section.heading_ms,
        "sections-0-heading_en": section.heading_en,
        "sections-0-body_ms": section.body_ms,
        "sections-0-body_en": section.body_en,
        "_save": "Simpan",
    }


def test_editing_an_approved_article_returns_it_to_draft(shelf, users, client_for):
    admin = _admin(users, client_for)
    article = shelf.pj_only
    url = f"/admin/knowledge/article/{article.pk}/change/"
    response = admin.post(url, _form(article, users["admin"], "Prosedur kaunter PJ (baharu)"))
    assert response.status_code == 302, response.content.decode()[:2000]
    fresh = Article.objects.get(pk=article.pk)
    assert (fresh.status, fresh.version, fresh.title_ms) == (
        Status.DRAFT,
        1,
        "Prosedur kaunter PJ (baharu)",
    )
    assert AuditLog.objects.filter(action="knowledge.article.returned_to_draft").exists()
    assert client_for("petugas").get(f"/shelf/articles/{article.pk}/").status_code == 404


def test_another_offices_article_is_404_in_the_admin(shelf, users, client_for):
    admin = _admin(users, client_for)
    assert admin.get(f"/admin/knowledge/article/{shelf.jb_only.pk}/change/").status_code == 404
    assert admin.get(f"/admin/knowledge/article/{shelf.pj_only.pk}/change/").status_code == 200
