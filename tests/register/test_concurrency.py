"""Real concurrent clients on PostgreSQL: a ticket goes into the register once, however
many counters save it at the same moment; a visit has one open referral, and a referral
is accepted once, whoever presses at the same moment."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.factories import build_office_tree, make_user
from tests.register.conftest import serve
from tests.threads import in_thread
from weserve.core.errors import DomainError
from weserve.core.models import AuditLog
from weserve.core.roles import Role
from weserve.register import services
from weserve.register.models import Referral, RegisterEntry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (set DATABASE_URL)")


def test_eight_simultaneous_saves_of_one_ticket_write_one_entry():
    tree = build_office_tree()
    staff = make_user("petugas1", tree.pj, Role.COUNTER_STAFF)
    supervisor = make_user("penyelia", tree.pj, Role.SUPERVISOR)
    ticket = serve(tree.pj, tree.services["BKK"], staff)
    barrier = threading.Barrier(8)

    @in_thread
    def save(i: int) -> str:
        barrier.wait()
        try:
            services.record_visit(
                ticket,
                acting_user=staff if i % 2 else supervisor,
                name=f"Pelanggan {i}",
                category="other",
                purpose="Pertanyaan",
                action="info",
            )
        except DomainError as exc:
            return exc.code
        return "saved"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = sorted(pool.map(save, range(8)))
    assert outcomes == ["already_registered"] * 7 + ["saved"]
    assert RegisterEntry.objects.filter(ticket=ticket).count() == 1
    assert AuditLog.objects.filter(action="register.entry.recorded").count() == 1


def _registered_customer():
    tree = build_office_tree()
    staff = make_user("petugas1", tree.pj, Role.COUNTER_STAFF)
    officers = [make_user(f"pegawai{i}", tree.pj, Role.OFFICER) for i in range(4)]
    ticket = serve(tree.pj, tree.services["BKK"], staff)
    entry = services.record_visit(
        ticket, acting_user=staff, name="Siti", category="other", purpose="Rujuk", action="referred"
    )
    return staff, officers, entry


def test_simultaneous_referrals_of_one_visit_leave_one_open():
    staff, officers, entry = _registered_customer()
    barrier = threading.Barrier(len(officers))

    @in_thread
    def refer(officer) -> str:
        barrier.wait()
        try:
            services.refer(entry, acting_user=staff, officer=officer.staff)
        except DomainError as exc:
            return exc.code
        return "referred"

    with ThreadPoolExecutor(max_workers=len(officers)) as pool:
        outcomes = sorted(pool.map(refer, officers))
    assert outcomes == ["already_referred"] * (len(officers) - 1) + ["referred"]
    assert Referral.objects.filter(entry=entry).count() == 1
    assert AuditLog.objects.filter(action="register.referral.created").count() == 1


def test_the_officer_and_the_supervisor_accepting_at_once_accept_once():
    staff, officers, entry = _registered_customer()
    supervisor = make_user("penyelia", entry.office, Role.SUPERVISOR)
    referral = services.refer(entry, acting_user=staff, officer=officers[0].staff)
    barrier = threading.Barrier(6)

    @in_thread
    def accept(i: int) -> str:
        barrier.wait()
        try:
            services.accept_referral(referral, acting_user=officers[0] if i % 2 else supervisor)
        except DomainError as exc:
            return exc.code
        return "accepted"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = sorted(pool.map(accept, range(6)))
    assert outcomes == ["accepted"] + ["referral_not_pending"] * 5
    assert AuditLog.objects.filter(action="register.referral.accepted").count() == 1
