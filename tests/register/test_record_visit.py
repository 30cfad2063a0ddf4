"""record_visit: the customer of a called or served ticket goes into the register once."""

from __future__ import annotations

import pytest

from tests.factories import issue_ticket
from tests.register.conftest import MYKAD, serve
from weserve.core.errors import DomainError
from weserve.core.models import AuditLog
from weserve.queueing import services as queue
from weserve.register import services
from weserve.register.models import FormHandedOver, RegisterEntry
from weserve.register.services import FormLine, InvalidEntry

pytestmark = pytest.mark.django_db

FIELDS = {
    "name": "Siti binti Ahmad",
    "category": "single_parent",
    "purpose": "Mahu memohon bantuan kanak-kanak untuk dua orang anak",
    "action": "form_issued",
}


def test_recording_a_served_ticket_writes_the_entry_its_forms_and_an_audit_entry(
    tree, users, serving, catalogue
):
    entry = services.record_visit(
        serving,
        acting_user=users["petugas"],
        mykad=MYKAD,
        phone="012-345 6789",
        forms=[FormLine("JKM18", 2), FormLine("JKM20", 1)],
        note="Akan kembali minggu depan",
        **FIELDS,
    )
    entry.refresh_from_db()
    assert entry.office == tree.pj
    assert entry.ticket == serving
    assert entry.service == serving.service  # the ticket's service by default
    assert entry.served_by == users["petugas"]
    assert entry.mykad.masked == "******-**-5123"
    assert entry.phone == "+60123456789"
    assert {(f.form.code, f.quantity) for f in entry.forms_handed_over.all()} == {
        ("JKM18", 2),
        ("JKM20", 1),
    }
    log = AuditLog.objects.get(action="register.entry.recorded")
    assert log.target_id == str(entry.pk)
    assert log.data["ticket"] == serving.number
    assert log.data["forms"] == {"JKM18": 2, "JKM20": 1}
    assert "850101" not in str(log.data) and "Siti" not in str(log.data)


def test_a_ticket_is_registered_once(users, serving):
    services.record_visit(serving, acting_user=users["petugas"], **FIELDS)
    with pytest.raises(DomainError) as refused:
        services.record_visit(serving, acting_user=users["penyelia"], **FIELDS)
    assert refused.value.code == "already_registered"
    assert refused.value.status == 409
    assert RegisterEntry.objects.count() == 1


def test_a_completed_ticket_can_still_be_registered(users, serving):
    queue.complete(serving, acting_user=users["petugas"])
    entry = services.record_visit(serving, acting_user=users["petugas"], **FIELDS)
    assert entry.ticket_id == serving.pk


def test_a_waiting_ticket_cannot_be_registered(tree, users, clock):
    waiting = issue_ticket(tree.pj, tree.services["BKK"])
    with pytest.raises(DomainError) as refused:
        services.record_visit(waiting, acting_user=users["petugas"], **FIELDS)
    assert refused.value.code == "ticket_not_served"
    assert RegisterEntry.objects.count() == 0


def test_another_offices_ticket_is_not_found(tree, users, clock):
    jb_ticket = serve(tree.jb, tree.services["BKK"], users["jb_petugas"])
    with pytest.raises(DomainError) as refused:
        services.record_visit(jb_ticket, acting_user=users["petugas"], **FIELDS)
    assert refused.value.status == 404
    assert RegisterEntry.objects.count() == 0


def test_another_service_of_the_office_may_be_named(tree, users, serving):
    entry = services.record_visit(
        serving, acting_user=users["petugas"], service=tree.services["OKU"], **FIELDS
    )
    assert entry.service.code == "OKU"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"mykad": "850101-14-512"}, "mykad"),
        ({"mykad": "991399-14-5123"}, "mykad"),  # no 13th month
        ({"phone": "12345"}, "phone"),
        ({"purpose": "   "}, "purpose"),
        ({"name": ""}, "name"),
        ({"name": "Siti\x00"}, "name"),
        ({"note": "nota\x00"}, "note"),
        ({"mykad": "850101\x00145123"}, "mykad"),
        ({"category": "vip"}, "category"),
        ({"action": True}, "action"),
        ({"forms": [FormLine("NOPE", 1)]}, "forms"),
        ({"forms": [FormLine("OLD", 1)]}, "forms"),  # withdrawn from the catalogue
        ({"forms": [FormLine("JKM18", 0)]}, "forms"),
        ({"forms": [FormLine("JKM18", True)]}, "forms"),
        ({"forms": [FormLine("JKM18", 1), FormLine("JKM18", 2)]}, "forms"),
    ],
)
def test_bad_input_is_refused_whole_and_nothing_is_saved(users, serving, catalogue, changes, field):
    fields = {**FIELDS, "forms": [FormLine("JKM18", 1)], **changes}
    with pytest.raises(InvalidEntry) as refused:
        services.record_visit(serving, acting_user=users["petugas"], **fields)
    assert refused.value.status == 422
    assert field in refused.value.fields
    assert RegisterEntry.objects.count() == 0
    assert FormHandedOver.objects.count() == 0
    assert not AuditLog.objects.filter(action="register.entry.recorded").exists()


def test_a_form_of_another_office_is_not_in_this_offices_catalogue(tree, users, serving, catalogue):
    catalogue["JKM18"].is_active = False
    catalogue["JKM18"].save(update_fields=["is_active"])
    with pytest.raises(InvalidEntry):  # JKM18 exists only at PKMD-JB now
        services.record_visit(
            serving, acting_user=users["petugas"], forms=[FormLine("JKM18", 1)], **FIELDS
        )
    assert RegisterEntry.objects.count() == 0


def test_the_refusal_is_in_malay_by_default_and_in_english_on_request(users, serving):
    from django.utils import translation

    fields = {**FIELDS, "purpose": ""}
    for language, expected in (("ms", "Ruangan ini wajib diisi."), ("en", "required")):
        with translation.override(language):
            with pytest.raises(InvalidEntry) as refused:
                services.record_visit(serving, acting_user=users["petugas"], **fields)
            assert expected in str(refused.value.fields["purpose"])
            assert expected in str(refused.value)
