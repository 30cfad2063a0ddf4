"""The call's services under a controlled clock: the answer time, the transfer and its
words, the 20-second hold prompts, the transfer that comes back after the office's
timeout, messages, call-backs and their escalation."""

from __future__ import annotations

import datetime as dt

import pytest

from weserve.core.errors import DomainError
from weserve.core.models import AuditLog
from weserve.telephony import services
from weserve.telephony.models import Call, HoldUpdate, Message, TelephonySettings
from weserve.telephony.services import InvalidInput

pytestmark = pytest.mark.django_db


def _answered(tree, users, clock, **ring):
    call = services.ring(tree.pj, caller_number="012-345 6789", from_exchange=True, **ring)
    clock.shift(seconds=4)
    return services.answer(call, acting_user=users["telefonis"])


def test_ring_then_answer_records_times_and_operator(tree, users, clock):
    call = services.ring(tree.pj, caller_number="012-345 6789", from_exchange=True)
    assert call.status == Call.Status.RINGING
    assert call.call_id.startswith("W-")
    clock.shift(seconds=7)
    call = services.answer(call, acting_user=users["telefonis"])
    assert (call.answered_at - call.ring_at) == dt.timedelta(seconds=7)
    assert call.operator == users["telefonis"]
    stored = Call.objects.get(pk=call.pk)
    assert stored.caller_number == "+60123456789"
    assert AuditLog.objects.filter(action="telephony.call.answered").count() == 1
    with pytest.raises(DomainError) as refused:
        services.answer(call, acting_user=users["telefonis"])
    assert refused.value.code == "not_ringing"


def test_the_caller_number_is_encrypted_at_rest(tree, clock):
    from django.db import connection

    call = services.ring(tree.pj, caller_number="012-345 6789")
    with connection.cursor() as cursor:
        cursor.execute("SELECT caller_number FROM telephony_call WHERE id = %s", [call.pk])
        raw = cursor.fetchone()[0]
    assert "123456789" not in raw


def test_a_call_id_is_unique_per_office(tree, clock):
    services.ring(tree.pj, call_id="abc.1")
    services.ring(tree.klang, call_id="abc.1")
    with pytest.raises(DomainError) as refused:
        services.ring(tree.pj, call_id="abc.1")
    assert refused.value.code == "call_exists"
    assert Call.objects.count() == 2


def test_transfer_gives_the_words_in_the_callers_language(tree, users, desk, clock):
    call = _answered(tree, users, clock, language="en")
    done = services.transfer(call, officer=desk["aminah"], acting_user=users["telefonis"])
    assert done.call.status == Call.Status.TRANSFERRING
    assert "Aminah binti Ali" in done.words
    assert "OKU Section" in done.words
    assert "231" in done.words
    assert "putting you through" in done.words

    malay = _answered(tree, users, clock)
    said = services.transfer(malay, officer=desk["aminah"], acting_user=users["telefonis"]).words
    assert "Seksyen OKU" in said and "231" in said and "Aminah binti Ali" in said
    assert "putting you through" not in said


def test_an_officer_who_is_out_gets_a_message_not_a_transfer(tree, users, desk, clock):
    call = _answered(tree, users, clock)
    with pytest.raises(DomainError) as refused:
        services.transfer(call, officer=desk["badrul"], acting_user=users["telefonis"])
    assert refused.value.code == "officer_away"
    assert Call.objects.get(pk=call.pk).status == Call.Status.ANSWERED


def test_another_offices_officer_is_refused(tree, users, desk, clock):
    from weserve.organisation.models import StaffMember

    elsewhere = StaffMember.objects.create(name="Jb", home_office=tree.jb, extension="300")
    call = _answered(tree, users, clock)
    with pytest.raises(DomainError) as refused:
        services.transfer(call, officer=elsewhere, acting_user=users["telefonis"])
    assert refused.value.code == "unknown_officer"


def test_hold_prompts_every_20_seconds_and_each_update_is_recorded(tree, users, desk, clock):
    call = _answered(tree, users, clock)
    call = services.put_on_hold(call, acting_user=users["telefonis"])
    assert not services.hold_update_due(call)
    clock.shift(seconds=19)
    assert not services.hold_update_due(call)
    clock.shift(seconds=1)
    assert services.hold_update_due(call)
    services.record_hold_update(call, acting_user=users["telefonis"], note="Still busy")
    call.refresh_from_db()
    assert not services.hold_update_due(call)
    clock.shift(seconds=20)
    assert services.hold_update_due(call)
    services.record_hold_update(call, acting_user=users["telefonis"])
    assert HoldUpdate.objects.filter(call=call).count() == 2
    assert AuditLog.objects.filter(action="telephony.call.hold_update").count() == 2


def test_a_transfer_not_answered_in_20_seconds_comes_back_flagged(tree, users, desk, clock):
    call = _answered(tree, users, clock)
    services.transfer(call, officer=desk["aminah"], acting_user=users["telefonis"])
    clock.shift(seconds=19)
    assert services.return_unanswered_transfers(tree.pj) == []
    clock.shift(seconds=1)
    back = services.return_unanswered_transfers(tree.pj)
    assert [c.pk for c in back] == [call.pk]
    call.refresh_from_db()
    assert call.status == Call.Status.ANSWERED
    assert call.transfer_returned
    # Once back, it does not come back again.
    clock.shift(seconds=60)
    assert services.return_unanswered_transfers(tree.pj) == []
    with pytest.raises(DomainError):
        services.officer_answered(call)


