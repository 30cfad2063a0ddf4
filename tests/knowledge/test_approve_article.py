"""Approving an article: each approval is the next version, with what changed and a
review date after today (a controlled clock); bad input is refused whole, nothing
half-saved; editing an approved article in the admin returns it to draft."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from tests.factories import make_user
from tests.knowledge.conftest import NEXT_YEAR, approve
from weserve.core.clock import MALAYSIA
from weserve.core.errors import DomainError
from weserve.core.models import AuditLog
from weserve.core.roles import Role
from weserve.knowledge import services
from weserve.knowledge.models import Article, Status
from weserve.knowledge.services import InvalidInput


def test_approval_makes_the_next_version_and_is_audited(shelf, users):
    article = shelf.pj_draft
    approved = approve(article, users["admin"], note="Tambah syarat baharu.")
    assert (approved.status, approved.version) == (Status.APPROVED, 1)
    assert approved.what_changed_ms == "Tambah syarat baharu."
    assert approved.review_due == NEXT_YEAR
    entry = AuditLog.objects.filter(action="knowledge.article.approved").latest("pk")
    assert entry.target_id == str(article.pk) and entry.data["version"] == 1
    assert entry.office_code == "PKMD-PJ"


def test_an_edit_returns_to_draft_and_its_approval_is_version_two(shelf, users):
    services.return_to_draft(shelf.pj_only, acting_user=users["admin"])
    assert Article.objects.get(pk=shelf.pj_only.pk).status == Status.DRAFT
    again = approve(shelf.pj_only, users["admin"], note="Waktu kaunter berubah.")
    assert again.version == 2 and again.what_changed_ms == "Waktu kaunter berubah."


def test_an_approved_version_is_not_approved_twice(shelf, users):
    with pytest.raises(DomainError) as refused:
        approve(shelf.pj_only, users["admin"])
    assert refused.value.code == "already_approved"


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"what_changed_ms": "  "}, "what_changed_ms"),
        ({"what_changed_ms": "Baik\x00"}, "what_changed_ms"),
        ({"what_changed_ms": "x" * 1001}, "what_changed_ms"),
        ({"what_changed_ms": 5}, "what_changed_ms"),
        ({"review_due": None}, "review_due"),
        ({"review_due": dt.date(2026, 11, 25)}, "review_due"),  # today is not after today
        ({"review_due": dt.date(3000, 1, 1)}, "review_due"),
    ],
)
def test_bad_input_is_refused_whole_and_nothing_is_saved(shelf, users, fields, bad):
    values = {"what_changed_ms": "Ok", "review_due": NEXT_YEAR, **fields}
    audit_before = AuditLog.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.approve_article(shelf.pj_draft, acting_user=users["admin"], **values)
    assert bad in refused.value.fields
    fresh = Article.objects.get(pk=shelf.pj_draft.pk)
    assert (fresh.status, fresh.version, fresh.what_changed_ms) == (Status.DRAFT, 0, "")
    assert AuditLog.objects.count() == audit_before


def test_an_article_without_sections_or_file_is_not_approved(tree, users, clock):
    empty = Article.objects.create(
        office=tree.pj, kind="pkw", title_ms="Kosong", owner=users["admin"]
    )
    with pytest.raises(InvalidInput) as refused:
        approve(empty, users["admin"])
    assert "sections" in refused.value.fields


def test_review_due_is_shown_overdue_once_its_day_comes(shelf, users, client_for, clock):
    due = dt.date(2026, 12, 10)
    article = approve(shelf.pj_draft, users["admin"], review_due=due)
    petugas, penyelia = client_for("petugas"), client_for("penyelia")
    path = f"/shelf/articles/{article.pk}/"

    def review_badge(client) -> str:
        page = client.get(path).content.decode()
        return page.split('data-testid="review-due"')[0].rsplit("<span", 1)[1]

    assert "badge-danger" not in review_badge(petugas)
    follow_up = penyelia.get("/shelf/acknowledgements/").content.decode()
    assert 'data-testid="none-overdue"' in follow_up
    clock.move_to(dt.datetime.combine(due, dt.time(0, 1), tzinfo=MALAYSIA))
    # Sessions end after a day; a fresh sign-in on the day the review falls due.
    petugas, penyelia = client_for("petugas"), client_for("penyelia")
    assert "badge-danger" in review_badge(petugas)
    follow_up = penyelia.get("/shelf/acknowledgements/").content.decode()
    assert f'data-article="{article.pk}"' in follow_up.split('data-testid="overdue-list"')[1]


def test_a_draft_of_another_office_is_not_approved_by_its_administrator(shelf, tree, clock):
    jb_admin = make_user("admin.jb", tree.jb, Role.ADMIN)
    with pytest.raises(Http404):
        approve(shelf.pj_draft, jb_admin)
    assert Article.objects.get(pk=shelf.pj_draft.pk).status == Status.DRAFT
