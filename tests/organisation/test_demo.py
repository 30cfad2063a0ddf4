"""`weserve demo` and `load_demo()`: the demo offices, services, counters and sign-ins."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from weserve.core import crypto
from weserve.core.models import AuditLog, User
from weserve.organisation.demo import DEMO_PASSWORD, PEOPLE, load_demo
from weserve.organisation.models import (
    Counter,
    Office,
    OpeningHours,
    Section,
    Service,
    StaffMember,
    services_in_order,
)

pytestmark = pytest.mark.django_db

DEMO_SIGN_INS = [p for p in PEOPLE if p.username]


def counts() -> dict[str, int]:
    models = (Office, OpeningHours, Section, Service, Counter, StaffMember, User, Group)
    counted = {model.__name__: model.objects.count() for model in models}
    counted["counter services"] = Counter.services.through.objects.count()
    counted["offices offering services"] = Service.offices.through.objects.count()
    counted["user roles"] = User.groups.through.objects.count()
    return counted


def test_demo_loaded_twice_duplicates_nothing():
    load_demo()
    first = counts()

    load_demo()

    assert counts() == first
    assert first["Office"] == 8


def test_demo_rerun_gives_demo_accounts_their_password_back():
    load_demo()
    user = User.objects.get(username="petugas1")
    user.set_password("something-else-entirely")
    user.is_active = False
    user.save()

    load_demo()

    user.refresh_from_db()
    assert user.is_active
    assert user.check_password(DEMO_PASSWORD)


def test_demo_office_tree():
    load_demo()
    parents = {o.code: o.parent.code if o.parent else None for o in Office.objects.all()}

    assert parents == {
        "HQ": None,
        "JKMN-SGR": "HQ",
        "JKMN-JHR": "HQ",
        "PKMD-PJ": "JKMN-SGR",
        "PKMD-KLANG": "JKMN-SGR",
        "PKMD-GOMBAK": "JKMN-SGR",
        "PKMD-JB": "JKMN-JHR",
        "PKMD-BATUPAHAT": "JKMN-JHR",
    }
    states = dict(Office.objects.values_list("code", "state"))
    assert (states["HQ"], states["JKMN-SGR"], states["JKMN-JHR"]) == ("16", "10", "01")


def test_every_district_office_offers_every_service_in_both_languages():
    load_demo()
    services = list(Service.objects.all())
    districts = Office.objects.filter(kind=Office.Kind.DISTRICT)

    assert len(services) >= 8
    assert {"BKK", "BWE", "EPOKU", "BTB", "BPT", "BA", "OKU", "INFO", "ADUAN"} <= {
        s.code for s in services
    }
    for service in services:
        assert service.name_ms and service.name_en
        assert service.description_ms and service.description_en
        assert set(service.offices.all()) == set(districts)


def test_pkmd_pj_has_five_counters_one_for_oku_and_warga_emas():
    load_demo()
    counters = list(Counter.objects.filter(office__code="PKMD-PJ").prefetch_related("services"))

    assert [c.number for c in counters] == [1, 2, 3, 4, 5]
    assert [c.kind for c in counters].count(Counter.Kind.PRIORITY) == 1
    assert all(c.services.exists() for c in counters)
    assert Counter.objects.filter(office__code="PKMD-JB").count() == 3


def test_demo_counters_call_their_own_services_first_and_the_special_counter_all_alike():
    load_demo()
    ranked = {
        c.number: [(link.service.code, link.rank) for link in c.service_links.all()]
        for c in Counter.objects.filter(office__code="PKMD-PJ").prefetch_related(
            services_in_order()
        )
    }

    assert ranked[1] == [("BKK", 1), ("PKK", 1), ("BA", 2), ("INFO", 2)]
    assert ranked[4][:2] == [("INFO", 1), ("ADUAN", 1)]
    assert {rank for _code, rank in ranked[5]} == {1}  # the special counter
    for number in (1, 2, 3, 4):
        assert {rank for _code, rank in ranked[number]} == {1, 2}


def test_demo_rerun_puts_a_counters_order_back():
    load_demo()
    counter = Counter.objects.get(office__code="PKMD-PJ", number=1)
    counter.service_links.update(rank=7)

    load_demo()

    assert [s.code for s in counter.ranked_services()][:2] == ["BKK", "PKK"]


def test_pkmd_pj_directory_lists_positions_sections_and_extensions():
    load_demo()
    staff = StaffMember.objects.filter(home_office__code="PKMD-PJ").select_related("section")

    assert staff.count() >= 8
    for member in staff:
        assert member.position and member.extension
        assert member.section.office.code == "PKMD-PJ"
        assert member.phone.startswith("+60")


def test_demo_roles_are_as_documented():
    load_demo()
    roles = {
        u.username: sorted(g.name for g in u.groups.all())
        for u in User.objects.prefetch_related("groups")
    }

    assert roles["admin"] == ["Pentadbir"]
    assert roles["penyelia"] == ["Penyelia"]
    assert roles["petugas1"] == roles["petugas2"] == ["Petugas Kaunter"]
    assert roles["telefonis"] == ["Telefonis"]
    assert roles["pegawai1"] == ["Pegawai"]
    assert roles["pegawai.aduan"] == ["Pegawai Aduan"]
    assert roles["ketua.jkmn"] == ["Ketua Jabatan"]
    assert User.objects.get(username="ketua.jkmn").staff.home_office.code == "JKMN-SGR"
    assert set(User.objects.filter(is_staff=True).values_list("username", flat=True)) == {
        "admin",
        "admin.hq",
    }


@pytest.mark.parametrize("person", DEMO_SIGN_INS, ids=[p.username for p in DEMO_SIGN_INS])
def test_every_demo_user_signs_in_and_sees_their_office(person):
    load_demo()
    office = Office.objects.get(code=person.office)
    client = Client()

    response = client.post(
        reverse("login"), {"username": person.username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302

    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert office.name_ms in home.content.decode()


def test_demo_administrator_reaches_the_admin_and_a_supervisor_does_not():
    load_demo()
    admin, supervisor = Client(), Client()
    admin.post(reverse("login"), {"username": "admin", "password": DEMO_PASSWORD})
    supervisor.post(reverse("login"), {"username": "penyelia", "password": DEMO_PASSWORD})

    assert admin.get(reverse("admin:index")).status_code == 200
    response = supervisor.get(reverse("admin:index"))
    assert response.status_code == 403


def test_demo_command_creates_the_data_key_collects_static_and_prints_sign_ins(
    settings, tmp_path, monkeypatch
):
    monkeypatch.delenv("WESERVE_DATA_KEY", raising=False)
    settings.DATA_KEY_FILE = tmp_path / "var" / "data.key"
    settings.STATIC_ROOT = tmp_path / "static"
    out = io.StringIO()
    try:
        call_command("demo", stdout=out)
        call_command("demo", stdout=io.StringIO())

        assert settings.DATA_KEY_FILE.stat().st_mode & 0o777 == 0o600
        assert (tmp_path / "static" / "admin" / "css" / "base.css").exists()
        printed = out.getvalue()
        assert "http://127.0.0.1:8000" in printed
        assert "weserve-demo" in printed
        for person in DEMO_SIGN_INS:
            assert person.username in printed
        assert Office.objects.filter(code="PKMD-PJ").count() == 1
        assert AuditLog.objects.filter(action="organisation.demo.loaded").count() == 2
    finally:
        crypto.reset_cache()


def test_demo_command_keeps_an_existing_data_key(settings, tmp_path):
    settings.DATA_KEY_FILE = tmp_path / "data.key"
    settings.STATIC_ROOT = tmp_path / "static"

    call_command("demo", stdout=io.StringIO())

    # WESERVE_DATA_KEY is set for the suite, so no key file is written.
    assert not settings.DATA_KEY_FILE.exists()
