"""The configuration admin: administrators only, scoped to their offices, nothing deleted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import PASSWORD
from weserve.core.audit import log_action
from weserve.core.models import AuditLog, User
from weserve.organisation.devices import create_device
from weserve.organisation.models import (
    Counter,
    Device,
    Office,
    OpeningHours,
    Section,
    Service,
    StaffMember,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def admin_for(users):
    """A signed-in client for a user of `users`, with the staff flag the admin's door needs."""

    def make(key: str) -> Client:
        user = users[key]
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client = Client()
        client.force_login(user)
        # Messages are asserted in English; the interface defaults to Malay.
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def superuser(tree):
    user = User.objects.create_superuser("root", password=PASSWORD)
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


def changeform_data(response) -> dict:
    """What the browser would send back for an admin change form, unedited."""
    data: dict = {}

    def add(form) -> None:
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif isinstance(value, dt.time):
                data[bound.html_name] = value.strftime("%H:%M")
            else:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def counter_services(tree, *rows) -> dict:
    """The counter page's services inline as posted: `rows` are (code, order)."""
    data = {
        "service_links-TOTAL_FORMS": str(len(rows)),
        "service_links-INITIAL_FORMS": "0",
    }
    for index, (code, rank) in enumerate(rows):
        service = tree.services[code] if isinstance(code, str) else code
        data[f"service_links-{index}-service"] = str(service.pk)
        data[f"service_links-{index}-rank"] = str(rank)
    return data


# --- Who reaches the admin --------------------------------------------------------------


def test_only_administrators_reach_the_admin(users, admin_for):
    assert admin_for("admin").get(url("index")).status_code == 200

    response = admin_for("penyelia").get(url("index"))
    assert response.status_code == 403


def test_signed_out_visitor_is_sent_to_sign_in(db):
    from django.test import Client

    response = Client().get(url("index"))
    assert response.status_code == 302
    assert response.url.startswith(url("login"))


def test_administrator_without_the_staff_flag_is_refused(client_for):
    response = client_for("admin").get(url("index"))

    assert response.status_code == 403


# --- Office scoping --------------------------------------------------------------------


def test_district_admin_lists_only_their_offices_counters(tree, admin_for):
    response = admin_for("admin").get(url("organisation_counter_changelist"))

    assert response.status_code == 200
    listed = {c.office.code for c in response.context["cl"].result_list}
    assert listed == {"PKMD-PJ"}
    assert "PKMD-JB" not in response.content.decode()


def test_hq_admin_lists_every_offices_counters(tree, admin_for):
    response = admin_for("hq_admin").get(url("organisation_counter_changelist"))

    listed = {c.office.code for c in response.context["cl"].result_list}
    assert listed == {"PKMD-PJ", "PKMD-KLANG", "PKMD-JB"}


def test_district_admin_cannot_open_another_offices_counter(tree, admin_for):
    jb_counter = Counter.objects.get(office=tree.jb, number=1)
    client = admin_for("admin")

    response = client.get(url("organisation_counter_change", jb_counter.pk))

    assert response.status_code == 404


def test_district_admin_cannot_change_another_offices_counter(tree, admin_for):
    jb_counter = Counter.objects.get(office=tree.jb, number=1)

    response = admin_for("admin").post(
        url("organisation_counter_change", jb_counter.pk),
        {"name": "Taken over", "number": 9, "kind": "normal", "services": [1]},
    )

    assert response.status_code == 404
    jb_counter.refresh_from_db()
    assert (jb_counter.name, jb_counter.number) == ("", 1)


def test_counter_office_choices_are_only_the_admins_offices(tree, admin_for):
    response = admin_for("admin").get(url("organisation_counter_add"))

    choices = list(response.context["adminform"].form.fields["office"].queryset)
    assert choices == [tree.pj]


def test_district_admin_cannot_add_a_counter_to_another_office(tree, admin_for):
    response = admin_for("admin").post(
        url("organisation_counter_add"),
        {
            "office": tree.jb.pk,
            "number": 9,
            "kind": "normal",
            **counter_services(tree, ("BKK", 1)),
        },
    )

    assert response.status_code == 200
    assert "office" in response.context["adminform"].form.errors
    assert not Counter.objects.filter(number=9).exists()


