"""Revealing and looking up MyKad numbers: only permitted roles, always audited."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.template.loader import render_to_string

from tests.core.models_for_tests import PersonForTests, person_table  # noqa: F401
from weserve.core import crypto
from weserve.core.models import AuditLog
from weserve.core.personal import (
    MYKAD_LOOKUP,
    MYKAD_REVEAL_DENIED,
    MYKAD_REVEALED,
    PERSONAL_EXPORTED,
    PERSONAL_VIEWED,
    can_reveal_mykad,
    find_by_mykad,
    log_export,
    log_personal_view,
    reveal_mykad,
)

pytestmark = pytest.mark.usefixtures("person_table")

MYKAD = "850101-14-5123"
DIGITS = "850101145123"
REVEAL_URL = "/personal/mykad/reveal/"


@pytest.fixture
def pj_person(tree):
    return PersonForTests.objects.create(office=tree.pj, name="Siti", mykad=MYKAD)


@pytest.fixture
def jb_person(tree):
    return PersonForTests.objects.create(office=tree.jb, name="Ahmad", mykad=MYKAD)


def audit_text() -> str:
    """Every audit entry, every column, as one string: what a leak would show up in."""
    rows = AuditLog.objects.values()
    return json.dumps(list(rows), default=str)


def assert_number_never_logged() -> None:
    text = audit_text()
    assert DIGITS not in text
    assert MYKAD not in text
    assert crypto.lookup_hash(DIGITS) not in text


def actions() -> list[str]:
    return list(AuditLog.objects.order_by("id").values_list("action", flat=True))


@pytest.mark.parametrize("who", ["penyelia", "admin", "hq_admin"])
def test_supervisor_and_admin_can_reveal_and_the_reveal_is_audited(tree, users, pj_person, who):
    number = reveal_mykad(pj_person, "mykad", user=users[who], office=tree.pj, ip="10.0.0.5")
    assert number == MYKAD
    entry = AuditLog.objects.get(action=MYKAD_REVEALED)
    assert entry.user == users[who]
    assert entry.office_code == "PKMD-PJ"
    assert entry.target_type == "core.personfortests"
    assert entry.target_id == str(pj_person.pk)
    assert entry.data == {"field": "mykad"}
    assert entry.ip == "10.0.0.5"
    assert_number_never_logged()


def test_superuser_can_reveal(tree, pj_person):
    from weserve.core.models import User

    root = User.objects.create_superuser("root", password="x")
    assert reveal_mykad(pj_person, "mykad", user=root, office=None) == MYKAD
    assert actions() == [MYKAD_REVEALED]


@pytest.mark.parametrize("who", ["petugas", "telefonis", "pegawai", "aduan", "ketua"])
def test_other_roles_cannot_reveal_and_nothing_is_logged_as_revealed(tree, users, pj_person, who):
    with pytest.raises(PermissionDenied):
        reveal_mykad(pj_person, "mykad", user=users[who], office=tree.pj)
    assert actions() == [MYKAD_REVEAL_DENIED]
    denied = AuditLog.objects.get()
    assert denied.data == {"field": "mykad", "reason": "role"}
    assert denied.office_code == "PKMD-PJ"
    assert_number_never_logged()


def test_supervisor_of_another_district_gets_not_found(tree, users, pj_person):
    with pytest.raises(Http404):
        reveal_mykad(pj_person, "mykad", user=users["jb_penyelia"], office=tree.jb)
    assert MYKAD_REVEALED not in actions()


def test_reveal_refuses_an_office_the_person_cannot_work_in(tree, users, pj_person):
    with pytest.raises(Http404):
        reveal_mykad(pj_person, "mykad", user=users["penyelia"], office=tree.jb)
    assert MYKAD_REVEALED not in actions()


def test_can_reveal_mykad_matches_what_reveal_allows(tree, users, pj_person):
    assert can_reveal_mykad(users["penyelia"], pj_person)
    assert can_reveal_mykad(users["admin"], pj_person)
    assert not can_reveal_mykad(users["petugas"], pj_person)
    assert not can_reveal_mykad(users["jb_penyelia"], pj_person)
    assert not can_reveal_mykad(users["ketua"], pj_person)


def test_reveal_of_an_empty_number_returns_nothing_and_logs_nothing(tree, users):
    person = PersonForTests.objects.create(office=tree.pj, name="No card")
    assert reveal_mykad(person, "mykad", user=users["penyelia"], office=tree.pj) == ""
    assert actions() == []


def test_reveal_rejects_a_field_that_is_not_a_mykad(tree, users, pj_person):
    with pytest.raises(ValueError, match="not a MyKadField"):
        reveal_mykad(pj_person, "phone", user=users["penyelia"], office=tree.pj)


# --- the reveal endpoint -----------------------------------------------------------


def reveal_post(client, person, **extra):
    data = {"record": "core.personfortests", "pk": person.pk, "field": "mykad", **extra}
    return client.post(REVEAL_URL, data)


def test_supervisor_sees_full_number_from_the_reveal_endpoint(client_for, pj_person):
    response = reveal_post(client_for("penyelia"), pj_person)
    assert response.status_code == 200
    assert MYKAD in response.content.decode()
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert actions() == [MYKAD_REVEALED]


def test_reveal_endpoint_answers_htmx_with_just_the_number(client_for, pj_person):
    client = client_for("penyelia")
    response = client.post(
        REVEAL_URL,
        {"record": "core.personfortests", "pk": pj_person.pk, "field": "mykad"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert 'data-testid="mykad-revealed"' in response.content.decode()


def test_counter_staff_get_403_from_the_reveal_endpoint(client_for, pj_person):
    response = reveal_post(client_for("petugas"), pj_person)
    assert response.status_code == 403
    assert DIGITS not in response.content.decode() and MYKAD not in response.content.decode()
    assert MYKAD_REVEALED not in actions()


def test_other_district_supervisor_gets_404_from_the_reveal_endpoint(client_for, pj_person):
    response = reveal_post(client_for("jb_penyelia"), pj_person)
    assert response.status_code == 404
    assert MYKAD_REVEALED not in actions()


def test_reveal_endpoint_accepts_no_get(client_for, pj_person):
    response = client_for("penyelia").get(
        REVEAL_URL, {"record": "core.personfortests", "pk": pj_person.pk, "field": "mykad"}
    )
    assert response.status_code == 405
    assert actions() == []


@pytest.mark.parametrize(
    "extra",
    [
        {"record": "core.nosuchmodel"},
        {"record": "nonsense"},
        {"field": "phone"},
        {"field": "name"},
        {"pk": "999999"},
        {"pk": "abc"},
    ],
)
def test_reveal_endpoint_gives_404_for_unknown_records_and_fields(client_for, pj_person, extra):
    response = reveal_post(client_for("penyelia"), pj_person, **extra)
    assert response.status_code == 404
    assert MYKAD_REVEALED not in actions()


def test_signed_out_visitor_is_sent_to_login(client, pj_person):
    response = reveal_post(client, pj_person)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_mykad_partial_posts_the_reveal_and_keeps_the_number_out_of_urls(pj_person):
    html = render_to_string(
        "core/_mykad.html",
        {
            "record_label": "core.personfortests",
            "record_pk": pj_person.pk,
            "field": "mykad",
            "masked": pj_person.mykad.masked,
            "can_reveal": True,
        },
    )
    assert "******-**-5123" in html
    assert 'method="post"' in html and f'hx-post="{REVEAL_URL}"' in html
    assert DIGITS not in html and MYKAD not in html


# --- look-up by MyKad --------------------------------------------------------------


def test_lookup_finds_exact_matches_in_visible_offices_only(tree, users, pj_person, jb_person):
    PersonForTests.objects.create(office=tree.pj, name="Other", mykad="900202-10-1234")
    found = find_by_mykad(
        PersonForTests.objects.all(), "850101145123", user=users["petugas"], office=tree.pj
    )
    assert found == [pj_person]


def test_lookup_is_audited_without_the_number(tree, users, pj_person):
    find_by_mykad(
        PersonForTests.objects.all(), MYKAD, user=users["petugas"], office=tree.pj, ip="10.0.0.9"
    )
    entry = AuditLog.objects.get(action=MYKAD_LOOKUP)
    assert entry.user == users["petugas"]
    assert entry.office_code == "PKMD-PJ"
    assert entry.data == {
        "record_type": "core.personfortests",
        "field": "mykad",
        "matches": 1,
        "ids": [str(pj_person.pk)],
    }
    assert_number_never_logged()


def test_lookup_with_no_match_is_still_audited(tree, users):
    found = find_by_mykad(
        PersonForTests.objects.all(), MYKAD, user=users["penyelia"], office=tree.pj
    )
    assert found == []
    assert AuditLog.objects.get(action=MYKAD_LOOKUP).data["matches"] == 0


def test_lookup_with_an_invalid_number_is_refused_and_changes_nothing(tree, users, pj_person):
    with pytest.raises(ValidationError):
        find_by_mykad(
            PersonForTests.objects.all(), "850101-17-5123", user=users["petugas"], office=tree.pj
        )
    assert actions() == []


def test_lookup_in_an_office_one_cannot_see_is_not_found(tree, users, pj_person):
    with pytest.raises(Http404):
        find_by_mykad(PersonForTests.objects.all(), MYKAD, user=users["jb_petugas"], office=tree.pj)
    assert actions() == []


def test_lookup_finds_rows_hashed_before_a_key_rotation(tree, users, pj_person, monkeypatch):
    from cryptography.fernet import Fernet

    old = crypto._raw_keys()[0]
    monkeypatch.setenv("WESERVE_DATA_KEY", f"{Fernet.generate_key().decode()},{old}")
    crypto.reset_cache()
    try:
        found = find_by_mykad(
            PersonForTests.objects.all(), MYKAD, user=users["penyelia"], office=tree.pj
        )
        assert found == [pj_person]
    finally:
        monkeypatch.undo()
        crypto.reset_cache()


# --- detail views and exports ------------------------------------------------------


def test_personal_view_is_logged_against_the_records_office(tree, users, pj_person):
    log_personal_view(pj_person, user=users["petugas"], fields=["phone", "name"], ip="10.0.0.1")
    entry = AuditLog.objects.get(action=PERSONAL_VIEWED)
    assert entry.office_code == "PKMD-PJ"
    assert entry.target_id == str(pj_person.pk)
    assert entry.data == {"fields": ["name", "phone"]}


def test_export_is_logged_with_mykad_like_filters_masked(tree, users):
    log_export(
        user=users["admin"],
        office=tree.pj,
        export="register.visits",
        rows=42,
        fmt="xlsx",
        fields=["name", "mykad"],
        filters={"q": "850101-14-5123", "day": "2026-11-26", "ids": ["850101145123"]},
    )
    entry = AuditLog.objects.get(action=PERSONAL_EXPORTED)
    assert entry.office_code == "PKMD-PJ"
    assert entry.data["rows"] == 42
    assert entry.data["format"] == "xlsx"
    assert entry.data["filters"] == {
        "q": "******-**-5123",
        "day": "2026-11-26",
        "ids": ["******-**-5123"],
    }
    assert_number_never_logged()
