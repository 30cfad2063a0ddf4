"""Complaints (BAP; PY-6.3, PT-4.3) through their services: received online or keyed by
staff, numbered per office and year, the access code kept only as a hash, the
complainant's phone and e-mail encrypted; every change in its own transaction with its
event, audit entry and live event; the states in their order; the database refusing
what may never happen."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from weserve.core import live
from weserve.core.clock import MALAYSIA
from weserve.core.errors import DomainError
from weserve.core.models import AuditLog
from weserve.feedback import complaint_services as complaints
from weserve.feedback.complaint_models import (
    Complaint,
    ComplaintEvent,
    ComplaintSettings,
    ComplaintState,
)
from weserve.feedback.complaint_selectors import complaints_for, overdue
from weserve.feedback.services import InvalidInput

ComplaintInput = complaints.ComplaintInput
# Thursday 9 July 2026, 10:00 in Malaysia.
THURSDAY = dt.datetime(2026, 7, 9, 10, 0, tzinfo=MALAYSIA)


@pytest.fixture
def clock():
    with time_machine.travel(THURSDAY, tick=False) as traveller:
        yield traveller


def online(office, **given):
    values = {"category": "delay", "description": "Permohonan saya belum diproses."} | given
    return complaints.receive_complaint(office, ComplaintInput(**values), channel="online")


def test_an_online_complaint_gets_the_next_reference_and_an_access_code(tree, clock):
    first = online(tree.klang)
    second = online(tree.klang)
    other_office = online(tree.pj)
    assert first.complaint.reference == "BAP-PKMD-KLANG-2026-000001"
    assert second.complaint.reference == "BAP-PKMD-KLANG-2026-000002"
    assert other_office.complaint.reference == "BAP-PKMD-PJ-2026-000001"
    assert len(first.access_code) == 10
    assert first.access_code != second.access_code
    stored = Complaint.objects.get(pk=first.complaint.pk)
    assert first.access_code not in stored.access_code_hash
    assert complaints.access_code_matches(stored, first.access_code)
    assert complaints.access_code_matches(stored, first.access_code.lower())
    assert not complaints.access_code_matches(stored, second.access_code)
    assert stored.state == ComplaintState.NEW
    assert stored.channel == "online"
    assert stored.received_by is None


def test_numbering_starts_again_each_year(tree):
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 59, tzinfo=MALAYSIA), tick=False):
        last = online(tree.klang).complaint
    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 1, tzinfo=MALAYSIA), tick=False):
        first = online(tree.klang).complaint
    assert last.reference == "BAP-PKMD-KLANG-2026-000001"
    assert first.reference == "BAP-PKMD-KLANG-2027-000001"


def test_a_refused_complaint_leaves_no_gap(tree, clock):
    online(tree.klang)
    with pytest.raises(InvalidInput):
        online(tree.klang, category="rude")
    assert online(tree.klang).complaint.number == 2


def test_the_complainants_contact_is_encrypted_and_normalised(tree, clock):
    received = online(tree.klang, name="Siti", phone="012-345 6789", email="siti@example.my")
    complaint = Complaint.objects.get(pk=received.complaint.pk)
    assert complaint.phone == "+60123456789"
    assert complaint.email == "siti@example.my"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone, email, name FROM feedback_complaint WHERE id = %s", [complaint.pk]
        )
        phone, email, name = cursor.fetchone()
    assert "123456789" not in phone and "siti@" not in email
    assert name == "Siti"  # names are plain text for the office's staff (DESIGN.md)
    # The audit entry and the live event name the reference, never the person.
    entry = AuditLog.objects.get(action="feedback.complaint.received")
    assert "Siti" not in str(entry.data) and "+6012" not in str(entry.data)


def test_an_anonymous_complaint_is_accepted(tree, clock):
    complaint = online(tree.klang, name="", phone="", email="").complaint
    assert complaint.name == complaint.phone == complaint.email == ""


def test_against_a_service_of_the_office_or_a_named_staff_member(tree, clock):
    by_service = online(tree.klang, against={"service": "BKK"}).complaint
    assert by_service.against_service == tree.services["BKK"]
    by_name = online(tree.klang, against={"staff_name": "  Encik Ali "}).complaint
    assert by_name.against_staff_name == "Encik Ali"
    assert by_name.against_service is None


@pytest.mark.parametrize(
    ("given", "fields"),
    [
        ({"category": "rude"}, {"category"}),
        ({"category": None, "description": ""}, {"category", "description"}),
        ({"description": "   "}, {"description"}),
        ({"description": "a\x00b"}, {"description"}),
        ({"description": "x" * 5001}, {"description"}),
        ({"phone": "123"}, {"phone"}),
        ({"email": "not an address"}, {"email"}),
        ({"name": 12}, {"name"}),
        ({"against": {"service": "NOPE"}}, {"against"}),
        ({"against": {"service": "BKK", "staff_name": "Ali"}}, {"against"}),
        ({"against": {"staff_name": ""}}, {"against"}),
        ({"against": "Ali"}, {"against"}),
        ({"against": {"service": True}}, {"against"}),
    ],
)
def test_bad_input_is_refused_whole_with_a_message_per_field(tree, clock, given, fields):
    with pytest.raises(InvalidInput) as refused:
        online(tree.klang, **given)
    assert set(refused.value.fields) == fields
    assert all(str(message) for message in refused.value.fields.values())
    assert Complaint.objects.count() == 0
    assert ComplaintEvent.objects.count() == 0


def test_staff_key_in_a_complaint_at_the_counter(tree, users, clock):
    received = complaints.receive_complaint(
        tree.pj,
        ComplaintInput(category="service_quality", description="Kaunter ditutup awal."),
        channel="counter",
        acting_user=users["petugas"],
    )
    assert received.complaint.received_by == users["petugas"]
    with pytest.raises(DomainError):
        complaints.receive_complaint(
            tree.pj,
            ComplaintInput(category="other", description="x"),
            channel="counter",
        )


def test_the_deadlines_follow_the_offices_settings(tree, clock):
    default = online(tree.klang).complaint
    # Thursday: acknowledge by Friday, reply by Tuesday, resolve by 30 July (Selangor).
    assert default.acknowledge_due.astimezone(MALAYSIA).date() == dt.date(2026, 7, 10)
    assert default.reply_due.astimezone(MALAYSIA).date() == dt.date(2026, 7, 14)
    assert default.resolve_due.astimezone(MALAYSIA).date() == dt.date(2026, 7, 30)
    ComplaintSettings.objects.create(
        office=tree.klang, acknowledge_days=2, reply_days=5, resolve_days=10
    )
    own = online(tree.klang).complaint
    assert own.acknowledge_due.astimezone(MALAYSIA).date() == dt.date(2026, 7, 13)
    assert own.reply_due.astimezone(MALAYSIA).date() == dt.date(2026, 7, 16)
    assert own.resolve_due.astimezone(MALAYSIA).date() == dt.date(2026, 7, 23)


def test_a_complaint_goes_through_its_states_with_every_change_kept(tree, users, clock):
    officer = users["aduan"]
    supervisor = users["penyelia"]
    complaint = online(tree.pj).complaint
    complaints.assign(complaint, officer, acting_user=supervisor)
    complaints.acknowledge(complaint, acting_user=officer)
    complaints.start_action(complaint, acting_user=officer)
    complaints.wait_on_complainant(complaint, acting_user=officer, note="Minta salinan surat")
    complaints.resume(complaint, acting_user=officer)
    complaints.add_note(complaint, "Telah hubungi pemohon.", acting_user=officer)
    complaints.reply(complaint, acting_user=officer, note="Jawapan dihantar.")
    complaints.resolve(complaint, acting_user=officer)
    complaint = complaints.close(complaint, acting_user=supervisor)
    assert complaint.state == ComplaintState.CLOSED
    assert complaint.assigned_to == officer
    assert complaint.acknowledged_at and complaint.replied_at and complaint.resolved_at
    assert complaint.closed_at
    kinds = list(complaint.events.values_list("kind", "from_state", "to_state"))
    assert kinds == [
        ("received", "", "new"),
        ("assigned", "", ""),
        ("acknowledged", "new", "acknowledged"),
        ("action_started", "acknowledged", "in_action"),
        ("waiting", "in_action", "waiting_on_complainant"),
        ("resumed", "waiting_on_complainant", "in_action"),
        ("note", "", ""),
        ("replied", "in_action", "replied"),
        ("resolved", "replied", "resolved"),
        ("closed", "resolved", "closed"),
    ]
    assert complaint.events.get(kind="waiting").note == "Minta salinan surat"
    actions = list(
        AuditLog.objects.filter(target_id=str(complaint.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "feedback.complaint." + verb
        for verb in (
            "received",
            "assigned",
            "acknowledged",
            "action_started",
            "waiting",
            "resumed",
            "noted",
            "replied",
            "resolved",
            "closed",
        )
    ]
    assert live.current_seq(tree.pj.pk, "feedback") == 10


@pytest.mark.parametrize(
    "step",
    ["start_action", "wait_on_complainant", "resume", "reply", "resolve", "close"],
)
def test_a_step_out_of_order_is_refused_and_changes_nothing(tree, users, clock, step):
    complaint = online(tree.pj).complaint
    with pytest.raises(DomainError) as refused:
        getattr(complaints, step)(complaint, acting_user=users["penyelia"])
    assert refused.value.code == "complaint_wrong_state"
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.NEW
    assert complaint.events.count() == 1


def test_only_a_complaint_officer_of_the_office_is_assigned(tree, users, clock):
    complaint = online(tree.pj).complaint
    for not_an_officer in (users["petugas"], users["jb_penyelia"]):
        with pytest.raises(InvalidInput):
            complaints.assign(complaint, not_an_officer, acting_user=users["penyelia"])
    complaint.refresh_from_db()
    assert complaint.assigned_to is None


def test_an_empty_note_is_refused(tree, users, clock):
    complaint = online(tree.pj).complaint
    with pytest.raises(InvalidInput):
        complaints.add_note(complaint, "  ", acting_user=users["penyelia"])
    assert complaint.events.count() == 1


def test_overdue_lists_breaches_oldest_first_for_the_supervisor(tree, users, clock):
    late = online(tree.klang).complaint
    clock.move_to(THURSDAY + dt.timedelta(days=1))
    on_time = online(tree.klang).complaint
    complaints.acknowledge(on_time, acting_user=users["penyelia"])
    # Saturday: the Thursday complaint was to be acknowledged by Friday's close.
    clock.move_to(dt.datetime(2026, 7, 11, 9, tzinfo=MALAYSIA))
    assert list(overdue([tree.klang.pk])) == [late]
    complaints.acknowledge(late, acting_user=users["penyelia"])
    assert list(overdue([tree.klang.pk])) == []
    # Wednesday 15th: Thursday's complaint was to be replied to by Tuesday's close,
    # Friday's has until Wednesday's; on Thursday both are late.
    clock.move_to(dt.datetime(2026, 7, 15, 9, tzinfo=MALAYSIA))
    assert list(overdue([tree.klang.pk])) == [late]
    clock.move_to(dt.datetime(2026, 7, 16, 9, tzinfo=MALAYSIA))
    assert list(overdue([tree.klang.pk])) == [late, on_time]
    assert list(overdue([tree.pj.pk])) == []


def test_an_officer_sees_only_their_complaints_a_supervisor_all(tree, users, clock):
    mine = online(tree.pj).complaint
    online(tree.pj)
    complaints.assign(mine, users["aduan"], acting_user=users["penyelia"])
    assert list(complaints_for(users["aduan"], tree.pj.pk)) == [mine]
    assert complaints_for(users["penyelia"], tree.pj.pk).count() == 2


@pytest.mark.parametrize(
    "fields",
    [
        {"category": "rude"},
        {"channel": "fax"},
        {"state": "lost"},
        {"against_staff_name": "Ali"},  # with a service as well
        {"state": "waiting_on_complainant"},  # without its start
        {"state": "closed"},  # without its time
        {"number": 0},
    ],
)
def test_the_database_refuses_an_impossible_complaint(tree, clock, fields):
    complaint = online(tree.pj, against={"service": "BKK"}).complaint
    for name, value in fields.items():
        setattr(complaint, name, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        complaint.save()


def test_the_database_refuses_a_second_number_or_reference(tree, clock):
    complaint = online(tree.pj).complaint
    twin = online(tree.pj).complaint
    twin.number = complaint.number
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    twin.refresh_from_db()
    twin.reference = complaint.reference
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
