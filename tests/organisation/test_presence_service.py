"""Presence is the staff directory's: `organisation.services.set_presence` changes it with
its audit entry, and the apps that show it live (the operator console) hear of it in the
same transaction, without the directory importing them."""

from __future__ import annotations

import pytest

from weserve.core import live
from weserve.core.errors import DomainError
from weserve.core.models import AuditLog
from weserve.organisation.models import StaffMember
from weserve.organisation.services import set_presence

pytestmark = pytest.mark.django_db


def test_set_presence_is_audited_and_heard_by_the_console(tree, users):
    staff = users["pegawai"].staff
    before = live.current_seq(tree.pj.pk, "telephony")
    set_presence(staff, acting_user=users["pegawai"], presence=StaffMember.Presence.MEETING)
    staff.refresh_from_db()
    assert staff.presence == StaffMember.Presence.MEETING
    entry = AuditLog.objects.get(action="organisation.presence.set")
    assert entry.data == {"presence": "meeting"}
    assert live.current_seq(tree.pj.pk, "telephony") == before + 1


def test_back_in_the_office_clears_the_expected_return_and_nonsense_is_refused(tree, users):
    import datetime as dt

    staff = users["pegawai"].staff
    staff.presence = StaffMember.Presence.OUT
    staff.expected_return = dt.datetime(2026, 11, 25, 14, 0, tzinfo=dt.UTC)
    staff.save()
    set_presence(staff, acting_user=users["pegawai"], presence=StaffMember.Presence.IN_OFFICE)
    staff.refresh_from_db()
    assert staff.expected_return is None
    for wrong in ("moon", None, 3):
        with pytest.raises(DomainError) as refused:
            set_presence(staff, acting_user=users["pegawai"], presence=wrong)
        assert refused.value.status == 422
    assert AuditLog.objects.filter(action="organisation.presence.set").count() == 1
