"""Referrals to the responsible officer (PT-2.5): refer, accept, close; one open referral
per visit; an officer of another office refused; the supervisor warned of a referral not
accepted in time (the clock moved with time-machine)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_user
from tests.register.referrals import FIELDS, handles, registered
from weserve.core import live
from weserve.core.errors import DomainError
from weserve.core.models import AuditLog
from weserve.core.roles import Role
from weserve.register import services
from weserve.register.events import REFERRALS
from weserve.register.models import Referral, ReferralStatus
from weserve.register.selectors import attention_count, inbox, referable_officers
from weserve.register.services import InvalidEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(serving, users):
    return registered(serving, users["petugas"])


def refer(entry, users, officer="pegawai", **kwargs):
    return services.refer(
        entry, acting_user=users["petugas"], officer=users[officer].staff, **kwargs
    )


def test_a_referral_waits_for_the_officer_with_its_audit_entry_and_live_event(
    tree, users, entry, clock
):
    before = live.current_seq(tree.pj.pk, REFERRALS)
    referral = refer(entry, users, note="Ibu pelanggan uzur; perlu lawatan rumah")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PENDING
    assert referral.office == tree.pj
    assert referral.officer == users["pegawai"].staff
    assert referral.referred_by == users["petugas"]
    assert referral.note == "Ibu pelanggan uzur; perlu lawatan rumah"
    # The office's default time to accept: 15 minutes.
    assert referral.accept_by - referral.created_at == dt.timedelta(minutes=15)
    log = AuditLog.objects.get(action="register.referral.created")
    assert log.target_id == str(referral.pk)
    assert log.data["ticket"] == entry.ticket.number
    assert log.user == users["petugas"]
    assert FIELDS["name"] not in str(log.data)
    assert live.current_seq(tree.pj.pk, REFERRALS) == before + 1


def test_the_officer_accepts_records_the_outcome_and_closes(tree, users, entry, clock):
    referral = refer(entry, users)
    clock.shift(dt.timedelta(minutes=3))
    accepted = services.accept_referral(referral, acting_user=users["pegawai"])
    assert accepted.status == ReferralStatus.ACCEPTED
    assert accepted.accepted_at == accepted.created_at + dt.timedelta(minutes=3)
    closed = services.close_referral(
        referral, acting_user=users["pegawai"], outcome="  Borang BWE diterangkan  "
    )
    closed.refresh_from_db()
    assert closed.status == ReferralStatus.CLOSED
    assert closed.outcome == "Borang BWE diterangkan"
    assert closed.closed_at is not None
    assert list(
        AuditLog.objects.filter(action__startswith="register.referral.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["register.referral.created", "register.referral.accepted", "register.referral.closed"]
    assert live.current_seq(tree.pj.pk, REFERRALS) == 3


def test_closing_needs_acceptance_first_and_an_outcome(users, entry):
    referral = refer(entry, users)
    with pytest.raises(DomainError) as refused:
        services.close_referral(referral, acting_user=users["pegawai"], outcome="Selesai")
    assert refused.value.code == "referral_not_accepted"
    services.accept_referral(referral, acting_user=users["pegawai"])
    with pytest.raises(DomainError) as twice:
        services.accept_referral(referral, acting_user=users["pegawai"])
    assert twice.value.code == "referral_not_pending"
    for empty in ("", "   ", None, 5):
        with pytest.raises(InvalidEntry) as invalid:
            services.close_referral(referral, acting_user=users["pegawai"], outcome=empty)
        assert "outcome" in invalid.value.fields
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.outcome == ""
    assert not AuditLog.objects.filter(action="register.referral.closed").exists()
    services.close_referral(referral, acting_user=users["pegawai"], outcome="Selesai")
    with pytest.raises(DomainError) as again:
        services.close_referral(referral, acting_user=users["pegawai"], outcome="Lagi")
    assert again.value.code == "referral_closed"


def test_an_officer_of_another_office_is_refused_and_nothing_is_saved(tree, users, entry):
    jb_officer = make_user("pegawai.jb", tree.jb, Role.OFFICER)
    with pytest.raises(InvalidEntry) as refused:
        services.refer(entry, acting_user=users["petugas"], officer=jb_officer.staff)
    assert refused.value.code == "officer_other_office"
    assert refused.value.status == 422
    # Malay by default, naming the officer and this office.
    assert "bukan pegawai" in str(refused.value.fields["officer"])
    assert "Pegawai.Jb" in str(refused.value.fields["officer"])
    assert not Referral.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="register.referral.").exists()


def test_an_officer_granted_this_office_may_be_referred_to(tree, users, entry):
    visiting = make_user("pegawai.pelawat", tree.jb, Role.OFFICER)
    visiting.staff.offices.add(tree.pj)
    referral = services.refer(entry, acting_user=users["petugas"], officer=visiting.staff)
    assert referral.officer == visiting.staff


@pytest.mark.parametrize("who", ["telefonis", "petugas", "admin"])
def test_people_who_cannot_receive_referrals_are_refused(users, entry, who):
    with pytest.raises(InvalidEntry) as refused:
        refer(entry, users, officer=who)
    assert refused.value.code == "officer_cannot_receive"


def test_an_officer_without_a_sign_in_or_switched_off_is_refused(tree, users, entry):
    from weserve.organisation.models import StaffMember

    no_account = StaffMember.objects.create(name="Tanpa Akaun", home_office=tree.pj)
    with pytest.raises(InvalidEntry) as refused:
        services.refer(entry, acting_user=users["petugas"], officer=no_account)
    assert refused.value.code == "officer_cannot_receive"
    users["pegawai"].is_active = False
    users["pegawai"].save(update_fields=["is_active"])
    with pytest.raises(InvalidEntry):
        refer(entry, users)
    with pytest.raises(InvalidEntry) as nobody:
        services.refer(entry, acting_user=users["petugas"], officer=None)
    assert "officer" in nobody.value.fields
    assert not Referral.objects.exists()


def test_one_open_referral_per_visit_and_another_after_it_closes(users, entry):
    first = refer(entry, users)
    with pytest.raises(DomainError) as refused:
        refer(entry, users, officer="aduan")
    assert refused.value.code == "already_referred"
    services.accept_referral(first, acting_user=users["pegawai"])
    services.close_referral(first, acting_user=users["pegawai"], outcome="Dirujuk ke aduan")
    second = refer(entry, users, officer="aduan")
    assert second.status == ReferralStatus.PENDING
    assert entry.referrals.count() == 2


def test_a_walk_in_entry_can_be_referred_too(tree, users):
    walk_in = services.record_walk_in(
        tree.pj, acting_user=users["petugas"], service=tree.services["INFO"], **FIELDS
    )
    referral = services.refer(walk_in, acting_user=users["petugas"], officer=users["aduan"].staff)
    assert referral.entry.ticket is None


def test_counter_staff_of_another_office_cannot_refer(tree, users, entry):
    with pytest.raises(DomainError) as refused:
        services.refer(entry, acting_user=users["jb_petugas"], officer=users["pegawai"].staff)
    assert refused.value.status == 404


@pytest.mark.parametrize("who", ["aduan", "petugas", "jb_penyelia", "telefonis"])
def test_only_the_officer_and_the_offices_supervisors_act_on_a_referral(users, entry, who):
    referral = refer(entry, users)
    with pytest.raises(DomainError) as refused:
        services.accept_referral(referral, acting_user=users[who])
    assert refused.value.status == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PENDING


@pytest.mark.parametrize("who", ["penyelia", "ketua"])
def test_the_supervisor_and_the_head_above_may_act(users, entry, who):
    referral = refer(entry, users)
    assert services.accept_referral(referral, acting_user=users[who]).status == "accepted"


def test_a_note_with_control_characters_or_too_long_is_refused(users, entry):
    for note in ("a\x00b", "x" * 1001):
        with pytest.raises(InvalidEntry) as refused:
            refer(entry, users, note=note)
        assert "note" in refused.value.fields
    assert not Referral.objects.exists()


# --- The supervisor's warning: a referral not accepted in the office's time ----------------


def test_a_referral_not_accepted_in_time_is_flagged_to_the_supervisor(tree, users, entry, clock):
    referral = refer(entry, users)
    supervisor, officer = users["penyelia"], users["pegawai"]
    clock.shift(dt.timedelta(minutes=14, seconds=59))
    now = referral.created_at + dt.timedelta(minutes=14, seconds=59)
    assert inbox(supervisor, now)["overdue"] == []
    assert attention_count(supervisor, now) == 0
    assert attention_count(officer, now) == 1  # the officer's own, open
    later = referral.created_at + dt.timedelta(minutes=15)
    assert [r.pk for r in inbox(supervisor, later)["overdue"]] == [referral.pk]
    assert attention_count(supervisor, later) == 1
    # Accepted, even late, it is no longer flagged.
    clock.shift(dt.timedelta(minutes=5))
    services.accept_referral(referral, acting_user=officer)
    assert inbox(supervisor, later + dt.timedelta(minutes=5))["overdue"] == []
    log = AuditLog.objects.get(action="register.referral.accepted")
    assert log.data["late"] is True


def test_the_office_sets_the_time_to_accept(tree, users, entry, clock):
    tree.pj.referral_accept_minutes = 5
    tree.pj.save(update_fields=["referral_accept_minutes"])
    entry.office.refresh_from_db()
    referral = refer(entry, users)
    assert referral.accept_by - referral.created_at == dt.timedelta(minutes=5)
    assert attention_count(users["penyelia"], referral.created_at + dt.timedelta(minutes=5)) == 1
    # Another office's supervisor is not told.
    assert attention_count(users["jb_penyelia"], referral.accept_by) == 0


# --- The directory the counter chooses from ----------------------------------------------


def test_the_directory_finds_officers_by_name_section_or_service(tree, users):
    handles(users["pegawai"], tree.services["OKU"], section="BOKU")
    handles(users["aduan"], tree.services["INFO"])
    make_user("pegawai.jb", tree.jb, Role.OFFICER)

    def names(query):
        return [s.user.username for s in referable_officers(tree.pj, query)]

    everyone = names("")
    assert set(everyone) == {"pegawai1", "pegawai.aduan", "penyelia"}
    assert names("pegawai1") == ["pegawai1"]
    assert names("OKU") == ["pegawai1"]  # a service's code
    assert names(tree.services["OKU"].name_en.split()[0]) == ["pegawai1"]  # its name
    assert names("boku") == ["pegawai1"]  # a section's code
    assert names("Division") == ["pegawai1"]  # a section's name
    assert names("enquiries") == ["pegawai.aduan"]
    assert names("no such officer") == []