def test_district_admin_adds_a_counter_with_ordered_services_and_it_is_audited(tree, admin_for):
    response = admin_for("admin").post(
        url("organisation_counter_add"),
        {
            "office": tree.pj.pk,
            "number": 3,
            "name": "Kaunter OKU",
            "kind": "normal",
            "is_active": "on",
            **counter_services(tree, ("INFO", 2), ("OKU", 1)),
        },
    )

    assert response.status_code == 302
    counter = Counter.objects.get(office=tree.pj, number=3)
    assert [s.code for s in counter.ranked_services()] == ["OKU", "INFO"]
    assert dict(counter.service_links.values_list("service__code", "rank")) == {
        "OKU": 1,
        "INFO": 2,
    }
    entry = AuditLog.objects.get(action="organisation.counter.created")
    assert (entry.office_code, entry.target_id, entry.actor) == (
        "PKMD-PJ",
        str(counter.pk),
        "admin",
    )


def _service_rows(data: dict) -> dict[str, str]:
    """{service pk: row prefix} of the services inline in an unedited change form."""
    return {
        v: k[: -len("-service")]
        for k, v in data.items()
        if k.startswith("service_links-") and k.endswith("-service")
    }


def test_district_admin_reorders_a_counters_services_and_sees_them_saved(tree, admin_for):
    client = admin_for("admin")
    counter = Counter.objects.get(office=tree.pj, number=1)
    page = client.get(url("organisation_counter_change", counter.pk))
    data = changeform_data(page)
    rows = _service_rows(data)
    for code, rank in (("BKK", 2), ("OKU", 1), ("INFO", 3)):
        data[f"{rows[str(tree.services[code].pk)]}-rank"] = str(rank)

    response = client.post(url("organisation_counter_change", counter.pk), data)

    assert response.status_code == 302
    assert [s.code for s in counter.ranked_services()] == ["OKU", "BKK", "INFO"]
    entry = AuditLog.objects.filter(action="organisation.counter.changed").get()
    assert entry.target_id == str(counter.pk)
    assert "changed" in str(entry.data["admin"])
    # The page shows them in that order, and the list says so too.
    again = client.get(url("organisation_counter_change", counter.pk))
    inline = again.context["inline_admin_formsets"][0].formset
    assert [f.instance.service.code for f in inline.initial_forms] == ["OKU", "BKK", "INFO"]
    listing = client.get(url("organisation_counter_changelist")).content.decode()
    assert "B › A › C" in listing


def test_district_admin_removes_a_service_from_a_counter(tree, admin_for):
    client = admin_for("admin")
    counter = Counter.objects.get(office=tree.pj, number=1)
    data = changeform_data(client.get(url("organisation_counter_change", counter.pk)))
    data[f"{_service_rows(data)[str(tree.services['INFO'].pk)]}-DELETE"] = "on"

    response = client.post(url("organisation_counter_change", counter.pk), data)

    assert response.status_code == 302
    assert sorted(s.code for s in counter.services.all()) == ["BKK", "OKU"]
    assert Counter.objects.filter(pk=counter.pk).exists()


def test_admin_refuses_a_counter_service_the_office_does_not_offer(tree, admin_for):
    elsewhere = Service.objects.create(
        code="BWE", prefix="D", name_ms="Bantuan Warga Emas", name_en="Older Persons' Aid"
    )
    elsewhere.offices.add(tree.jb)

    response = admin_for("admin").post(
        url("organisation_counter_add"),
        {
            "office": tree.pj.pk,
            "number": 3,
            "kind": "normal",
            **counter_services(tree, ("BKK", 1), (elsewhere, 2)),
        },
    )

    assert response.status_code == 200
    assert "Not offered at PKMD-PJ: Older Persons&#x27; Aid." in response.content.decode()
    assert not Counter.objects.filter(office=tree.pj, number=3).exists()


