"""Disposal keeps the row, hides it, erases its personal data; the admin cannot delete."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test import RequestFactory

from tests.core.models_for_tests import PersonForTests, person_table  # noqa: F401
from tests.factories import make_user
from weserve.core import disposal as disposal_module
from weserve.core.admin_mixins import NoDeleteAdminMixin, ReadOnlyAdminMixin
from weserve.core.disposal import dispose
from weserve.core.errors import DomainError
from weserve.core.models import AuditLog, Disposal, User
from weserve.core.personal import find_by_mykad
from weserve.core.roles import Role

pytestmark = pytest.mark.usefixtures("person_table")

MYKAD = "850101-14-5123"
NOW = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def person(tree):
    return PersonForTests.objects.create(
        office=tree.pj, name="Siti binti Ali", mykad=MYKAD, phone="012-345 6789"
    )


def raw_row(pk: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, mykad, mykad_hash, phone, disposed_at FROM test_core_person"
            " WHERE id = %s",
            [pk],
        )
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def test_disposal_keeps_the_row_and_hides_it_from_live(tree, users, person):
    other = PersonForTests.objects.create(office=tree.pj, name="Ahmad")
    with time_machine.travel(NOW, tick=False):
        dispose(
            person,
            reason="Retention period over",
            schedule_ref="JKM/RS/2024-07",
            user=users["admin"],
        )
    assert PersonForTests.objects.filter(pk=person.pk).exists()
    assert list(PersonForTests.objects.live()) == [other]
    assert list(PersonForTests.objects.disposed()) == [person]
    fresh = PersonForTests.objects.get(pk=person.pk)
    assert fresh.is_disposed
    assert fresh.disposed_at == NOW
    assert person.is_disposed  # the instance in hand is updated too


def test_disposal_erases_personal_data_from_the_row(users, person):
    dispose(
        person, reason="Retention period over", schedule_ref="JKM/RS/2024-07", user=users["admin"]
    )
    row = raw_row(person.pk)
    assert row["name"] == ""
    assert row["mykad"] == ""
    assert row["mykad_hash"] == ""
    assert row["phone"] == ""
    assert person.mykad == "" and person.phone == "" and person.name == ""


def test_disposed_record_can_no_longer_be_found_by_mykad(tree, users, person):
    dispose(
        person, reason="Retention period over", schedule_ref="JKM/RS/2024-07", user=users["admin"]
    )
    found = find_by_mykad(PersonForTests.objects.all(), MYKAD, user=users["admin"], office=tree.pj)
    assert found == []


def test_disposal_is_registered_and_audited(tree, users, person):
    with time_machine.travel(NOW, tick=False):
        record = dispose(
            person,
            reason="Retention period over",
            schedule_ref="JKM/RS/2024-07",
            user=users["admin"],
            ip="10.0.0.7",
        )
    stored = Disposal.objects.get()
    assert stored == record
    assert stored.at == NOW
    assert stored.user == users["admin"]
    assert stored.office_id == tree.pj.pk and stored.office_code == "PKMD-PJ"
    assert stored.target_type == "core.personfortests"
    assert stored.target_id == str(person.pk)
    assert stored.reason == "Retention period over"
    assert stored.schedule_ref == "JKM/RS/2024-07"
    assert stored.erased_fields == ["mykad", "mykad_hash", "phone", "name"]
    entry = AuditLog.objects.get(action="core.record.disposed")
    assert entry.user == users["admin"]
    assert entry.office_code == "PKMD-PJ"
    assert entry.target_id == str(person.pk)
    assert entry.ip == "10.0.0.7"
    assert entry.data["schedule_ref"] == "JKM/RS/2024-07"
    assert entry.data["disposal"] == stored.pk


def test_a_mykad_quoted_in_the_reason_is_masked(users, person):
    dispose(
        person,
        reason="Requested by 850101-14-5123 in writing",
        schedule_ref="JKM/RS/2024-07",
        user=users["admin"],
    )
    assert Disposal.objects.get().reason == "Requested by ******-**-5123 in writing"
    logged = json.dumps(list(AuditLog.objects.values()), default=str)
    assert "850101" not in logged


def test_a_record_is_disposed_of_only_once(users, person):
    dispose(
        person, reason="Retention period over", schedule_ref="JKM/RS/2024-07", user=users["admin"]
    )
    stale = PersonForTests.objects.get(pk=person.pk)
    with pytest.raises(DomainError) as error:
        dispose(stale, reason="Again", schedule_ref="JKM/RS/2024-07", user=users["hq_admin"])
    assert error.value.code == "already_disposed"
    assert error.value.status == 409
    assert Disposal.objects.count() == 1
    assert AuditLog.objects.filter(action="core.record.disposed").count() == 1


@pytest.mark.parametrize("who", ["penyelia", "petugas", "ketua"])
def test_only_administrators_may_dispose(users, person, who):
    with pytest.raises(PermissionDenied):
        dispose(person, reason="Retention period over", schedule_ref="JKM/RS/1", user=users[who])
    assert not PersonForTests.objects.get(pk=person.pk).is_disposed
    assert Disposal.objects.count() == 0


def test_administrator_of_another_office_gets_not_found(tree, person):
    jb_admin = make_user("admin.jb", tree.jb, Role.ADMIN)
    with pytest.raises(Http404):
        dispose(person, reason="Retention period over", schedule_ref="JKM/RS/1", user=jb_admin)
    assert not PersonForTests.objects.get(pk=person.pk).is_disposed
    assert Disposal.objects.count() == 0


def test_hq_administrator_may_dispose_a_district_record(users, person):
    dispose(person, reason="Retention period over", schedule_ref="JKM/RS/1", user=users["hq_admin"])
    assert PersonForTests.objects.get(pk=person.pk).is_disposed


@pytest.mark.parametrize(
    ("reason", "schedule_ref", "field"),
    [("", "JKM/RS/1", "reason"), ("   ", "JKM/RS/1", "reason"), ("Over", "", "schedule_ref")],
)
def test_disposal_needs_a_reason_and_a_schedule(users, person, reason, schedule_ref, field):
    with pytest.raises(ValidationError) as error:
        dispose(person, reason=reason, schedule_ref=schedule_ref, user=users["admin"])
    assert field in error.value.message_dict
    assert raw_row(person.pk)["disposed_at"] is None
    assert raw_row(person.pk)["name"] == "Siti binti Ali"
    assert AuditLog.objects.count() == 0


def test_disposal_is_all_or_nothing(users, person, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(disposal_module, "log_action", broken)
    with pytest.raises(RuntimeError):
        dispose(person, reason="Over", schedule_ref="JKM/RS/1", user=users["admin"])
    row = raw_row(person.pk)
    assert row["disposed_at"] is None
    assert row["name"] == "Siti binti Ali"
    assert row["mykad"] != ""
    assert Disposal.objects.count() == 0


def test_only_disposable_models_can_be_disposed(tree, users):
    with pytest.raises(TypeError):
        dispose(tree.pj, reason="Over", schedule_ref="JKM/RS/1", user=users["hq_admin"])


# --- the admin cannot delete -------------------------------------------------------


class NoDeletePersonAdmin(NoDeleteAdminMixin, admin.ModelAdmin):
    pass


class ReadOnlyPersonAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


@pytest.fixture
def superuser_request(db):
    request = RequestFactory().get("/admin/")
    request.user = User.objects.create_superuser("root", password="x")
    return request


def test_no_delete_admin_refuses_delete_even_to_superusers(superuser_request, person):
    model_admin = NoDeletePersonAdmin(PersonForTests, admin.AdminSite())
    assert not model_admin.has_delete_permission(superuser_request)
    assert not model_admin.has_delete_permission(superuser_request, person)
    assert "delete_selected" not in model_admin.get_actions(superuser_request)
    assert model_admin.has_change_permission(superuser_request, person)
    assert model_admin.has_add_permission(superuser_request)


def test_read_only_admin_allows_viewing_only(superuser_request, person):
    model_admin = ReadOnlyPersonAdmin(PersonForTests, admin.AdminSite())
    assert not model_admin.has_add_permission(superuser_request)
    assert not model_admin.has_change_permission(superuser_request, person)
    assert not model_admin.has_delete_permission(superuser_request, person)
    assert model_admin.has_view_permission(superuser_request, person)
    assert "delete_selected" not in model_admin.get_actions(superuser_request)
