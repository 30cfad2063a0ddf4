"""The register's invariants hold in the database itself, whatever writes the row."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from tests.register.conftest import MYKAD
from weserve.core import clock as core_clock
from weserve.core import crypto
from weserve.register.models import FormHandedOver, RegisterEntry

pytestmark = pytest.mark.django_db


def _entry(office, user, service, **extra) -> RegisterEntry:
    fields = {
        "office": office,
        "served_by": user,
        "served_at": core_clock.now(),
        "day": core_clock.business_day(),
        "name": "Siti binti Ahmad",
        "category": "elderly",
        "service": service,
        "purpose": "Bertanya tentang bantuan warga emas",
        "action": "info",
    }
    fields.update(extra)
    return RegisterEntry.objects.create(**fields)


def test_a_ticket_has_at_most_one_register_entry(tree, users, serving):
    _entry(tree.pj, users["petugas"], serving.service, ticket=serving)
    with pytest.raises(IntegrityError), transaction.atomic():
        _entry(tree.pj, users["petugas"], serving.service, ticket=serving)


def test_walk_ins_without_a_ticket_are_many(tree, users, clock):
    _entry(tree.pj, users["petugas"], tree.services["INFO"])
    _entry(tree.pj, users["petugas"], tree.services["INFO"])
    assert RegisterEntry.objects.filter(ticket__isnull=True).count() == 2


@pytest.mark.parametrize(
    "bad",
    [{"purpose": ""}, {"name": ""}, {"category": "vip"}, {"action": "ignored"}],
)
def test_the_database_refuses_an_entry_that_breaks_a_rule(tree, users, clock, bad):
    with pytest.raises(IntegrityError), transaction.atomic():
        _entry(tree.pj, users["petugas"], tree.services["INFO"], **bad)


def test_a_form_is_handed_over_at_least_once(tree, users, clock, catalogue):
    entry = _entry(tree.pj, users["petugas"], tree.services["INFO"])
    with pytest.raises(IntegrityError), transaction.atomic():
        FormHandedOver.objects.create(entry=entry, form=catalogue["JKM18"], quantity=0)


def test_the_mykad_is_stored_encrypted_with_its_keyed_hash(tree, users, clock):
    entry = _entry(
        tree.pj, users["petugas"], tree.services["INFO"], mykad=MYKAD, phone="0123456789"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT mykad, mykad_hash, phone FROM register_registerentry WHERE id = %s",
            [entry.pk],
        )
        stored_mykad, stored_hash, stored_phone = cursor.fetchone()
    assert "850101" not in stored_mykad and "5123" not in stored_mykad
    assert "123456789" not in stored_phone
    assert stored_hash == crypto.lookup_hash("850101145123")
    reloaded = RegisterEntry.objects.get(pk=entry.pk)
    assert reloaded.mykad.masked == "******-**-5123"
    assert reloaded.phone == "+60123456789"