def test_counter_page_offers_only_the_offices_services(tree, admin_for):
    elsewhere = Service.objects.create(
        code="BWE", prefix="D", name_ms="Bantuan Warga Emas", name_en="Older Persons' Aid"
    )
    elsewhere.offices.add(tree.jb)
    counter = Counter.objects.get(office=tree.pj, number=1)

    page = admin_for("admin").get(url("organisation_counter_change", counter.pk))

    inline = page.context["inline_admin_formsets"][0].formset
    offered = inline.forms[0].fields["service"].queryset
    assert sorted(s.code for s in offered) == ["BKK", "INFO", "OKU"]


def test_duplicate_counter_number_in_the_admin_shows_the_error_and_saves_nothing(tree, admin_for):
    before = Counter.objects.count()

    response = admin_for("admin").post(
        url("organisation_counter_add"),
        {
            "office": tree.pj.pk,
            "number": 1,
            "name": "Kaunter Baru",
            "kind": "normal",
            **counter_services(tree),
        },
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "PKMD-PJ already has a counter 1." in content
    assert "A counter must serve at least one service." in content
    assert 'value="Kaunter Baru"' in content
    assert Counter.objects.count() == before


def test_district_admin_sees_only_their_office(tree, admin_for):
    response = admin_for("admin").get(url("organisation_office_changelist"))

    assert [o.code for o in response.context["cl"].result_list] == ["PKMD-PJ"]
    assert admin_for("admin").get(url("organisation_office_change", tree.jb.pk)).status_code == 404


def test_district_admin_cannot_create_offices(tree, admin_for):
    assert admin_for("admin").get(url("organisation_office_add")).status_code == 403


def test_district_admin_cannot_move_their_office_out_of_its_state(tree, admin_for):
    client = admin_for("admin")
    page = client.get(url("organisation_office_change", tree.pj.pk))
    data = changeform_data(page)
    data.update(parent=str(tree.jhr.pk), kind="state", code="PKMD-XX", phone="03-7777 0000")

    response = client.post(url("organisation_office_change", tree.pj.pk), data)

    assert response.status_code == 302
    tree.pj.refresh_from_db()
    assert (tree.pj.parent, tree.pj.kind, tree.pj.code) == (tree.sgr, "district", "PKMD-PJ")
    assert tree.pj.phone == "03-7777 0000"


def test_district_admin_edits_their_offices_hours_inline(tree, admin_for):
    client = admin_for("admin")
    page = client.get(url("organisation_office_change", tree.pj.pk))
    data = changeform_data(page)
    monday = OpeningHours.objects.get(office=tree.pj, weekday=0)
    row = next(k for k, v in data.items() if k.endswith("-id") and v == str(monday.pk))
    prefix = row[: -len("-id")]
    data[f"{prefix}-opens"], data[f"{prefix}-closes"] = "08:00", "17:00"

    response = client.post(url("organisation_office_change", tree.pj.pk), data)

    assert response.status_code == 302
    monday.refresh_from_db()
    assert (monday.opens, monday.closes) == (dt.time(8), dt.time(17))


def test_hq_admin_creates_a_district_office(tree, admin_for):
    response = admin_for("hq_admin").post(
        url("organisation_office_add"),
        {
            "code": "pkmd-sepang",
            "name_ms": "PKMD Sepang",
            "name_en": "Sepang District Office",
            "kind": "district",
            "parent": tree.sgr.pk,
            "state": "10",
            "follows_state_calendar": "on",
            "priority_wait_minutes": 5,
            "charter_wait_minutes": 15,
            "referral_accept_minutes": 15,
            "is_active": "on",
            "opening_hours-TOTAL_FORMS": 1,
            "opening_hours-INITIAL_FORMS": 0,
            "opening_hours-0-weekday": 0,
            "opening_hours-0-opens": "08:00",
            "opening_hours-0-closes": "17:00",
            "holidays-TOTAL_FORMS": 0,
            "holidays-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    office = Office.objects.get(code="PKMD-SEPANG")
    assert office.parent == tree.sgr
    assert office.opening_hours.count() == 1


def test_staff_directory_is_scoped_to_the_home_office(tree, users, admin_for):
    response = admin_for("admin").get(url("organisation_staffmember_changelist"))

    names = {m.name for m in response.context["cl"].result_list}
    assert "Petugas1" in names
    assert "Petugas.Jb" not in names


def test_section_choices_for_staff_are_the_admins_offices(tree, users, admin_for):
    Section.objects.create(office=tree.pj, code="KP", name_ms="KP", name_en="KP")
    Section.objects.create(office=tree.jb, code="KP", name_ms="KP", name_en="KP")
    member = users["petugas"].staff

    response = admin_for("admin").get(url("organisation_staffmember_change", member.pk))

    sections = response.context["adminform"].form.fields["section"].queryset
    assert {s.office.code for s in sections} == {"PKMD-PJ"}


# --- The service catalogue -------------------------------------------------------------


def test_district_admin_reads_the_service_catalogue_but_cannot_change_it(tree, admin_for):
    client = admin_for("admin")
    service = tree.services["BKK"]

    assert client.get(url("organisation_service_changelist")).status_code == 200
    assert client.get(url("organisation_service_add")).status_code == 403
    client.post(
        url("organisation_service_change", service.pk),
        {"code": "BKK", "prefix": "Z", "name_ms": "Diubah", "name_en": "Changed"},
    )

    service.refresh_from_db()
    assert (service.prefix, service.name_en) == ("A", "Children's Aid")


def test_hq_admin_changes_the_service_catalogue(tree, admin_for):
    service = tree.services["BKK"]

    response = admin_for("hq_admin").post(
        url("organisation_service_change", service.pk),
        {
            "code": "BKK",
            "prefix": "A",
            "name_ms": "Bantuan Kanak-Kanak",
            "name_en": "Children's Assistance",
            "typical_minutes": 12,
            "offices": [tree.pj.pk, tree.jb.pk],
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    service.refresh_from_db()
    assert service.typical_minutes == 12
    assert set(service.offices.all()) == {tree.pj, tree.jb}


# --- Nothing is deleted ----------------------------------------------------------------


@pytest.mark.parametrize(
    "model, lookup",
    [
        ("counter", lambda tree: Counter.objects.get(office=tree.pj, number=1)),
        ("office", lambda tree: tree.pj),
        ("staffmember", lambda tree: StaffMember.objects.filter(home_office=tree.pj).first()),
        ("service", lambda tree: tree.services["BKK"]),
    ],
)
def test_nothing_can_be_deleted_even_by_a_superuser(tree, users, superuser, model, lookup):
    record = lookup(tree)

    response = superuser.post(url(f"organisation_{model}_delete", record.pk), {"post": "yes"})

    assert response.status_code == 403
    assert type(record).objects.filter(pk=record.pk).exists()


def test_bulk_delete_is_not_offered(tree, admin_for):
    response = admin_for("admin").get(url("organisation_counter_changelist"))

    assert "delete_selected" not in response.content.decode()
    counter = Counter.objects.get(office=tree.pj, number=1)
    admin_for("admin").post(
        url("organisation_counter_changelist"),
        {"action": "delete_selected", "_selected_action": [counter.pk], "post": "yes"},
    )
    assert Counter.objects.filter(pk=counter.pk).exists()


def test_users_and_audit_entries_cannot_be_deleted(tree, users, superuser):
    entry = log_action("test.entry", office=tree.pj)
    target = users["petugas"]

    assert superuser.post(url("core_user_delete", target.pk), {"post": "yes"}).status_code == 403
    assert superuser.post(url("core_auditlog_delete", entry.pk), {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=target.pk).exists()
    assert AuditLog.objects.filter(pk=entry.pk).exists()


# --- Devices: look and revoke ----------------------------------------------------------


def test_devices_are_listed_and_revoked_but_never_created_here(tree, admin_for):
    device, raw_token = create_device(tree.pj, Device.Kind.KIOSK, "Kiosk Lobi")
    jb_device, _ = create_device(tree.jb, Device.Kind.DISPLAY, "Paparan JB")
    client = admin_for("admin")

    listing = client.get(url("organisation_device_changelist"))
    assert [d.name for d in listing.context["cl"].result_list] == ["Kiosk Lobi"]
    assert client.get(url("organisation_device_add")).status_code == 403
    page = client.get(url("organisation_device_change", device.pk))
    assert page.status_code == 200
    assert device.token_hash not in page.content.decode()
    assert raw_token not in page.content.decode()

    client.post(
        url("organisation_device_changelist"),
        {"action": "revoke", "_selected_action": [device.pk, jb_device.pk]},
    )

    device.refresh_from_db()
    jb_device.refresh_from_db()
    assert device.revoked_at is not None
    assert jb_device.revoked_at is None
    assert AuditLog.objects.filter(
        action="organisation.device.revoked", target_id=str(device.pk)
    ).exists()


# --- Accounts --------------------------------------------------------------------------


def test_district_admin_sees_only_their_offices_accounts(tree, users, admin_for):
    client = admin_for("admin")

    listing = client.get(url("core_user_changelist"))
    usernames = {u.username for u in listing.context["cl"].result_list}
    assert "petugas1" in usernames
    assert "petugas.jb" not in usernames
    assert "hq.admin" not in usernames

    jb_user = users["jb_petugas"]
    assert client.get(url("core_user_change", jb_user.pk)).status_code == 404
    assert client.get(url("auth_user_password_change", jb_user.pk)).status_code == 404


def test_district_admin_creates_an_account_with_its_directory_entry(tree, users, admin_for):
    response = admin_for("admin").post(
        url("core_user_add"),
        {
            "username": "petugas3",
            "first_name": "Aminah binti Said",
            "home_office": tree.pj.pk,
            "position": "Pembantu Tadbir (N19)",
            "usable_password": "true",
            "password1": "kaunter-baru-2026",
            "password2": "kaunter-baru-2026",
            "groups": [users["petugas"].groups.get().pk],
        },
    )

    assert response.status_code == 302
    user = User.objects.get(username="petugas3")
    assert user.check_password("kaunter-baru-2026")
    assert user.staff.home_office == tree.pj
    assert user.staff.name == "Aminah binti Said"
    assert [g.name for g in user.groups.all()] == ["Petugas Kaunter"]
    assert not user.is_staff


def test_district_admin_cannot_create_an_account_in_another_office(tree, admin_for):
    response = admin_for("admin").post(
        url("core_user_add"),
        {
            "username": "penyusup",
            "home_office": tree.jb.pk,
            "usable_password": "true",
            "password1": "kaunter-baru-2026",
            "password2": "kaunter-baru-2026",
        },
    )

    assert response.status_code == 200
    assert "home_office" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="penyusup").exists()
    assert not StaffMember.objects.filter(name="penyusup").exists()


def test_granting_the_administrator_role_opens_the_admin(tree, users, admin_for):
    client = admin_for("admin")
    target = users["petugas"]
    page = client.get(url("core_user_change", target.pk))
    data = changeform_data(page)
    admin_group = users["admin"].groups.get()
    data["groups"] = [str(admin_group.pk)]

    response = client.post(url("core_user_change", target.pk), data)

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_staff
    assert [g.name for g in target.groups.all()] == ["Pentadbir"]


def test_district_admin_changes_a_password_with_the_admin_form(tree, users, admin_for):
    target = users["petugas"]

    response = admin_for("admin").post(
        url("auth_user_password_change", target.pk),
        {
            "usable_password": "true",
            "password1": "kata-laluan-baharu-1",
            "password2": "kata-laluan-baharu-1",
        },
    )

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password("kata-laluan-baharu-1")
    assert AuditLog.objects.filter(action="core.user.changed", target_id=str(target.pk)).exists()


def test_role_choices_are_the_weserve_roles(tree, users, admin_for):
    response = admin_for("admin").get(url("core_user_change", users["petugas"].pk))

    roles = {g.name for g in response.context["adminform"].form.fields["groups"].queryset}
    assert roles == {
        "Pentadbir",
        "Penyelia",
        "Petugas Kaunter",
        "Telefonis",
        "Pegawai",
        "Pegawai Aduan",
        "Ketua Jabatan",
    }
    assert "is_superuser" not in response.context["adminform"].form.fields


# --- The audit log ---------------------------------------------------------------------


def test_audit_log_is_read_only_and_scoped(tree, admin_for):
    log_action("test.pj", office=tree.pj)
    log_action("test.jb", office=tree.jb)
    client = admin_for("admin")

    listing = client.get(url("core_auditlog_changelist"))

    assert {e.action for e in listing.context["cl"].result_list} == {"test.pj"}
    assert client.get(url("core_auditlog_add")).status_code == 403


def test_hq_admin_reads_every_offices_audit_entries(tree, admin_for):
    log_action("test.pj", office=tree.pj)
    log_action("test.jb", office=tree.jb)

    listing = admin_for("hq_admin").get(url("core_auditlog_changelist"))

    assert {"test.pj", "test.jb"} <= {e.action for e in listing.context["cl"].result_list}


def test_changelist_filters_name_only_the_admins_offices(tree, admin_for):
    response = admin_for("admin").get(url("organisation_counter_changelist"))

    content = response.content.decode()
    assert "PKMD-KLANG" not in content


# --- Every page renders ----------------------------------------------------------------


@pytest.mark.parametrize("key", ["admin", "hq_admin"])
def test_every_admin_page_of_an_own_record_renders(tree, users, admin_for, key):
    device, _ = create_device(
        tree.pj, Device.Kind.RATING, "Tablet 1", counter=tree.pj.counters.first()
    )
    section = Section.objects.create(office=tree.pj, code="KP", name_ms="KP", name_en="KP")
    entry = log_action("test.pj", office=tree.pj)
    records = {
        "organisation_office": tree.pj,
        "organisation_section": section,
        "organisation_staffmember": users["petugas"].staff,
        "organisation_service": tree.services["BKK"],
        "organisation_counter": tree.pj.counters.first(),
        "organisation_device": device,
        "core_user": users["petugas"],
        "core_auditlog": entry,
    }
    client = admin_for(key)

    assert client.get(url("index")).status_code == 200
    assert client.get(url("core_user_add")).status_code == 200
    for name, record in records.items():
        assert client.get(url(f"{name}_changelist")).status_code == 200, name
        assert client.get(url(f"{name}_change", record.pk)).status_code == 200, name
    for name in ("section", "staffmember", "counter"):
        assert client.get(url(f"organisation_{name}_add")).status_code == 200, name


def test_hq_admin_add_pages_render(tree, admin_for):
    client = admin_for("hq_admin")

    for name in ("office", "service", "section", "staffmember", "counter"):
        assert client.get(url(f"organisation_{name}_add")).status_code == 200, name


def test_district_admin_removes_a_holiday_override_and_an_opening_hours_row(tree, admin_for):
    from weserve.organisation.models import OfficeHoliday, OpeningHours

    holiday = OfficeHoliday.objects.create(
        office=tree.pj, date=dt.date(2026, 12, 24), name="Gotong-royong"
    )
    friday = OpeningHours.objects.get(office=tree.pj, weekday=4)
    client = admin_for("admin")
    data = changeform_data(client.get(url("organisation_office_change", tree.pj.pk)))
    for prefix, pk in (("holidays", holiday.pk), ("opening_hours", friday.pk)):
        row = next(
            key.removesuffix("-id")
            for key, value in data.items()
            if key.startswith(prefix) and key.endswith("-id") and value == str(pk)
        )
        data[f"{row}-DELETE"] = "on"

    response = client.post(url("organisation_office_change", tree.pj.pk), data)

    assert response.status_code == 302
    assert not OfficeHoliday.objects.filter(pk=holiday.pk).exists()
    assert not OpeningHours.objects.filter(pk=friday.pk).exists()
    assert Office.objects.filter(pk=tree.pj.pk).exists()
    entry = AuditLog.objects.filter(action="organisation.office.changed").get()
    assert "deleted" in str(entry.data["admin"])


def test_admin_index_names_every_record_kind_in_malay(tree, admin_for):
    client = admin_for("admin")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ms"
    page = client.get(reverse("admin:index")).content.decode()
    assert "Sesi kaunter" in page
    assert "Counter sessions" not in page
