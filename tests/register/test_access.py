"""Who may record and read an office's register (register/access.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from weserve.core.scoping import visible_office_ids
from weserve.core.tokens import Principal
from weserve.organisation.devices import create_device
from weserve.register.access import require_reader, require_recorder

pytestmark = pytest.mark.django_db


def _caller(user) -> Principal:
    return Principal(user=user, office_ids=visible_office_ids(user))


@pytest.mark.parametrize("key", ["petugas", "penyelia"])
def test_counter_staff_and_supervisor_record_at_their_office(tree, users, key):
    assert require_recorder(_caller(users[key]), tree.pj) == users[key]


@pytest.mark.parametrize("key", ["telefonis", "pegawai", "aduan", "admin"])
def test_other_roles_of_the_office_may_not_record(tree, users, key):
    with pytest.raises(PermissionDenied):
        require_recorder(_caller(users[key]), tree.pj)


@pytest.mark.parametrize("key", ["penyelia", "admin", "ketua", "hq_admin"])
def test_supervisor_admin_and_heads_above_read_the_register(tree, users, key):
    assert require_reader(_caller(users[key]), tree.pj) == users[key]


@pytest.mark.parametrize("key", ["petugas", "telefonis", "pegawai"])
def test_other_roles_of_the_office_may_not_read_it(tree, users, key):
    with pytest.raises(PermissionDenied):
        require_reader(_caller(users[key]), tree.pj)


@pytest.mark.parametrize("key", ["jb_petugas", "jb_penyelia"])
def test_another_districts_register_is_not_found(tree, users, key):
    with pytest.raises(Http404):
        require_recorder(_caller(users[key]), tree.pj)
    with pytest.raises(Http404):
        require_reader(_caller(users[key]), tree.pj)


def test_a_head_of_another_state_does_not_see_it(tree, users):
    # ketua.jkmn heads Selangor: Johor's district is not below them.
    with pytest.raises(Http404):
        require_reader(_caller(users["ketua"]), tree.jb)


def test_devices_never_touch_the_register(tree):
    device, _token = create_device(tree.pj, "kiosk", "Kiosk")
    caller = Principal(device=device, office_ids=frozenset({tree.pj.pk}))
    with pytest.raises(PermissionDenied):
        require_recorder(caller, tree.pj)
    with pytest.raises(PermissionDenied):
        require_reader(caller, tree.pj)
