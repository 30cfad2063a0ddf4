"""Configuration forms: bad input gets a clear error, keeps what was typed, saves nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from weserve.organisation.forms import (
    CounterForm,
    CounterServiceFormSet,
    OfficeForm,
    OpeningHoursForm,
    SectionForm,
    ServiceForm,
    StaffMemberForm,
)
from weserve.organisation.models import Counter, Office, Section, Service, StaffMember


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def office_data(tree, **overrides):
    data = {
        "code": "PKMD-SEPANG",
        "name_ms": "Pejabat Kebajikan Masyarakat Daerah Sepang",
        "name_en": "Sepang District Social Welfare Office",
        "kind": Office.Kind.DISTRICT,
        "parent": tree.sgr.pk,
        "address": "Jalan Besar, 43900 Sepang",
        "state": "10",
        "phone": "03-3142 1000",
        "follows_state_calendar": "on",
        "priority_wait_minutes": 5,
        "charter_wait_minutes": 15,
        "referral_accept_minutes": 15,
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_valid_office_form_saves_the_office(tree):
    form = OfficeForm(data=office_data(tree, code="pkmd-sepang"))

    assert form.is_valid(), form.errors
    office = form.save()

    assert office.code == "PKMD-SEPANG"
    assert office.parent == tree.sgr


def test_office_code_with_spaces_is_refused_and_kept_as_typed(tree):
    before = Office.objects.count()
    form = OfficeForm(data=office_data(tree, code="PKMD SEPANG!"))

    assert not form.is_valid()
    assert form.errors["code"] == ["Use capital letters, digits and hyphens, e.g. PKMD-PJ."]
    assert form["code"].value() == "PKMD SEPANG!"
    assert Office.objects.count() == before


def test_duplicate_office_code_is_refused_whatever_its_case(tree):
    before = Office.objects.count()
    form = OfficeForm(data=office_data(tree, code="pkmd-pj"))

    assert not form.is_valid()
    assert form.errors["code"] == ["An office with this code already exists."]
    assert Office.objects.count() == before


def test_district_office_must_report_to_a_state_office(tree):
    form = OfficeForm(data=office_data(tree, parent=tree.pj.pk))

    assert not form.is_valid()
    assert form.errors["parent"] == ["A district office reports to a state office (JKMN)."]


def test_office_with_offices_under_it_cannot_change_kind(tree):
    data = office_data(
        tree, code="JKMN-SGR", kind=Office.Kind.DISTRICT, parent=tree.jhr.pk, state="10"
    )
    form = OfficeForm(data=data, instance=tree.sgr)

    assert not form.is_valid()
    assert form.errors["kind"] == ["Offices report to this one, so its kind cannot change."]
    tree.sgr.refresh_from_db()
    assert tree.sgr.kind == Office.Kind.STATE


def counter_data(tree, services=(("BKK", 1),), **overrides):
    """A counter form and its services formset as posted: `services` are (code, rank)."""
    data = {
        "office": tree.pj.pk,
        "number": 3,
        "name": "Kaunter Warga Emas",
        "kind": Counter.Kind.NORMAL,
        "is_active": "on",
        "service_links-TOTAL_FORMS": str(len(services)),
        "service_links-INITIAL_FORMS": "0",
    }
    for index, (code, rank) in enumerate(services):
        service = tree.services[code] if isinstance(code, str) else code
        data[f"service_links-{index}-service"] = str(service.pk)
        data[f"service_links-{index}-rank"] = str(rank)
    data.update(overrides)
    return data


def counter_forms(data, instance=None):
    """The counter's form and its services formset, bound as the admin binds them."""
    form = CounterForm(data=data, instance=instance)
    formset = CounterServiceFormSet(data=data, instance=form.instance)
    return form, formset


def test_counter_with_ranked_services_is_saved_with_its_order(tree):
    form, formset = counter_forms(counter_data(tree, services=[("INFO", 2), ("BKK", 1)]))

    assert form.is_valid(), form.errors
    assert formset.is_valid(), (formset.errors, formset.non_form_errors())
    counter = form.save()
    formset.instance = counter
    formset.save()

    assert [s.code for s in counter.ranked_services()] == ["BKK", "INFO"]
    assert dict(counter.service_links.values_list("service__code", "rank")) == {
        "BKK": 1,
        "INFO": 2,
    }


def test_counter_without_services_is_refused(tree):
    form, formset = counter_forms(counter_data(tree, services=[]))

    assert form.is_valid()
    assert not formset.is_valid()
    assert formset.non_form_errors() == ["A counter must serve at least one service."]
    assert form["name"].value() == "Kaunter Warga Emas"
    assert not Counter.objects.filter(office=tree.pj, number=3).exists()


def test_counter_whose_only_service_is_removed_is_refused(tree):
    counter = Counter.objects.get(office=tree.pj, number=1)
    counter.services.set([tree.services["BKK"]])
    link = counter.service_links.get()
    data = counter_data(tree, number=1, services=[("BKK", 1)])
    data.update(
        {
            "service_links-INITIAL_FORMS": "1",
            "service_links-0-id": str(link.pk),
            "service_links-0-DELETE": "on",
        }
    )

    form, formset = counter_forms(data, instance=counter)

    assert not formset.is_valid()
    assert formset.non_form_errors() == ["A counter must serve at least one service."]