def test_the_office_sets_its_own_transfer_timeout(tree, users, desk, clock):
    TelephonySettings.objects.create(office=tree.pj, transfer_timeout_seconds=45)
    call = _answered(tree, users, clock)
    services.transfer(call, officer=desk["aminah"], acting_user=users["telefonis"])
    clock.shift(seconds=44)
    assert services.return_unanswered_transfers(tree.pj) == []
    clock.shift(seconds=1)
    assert len(services.return_unanswered_transfers(tree.pj)) == 1


def test_an_answered_transfer_stays_with_the_officer(tree, users, desk, clock):
    call = _answered(tree, users, clock)
    services.transfer(call, officer=desk["aminah"], acting_user=users["telefonis"])
    clock.shift(seconds=12)
    services.officer_answered(call)
    clock.shift(seconds=60)
    assert services.return_unanswered_transfers(tree.pj) == []
    ended = services.hang_up(call)
    assert ended.outcome == Call.Outcome.TRANSFERRED


def test_hang_up_before_an_answer_is_abandoned(tree, clock):
    call = services.ring(tree.pj, from_exchange=True)
    clock.shift(seconds=30)
    ended = services.hang_up(call)
    assert ended.outcome == Call.Outcome.ABANDONED
    assert ended.status == Call.Status.ENDED
    with pytest.raises(DomainError) as refused:
        services.hang_up(call)
    assert refused.value.code == "call_ended"


def test_take_message_ends_the_call_and_is_due_the_next_working_day(tree, users, desk, clock):
    call = _answered(tree, users, clock)
    message = services.take_message(
        tree.pj,
        acting_user=users["telefonis"],
        officer=desk["badrul"],
        caller_name="Siti",
        caller_number="013-222 3333",
        purpose="Status permohonan OKU",
        best_time="Petang",
        urgency="urgent",
        call=call,
    )
    call.refresh_from_db()
    assert call.outcome == Call.Outcome.MESSAGE
    # Taken on Wednesday 25 November 2026: due by Thursday.
    assert message.call_back_due == dt.date(2026, 11, 26)
    assert Message.objects.get(pk=message.pk).caller_number == "+60132223333"


def test_take_message_refuses_bad_input_as_a_whole(tree, users, desk, clock):
    with pytest.raises(InvalidInput) as refused:
        services.take_message(
            tree.pj,
            acting_user=users["telefonis"],
            officer=desk["badrul"],
            caller_name="",
            caller_number="12",
            purpose="x\x00",
            urgency="panic",
        )
    assert set(refused.value.fields) == {"caller_name", "caller_number", "purpose", "urgency"}
    assert Message.objects.count() == 0


def test_a_line_break_is_refused_in_a_name_or_time_but_kept_in_the_purpose(
    tree, users, desk, clock
):
    """A name and a best time are one line on the form, on the inbox and in the export: a
    line break sent in them is refused, as in the register; the purpose keeps its lines."""
    with pytest.raises(InvalidInput) as refused:
        services.take_message(
            tree.pj,
            acting_user=users["telefonis"],
            officer=desk["badrul"],
            caller_name="Ali\nbin Abu",
            caller_number="0123456789",
            purpose="Bantuan",
            best_time="Pagi\r\nPetang",
        )
    assert set(refused.value.fields) == {"caller_name", "best_time"}
    assert Message.objects.count() == 0
    message = services.take_message(
        tree.pj,
        acting_user=users["telefonis"],
        officer=desk["badrul"],
        caller_name="Ali bin Abu",
        caller_number="0123456789",
        purpose="Bantuan OKU.\nMahu tahu status.",
    )
    assert message.purpose == "Bantuan OKU.\nMahu tahu status."
    with pytest.raises(InvalidInput) as refused:
        services.ring(tree.pj, caller_number="0123456789", caller_name="Ali\nAbu")
    assert set(refused.value.fields) == {"caller_name"}


def test_a_message_taken_on_friday_is_due_monday(tree, users, desk):
    import time_machine

    from weserve.core.clock import MALAYSIA

    friday = dt.datetime(2026, 11, 27, 16, 0, tzinfo=MALAYSIA)
    with time_machine.travel(friday, tick=False):
        message = services.take_message(
            tree.klang,  # follows the Selangor calendar: Saturday and Sunday closed
            acting_user=users["telefonis"],
            officer=_klang_officer(tree),
            caller_name="Ali",
            caller_number="0123456789",
            purpose="Bantuan",
        )
    assert message.call_back_due == dt.date(2026, 11, 30)


def _klang_officer(tree):
    from weserve.organisation.models import StaffMember

    return StaffMember.objects.create(name="Klang", home_office=tree.klang, extension="400")


def test_call_back_recorded_once_and_overdue_ones_escalate(tree, users, desk, clock):
    def message():
        return services.take_message(
            tree.pj,
            acting_user=users["telefonis"],
            officer=desk["aminah"],
            caller_name="Siti",
            caller_number="013-222 3333",
            purpose="OKU",
        )

    done = message()
    waiting = message()
    services.record_call_back(done, acting_user=users["pegawai"], outcome="reached")
    with pytest.raises(DomainError) as refused:
        services.record_call_back(done, acting_user=users["pegawai"], outcome="reached")
    assert refused.value.code == "already_called_back"
    # Due Thursday: nothing escalates on Thursday, the undone one on Friday.
    clock.shift(days=1)
    assert services.escalate_overdue_call_backs(tree.pj) == []
    clock.shift(days=1)
    escalated = services.escalate_overdue_call_backs(tree.pj)
    assert [m.pk for m in escalated] == [waiting.pk]
    assert services.escalate_overdue_call_backs(tree.pj) == []
    assert AuditLog.objects.filter(action="telephony.message.escalated").count() == 1
