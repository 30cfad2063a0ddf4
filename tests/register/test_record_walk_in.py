"""record_walk_in: a customer served without a ticket is registered too."""

from __future__ import annotations

import pytest

from weserve.core.errors import DomainError
from weserve.register import services
from weserve.register.models import RegisterEntry
from weserve.register.services import InvalidEntry

pytestmark = pytest.mark.django_db

FIELDS = {
    "name": "Ah Kow a/l Lim",
    "category": "elderly",
    "purpose": "Bertanya tentang Bantuan Warga Emas",
    "action": "info",
}


def test_a_walk_in_is_registered_without_a_ticket(tree, users, clock):
    entry = services.record_walk_in(
        tree.pj, acting_user=users["penyelia"], service=tree.services["INFO"], **FIELDS
    )
    assert entry.ticket is None
    assert entry.office == tree.pj
    assert str(entry.day) == "2026-11-25"
    assert entry.served_by == users["penyelia"]


def test_a_walk_in_needs_a_service_offered_at_the_office(tree, users, clock):
    with pytest.raises(InvalidEntry) as refused:
        services.record_walk_in(tree.pj, acting_user=users["petugas"], service=None, **FIELDS)
    assert set(refused.value.fields) == {"service"}
    tree.services["INFO"].offices.remove(tree.pj)
    with pytest.raises(InvalidEntry) as refused:
        services.record_walk_in(
            tree.pj, acting_user=users["petugas"], service=tree.services["INFO"], **FIELDS
        )
    assert set(refused.value.fields) == {"service"}
    assert RegisterEntry.objects.count() == 0


def test_nobody_registers_a_walk_in_at_an_office_they_do_not_work_in(tree, users, clock):
    with pytest.raises(DomainError) as refused:
        services.record_walk_in(
            tree.jb, acting_user=users["petugas"], service=tree.services["INFO"], **FIELDS
        )
    assert refused.value.status == 404
    assert RegisterEntry.objects.count() == 0
