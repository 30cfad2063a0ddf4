"""The home page: what exists in the current office now, for the person's role."""

from __future__ import annotations

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import make_user
from weserve.core.models import User
from weserve.core.roles import Role
from weserve.organisation.models import Counter, CounterService, Section, Service, StaffMember


def in_english(client):
    """The person has pressed "English" (the language cookie); Malay is the default."""
    client.cookies["weserve_language"] = "en"
    return client


def section(html: str, testid: str) -> str:
    """The HTML of one `data-testid` section of the home page ('' when it is absent)."""
    match = re.search(rf'<section[^>]*data-testid="{testid}".*?</section>', html, re.S)
    return match.group(0) if match else ""


def add_jb_only_records(tree) -> None:
    """Records that exist only in PKMD-JB, to prove they never leak into PKMD-PJ's page."""
    service = Service.objects.create(
        code="JBX", prefix="X", name_ms="Khidmat Khas Johor", name_en="Johor Special Service"
    )
    service.offices.add(tree.jb)
    counter = Counter.objects.create(office=tree.jb, number=9, name="Kaunter Tebrau")
    counter.services.add(service)
    StaffMember.objects.create(name="Siti Johor", home_office=tree.jb, extension="7001")


def test_home_shows_the_offices_counters_services_and_staff(tree, users, client_for):
    desk = Section.objects.create(
        office=tree.pj, code="PENGURUSAN", name_ms="Khidmat Pengurusan", name_en="Management"
    )
    StaffMember.objects.create(
        name="Aminah Yusof",
        position="Pegawai Kebajikan",
        section=desk,
        extension="2101",
        presence=StaffMember.Presence.MEETING,
        home_office=tree.pj,
    )
    Counter.objects.filter(office=tree.pj, number=1).update(name="Kaunter Bantuan")

    html = client_for("petugas").get("/").content.decode()

    counters = section(html, "counters")
    assert "Kaunter Bantuan" in counters
    assert counters.count('data-testid="counter"') == 2
    assert "Bantuan Kanak-Kanak" in counters
    services = section(html, "services")
    for prefix, name, minutes in (
        ("A", "Bantuan Kanak-Kanak", 10),
        ("B", "Pendaftaran OKU", 15),
        ("C", "Pertanyaan Am", 5),
    ):
        assert re.search(rf'prefix-tag">{prefix}<.*?{name}.*?{minutes} min', services, re.S)
    staff = section(html, "staff")
    for text in ("Aminah Yusof", "Pegawai Kebajikan", "Khidmat Pengurusan", "2101"):
        assert text in staff
    assert "Petugas1" in staff  # the signed-in person is in the directory too


def test_home_lists_a_counters_services_in_the_order_it_calls_them(tree, users, client_for):
    counter = Counter.objects.get(office=tree.pj, number=1)
    for code, rank in (("INFO", 1), ("OKU", 2), ("BKK", 3)):
        CounterService.objects.filter(counter=counter, service__code=code).update(rank=rank)

    html = in_english(client_for("petugas")).get("/").content.decode()

    first, second = section(html, "counters").split('data-testid="counter"')[1:3]
    assert "Serves, in the order it calls them" in first
    assert re.findall(r'prefix-tag">([A-Z])<', first) == ["C", "B", "A"]
    assert "in the order it calls them" not in second  # all alike: by prefix
    assert re.findall(r'prefix-tag">([A-Z])<', second) == ["A", "B", "C"]


def test_home_never_shows_another_offices_records(tree, users, client_for):
    add_jb_only_records(tree)

    html = client_for("petugas").get("/").content.decode()

    for text in ("Kaunter Tebrau", "Khidmat Khas Johor", "Siti Johor", "Petugas.Jb"):
        assert text not in html
    assert "Pejabat PKMD-PJ" in html


def test_home_lists_the_persons_roles(tree, users, client_for):
    html = in_english(client_for("penyelia")).get("/").content.decode()

    roles = re.search(r'data-testid="my-roles">(.*?)</ul>', html, re.S).group(1)
    assert "Supervisor" in roles
    assert "Counter staff" not in roles


def test_home_shows_bilingual_names_in_the_chosen_language(tree, users):
    client = Client()
    client.force_login(users["petugas"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    html = client.get("/").content.decode()

    assert "OKU Registration" in html
    assert "Pendaftaran OKU" not in html


def test_head_sees_the_offices_under_them_with_counter_counts(tree, users, client_for):
    Counter.objects.create(office=tree.klang, number=3)
    Counter.objects.create(office=tree.klang, number=4, is_active=False)

    response = client_for("ketua").get("/")

    below = section(response.content.decode(), "offices-below")
    assert "PKMD-PJ" in below and "PKMD-KLANG" in below
    assert "PKMD-JB" not in below
    assert "JKMN-SGR" not in below
    counts = {o.code: o.counter_count for o in response.context["offices_below"]}
    assert counts == {"PKMD-KLANG": 3, "PKMD-PJ": 2}


def test_people_who_are_not_heads_see_no_office_list(tree, users, client_for):
    for key in ("petugas", "penyelia", "admin"):
        html = client_for(key).get("/").content.decode()
        assert 'data-testid="offices-below"' not in html


def test_a_person_without_an_office_is_told_to_ask_an_administrator(db):
    loner = User.objects.create_user(username="loner", password="x-password-123")
    client = Client()
    client.force_login(loner)

    response = in_english(client).get("/")

    assert response.status_code == 200
    assert "not attached to any office" in response.content.decode()


def test_home_needs_sign_in(tree):
    response = Client().get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_home_query_count_does_not_grow_with_the_office(tree, users):
    client = Client()
    client.force_login(users["penyelia"])
    client.get("/")  # warm the per-process caches (holidays, content types)

    with CaptureQueriesContext(connection) as before:
        client.get("/")
    for number in range(3, 13):
        counter = Counter.objects.create(office=tree.pj, number=number, name=f"K{number}")
        counter.services.set(tree.services.values())
    for index in range(10):
        make_user(f"staf{index}", tree.pj, Role.COUNTER_STAFF)
    with CaptureQueriesContext(connection) as after:
        html = client.get("/").content.decode()

    assert "K12" in html and "Staf9" in html
    assert len(after) == len(before)
    assert len(after) <= 20


def test_a_counter_taking_every_one_of_many_services_is_summed_up(tree, users, client_for):
    for letter in "DE":
        extra = Service.objects.create(
            code=f"S{letter}",
            prefix=letter,
            name_ms=f"Khidmat {letter}",
            name_en=f"Service {letter}",
        )
        extra.offices.add(tree.pj)
        Counter.objects.get(office=tree.pj, number=2).services.add(extra)

    counters = section(in_english(client_for("petugas")).get("/").content.decode(), "counters")

    first, second = re.findall(r'<li[^>]*data-testid="counter">.*?</li>\s*</ul>', counters, re.S)
    assert "Every service offered here" not in first and "Children" in first
    assert "Every service offered here" in second and "Service D" not in second


def test_directory_shows_who_is_at_which_counter(tree, users, client_for):
    from weserve.queueing import services

    counter = Counter.objects.get(office=tree.pj, number=2)
    services.open_counter(counter, acting_user=users["petugas"])
    html = in_english(client_for("penyelia")).get("/").content.decode()
    assert 'data-testid="live-presence"' in html
    assert "At counter 2" in html
    services.close_counter(counter, acting_user=users["petugas"])
    html = in_english(client_for("penyelia")).get("/").content.decode()
    assert "At counter 2" not in html
