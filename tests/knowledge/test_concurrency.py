"""Real concurrent clients on PostgreSQL: a draft is approved once however many
administrators press at the same moment, and a person's double press acknowledges a
version once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.factories import build_office_tree, make_user
from tests.knowledge.conftest import NEXT_YEAR, approve, write
from tests.threads import in_thread
from weserve.core.errors import DomainError
from weserve.core.models import AuditLog
from weserve.core.roles import Role
from weserve.knowledge import services
from weserve.knowledge.models import Acknowledgement, Article

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (set DATABASE_URL)")


def test_eight_simultaneous_approvals_make_one_version():
    tree = build_office_tree()
    admins = [make_user(f"admin{i}", tree.pj, Role.ADMIN) for i in range(8)]
    draft = write(tree.pj, admins[0], "Prosedur baharu")
    barrier = threading.Barrier(8)

    @in_thread
    def press(i: int) -> str:
        barrier.wait()
        try:
            services.approve_article(
                draft, acting_user=admins[i], what_changed_ms=f"Nota {i}", review_due=NEXT_YEAR
            )
        except DomainError as exc:
            return exc.code
        return "approved"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = sorted(pool.map(press, range(8)))
    assert outcomes == ["already_approved"] * 7 + ["approved"]
    assert Article.objects.get(pk=draft.pk).version == 1
    assert AuditLog.objects.filter(action="knowledge.article.approved").count() == 1


def test_eight_simultaneous_acknowledgements_of_one_person_keep_one():
    tree = build_office_tree()
    admin = make_user("admin", tree.pj, Role.ADMIN)
    staff = make_user("petugas1", tree.pj, Role.COUNTER_STAFF)
    article = approve(write(tree.pj, admin, "Prosedur"), admin)
    barrier = threading.Barrier(8)

    @in_thread
    def press(_i: int) -> int:
        barrier.wait()
        return services.acknowledge(article, acting_user=staff).pk

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = set(pool.map(press, range(8)))
    assert len(ids) == 1
    assert Acknowledgement.objects.filter(article=article, user=staff).count() == 1
    assert AuditLog.objects.filter(action="knowledge.article.acknowledged").count() == 1