def test_counter_service_order_starts_at_one(tree):
    form, formset = counter_forms(counter_data(tree, services=[("BKK", 0)]))

    form.is_valid()
    assert not formset.is_valid()
    assert formset.errors[0]["rank"] == ["Ensure this value is greater than or equal to 1."]


def test_counter_cannot_list_a_service_twice(tree):
    form, formset = counter_forms(counter_data(tree, services=[("BKK", 1), ("BKK", 2)]))

    form.is_valid()
    assert not formset.is_valid()
    assert formset.non_form_errors() == ["Each service once only: Children's Aid."]


def test_counter_number_already_used_in_that_office_is_refused(tree):
    form = CounterForm(data=counter_data(tree, number=1))

    assert not form.is_valid()
    assert form.errors["number"] == ["PKMD-PJ already has a counter 1."]
    assert Counter.objects.filter(office=tree.pj, number=1).count() == 1


def test_counter_number_used_only_in_another_office_is_fine(tree):
    Counter.objects.create(office=tree.jb, number=3).services.add(tree.services["BKK"])

    form = CounterForm(data=counter_data(tree, number=3))

    assert form.is_valid(), form.errors


def test_counter_cannot_serve_a_service_the_office_does_not_offer(tree):
    elsewhere = Service.objects.create(
        code="BWE", prefix="D", name_ms="Bantuan Warga Emas", name_en="Older Persons' Aid"
    )
    elsewhere.offices.add(tree.jb)

    form, formset = counter_forms(counter_data(tree, services=[("BKK", 1), (elsewhere, 2)]))

    assert form.is_valid()
    assert not formset.is_valid()
    assert formset.non_form_errors() == ["Not offered at PKMD-PJ: Older Persons' Aid."]


def service_data(**overrides):
    data = {
        "code": "BWE",
        "prefix": "D",
        "name_ms": "Bantuan Warga Emas",
        "name_en": "Older Persons' Assistance",
        "description_ms": "",
        "description_en": "",
        "typical_minutes": 15,
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_service_prefix_already_used_is_refused(tree):
    form = ServiceForm(data=service_data(prefix="a"))

    assert not form.is_valid()
    assert form.errors["prefix"] == ["The prefix A is already used by Children's Aid."]
    assert not Service.objects.filter(code="BWE").exists()


def test_service_prefix_must_be_one_letter(tree):
    form = ServiceForm(data=service_data(prefix="7"))

    assert not form.is_valid()
    assert form.errors["prefix"] == ["One capital letter, A to Z."]


def test_new_service_with_a_free_prefix_is_saved(tree):
    form = ServiceForm(data=service_data(prefix="d", offices=[tree.pj.pk]))

    assert form.is_valid(), form.errors
    service = form.save()

    assert service.prefix == "D"
    assert list(service.offices.all()) == [tree.pj]


def staff_data(tree, **overrides):
    data = {
        "name": "Aminah binti Said",
        "position": "Pembantu Tadbir",
        "home_office": tree.pj.pk,
        "extension": "2150",
        "phone": "012-345 6789",
        "presence": StaffMember.Presence.IN_OFFICE,
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_staff_member_with_an_invalid_phone_is_refused_and_kept_as_typed(tree):
    form = StaffMemberForm(data=staff_data(tree, phone="12345"))

    assert not form.is_valid()
    assert form.errors["phone"] == ["Enter a valid phone number, e.g. 012-345 6789."]
    assert form["phone"].value() == "12345"
    assert not StaffMember.objects.filter(name="Aminah binti Said").exists()


def test_staff_member_phone_is_stored_in_international_form(tree):
    form = StaffMemberForm(data=staff_data(tree))

    assert form.is_valid(), form.errors
    member = form.save()
    member.refresh_from_db()

    assert member.phone == "+60123456789"


def test_staff_member_section_must_belong_to_the_home_office(tree):
    jb_section = Section.objects.create(
        office=tree.jb, code="BWE", name_ms="Bahagian Warga Emas", name_en="Older Persons"
    )

    form = StaffMemberForm(data=staff_data(tree, section=jb_section.pk))

    assert not form.is_valid()
    assert form.errors["section"] == ["Choose a section of the person's home office."]


def test_staff_extension_must_be_digits(tree):
    form = StaffMemberForm(data=staff_data(tree, extension="ext 5"))

    assert not form.is_valid()
    assert form.errors["extension"] == ["An extension is 2 to 6 digits."]


def test_section_code_is_unique_within_its_office(tree):
    Section.objects.create(office=tree.pj, code="BWE", name_ms="Warga Emas", name_en="Elderly")

    form = SectionForm(
        data={"office": tree.pj.pk, "code": "bwe", "name_ms": "Lain", "name_en": "Other"}
    )

    assert not form.is_valid()
    assert form.errors["code"] == ["This office already has a section with the code BWE."]


def test_opening_hours_must_close_after_they_open(tree):
    form = OpeningHoursForm(data={"weekday": 0, "opens": "17:00", "closes": "08:00"})

    assert not form.is_valid()
    assert form.errors["closes"] == [
        "The closing time must be after the opening time (00:00 means midnight)."
    ]


def test_opening_hours_may_close_at_midnight(tree):
    form = OpeningHoursForm(data={"weekday": 0, "opens": "08:00", "closes": "00:00"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["closes"] == dt.time(0, 0)
