"""The personal-data fields: validated, normalised, encrypted at rest, hashed for look-up."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.db import connection
from django.forms import modelform_factory
from django.template import Context, Template
from django.utils import translation
from django.utils.functional import Promise

from tests.core.models_for_tests import PersonForTests, person_table  # noqa: F401
from weserve.core import crypto
from weserve.core.fields import MyKad, MyKadField, normalise_mykad, normalise_phone

MYKAD = "850101-14-5123"
DIGITS = "850101145123"

pytestmark = pytest.mark.usefixtures("person_table")


def raw_row(pk: int) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT mykad, mykad_hash, phone FROM test_core_person WHERE id = %s", [pk])
        return cursor.fetchone()


def make_person(tree, **kwargs):
    return PersonForTests.objects.create(office=tree.pj, name="Siti", **kwargs)


@pytest.mark.parametrize("raw", ["850101-14-5123", "850101145123", " 850101 14 5123 "])
def test_mykad_is_normalised_to_twelve_digits(raw):
    assert normalise_mykad(raw) == DIGITS


@pytest.mark.parametrize(
    "raw",
    [
        "850101-17-5123",  # 17 is not a place-of-birth code
        "851301-14-5123",  # month 13
        "850101-14-512",  # too short
        "abcdef-gh-ijkl",
        "",
    ],
)
def test_invalid_mykad_is_rejected_with_translated_message(raw):
    with translation.override("en"), pytest.raises(ValidationError) as english:
        normalise_mykad(raw)
    with translation.override("en"):  # the message is lazy: read it in English too
        assert "Enter a valid MyKad number" in english.value.messages[0]
    assert english.value.error_list[0].code == "invalid_mykad"


def test_mykad_is_stored_encrypted_with_no_digits_in_the_column(tree):
    person = make_person(tree, mykad=MYKAD)
    stored, stored_hash, _phone = raw_row(person.pk)
    assert stored
    assert DIGITS not in stored
    assert "5123" not in stored
    assert "850101" not in stored
    assert crypto.decrypt(stored) == DIGITS


def test_two_saves_of_the_same_mykad_give_different_ciphertext_but_one_hash(tree):
    first = make_person(tree, mykad=MYKAD)
    second = make_person(tree, mykad="850101145123")
    assert raw_row(first.pk)[0] != raw_row(second.pk)[0]
    assert raw_row(first.pk)[1] == raw_row(second.pk)[1] == crypto.lookup_hash(DIGITS)


def test_hash_column_allows_exact_lookup(tree):
    person = make_person(tree, mykad=MYKAD)
    make_person(tree, mykad="900202-10-1234")
    found = PersonForTests.objects.filter(mykad_hash=crypto.lookup_hash(normalise_mykad(MYKAD)))
    assert list(found) == [person]


def test_hash_is_not_a_plain_hash_of_the_number(tree):
    import hashlib

    person = make_person(tree, mykad=MYKAD)
    assert person.mykad_hash != hashlib.sha256(DIGITS.encode()).hexdigest()
    assert DIGITS not in person.mykad_hash


def test_mykad_reads_back_as_mykad_with_mask(tree):
    person = make_person(tree, mykad=MYKAD)
    fresh = PersonForTests.objects.get(pk=person.pk)
    assert isinstance(fresh.mykad, MyKad)
    assert fresh.mykad == DIGITS
    assert fresh.mykad.masked == "******-**-5123"
    assert fresh.mykad.formatted == MYKAD


def test_saved_instance_holds_the_normalised_mykad(tree):
    person = make_person(tree, mykad=MYKAD)
    assert isinstance(person.mykad, MyKad)
    assert person.mykad == DIGITS


def test_template_and_repr_show_the_mykad_masked(tree):
    person = PersonForTests.objects.get(pk=make_person(tree, mykad=MYKAD).pk)
    rendered = Template("{{ p.mykad }}").render(Context({"p": person}))
    assert rendered == "******-**-5123"
    assert DIGITS not in repr(person.mykad)


def test_invalid_mykad_fails_model_validation(tree):
    person = PersonForTests(office=tree.pj, name="Ali", mykad="850101-17-5123")
    with pytest.raises(ValidationError) as error:
        person.full_clean()
    assert "mykad" in error.value.message_dict


def test_empty_mykad_stores_empty_and_no_hash(tree):
    person = make_person(tree)
    assert raw_row(person.pk)[:2] == ("", "")
    assert PersonForTests.objects.get(pk=person.pk).mykad == ""


def test_encrypted_field_refuses_lookups_on_ciphertext(tree):
    with pytest.raises(TypeError, match="hash field"):
        PersonForTests.objects.filter(mykad=MYKAD).count()
    with pytest.raises(TypeError):
        PersonForTests.objects.filter(phone__contains="123").count()


def test_mykad_field_without_hash_field_fails_the_system_check():
    field = MyKadField()
    field.set_attributes_from_name("mykad")
    field.model = PersonForTests
    assert [e.id for e in field.check()] == ["weserve.E101"]
    field.hash_field = "nope"
    assert [e.id for e in field.check()] == ["weserve.E102"]


def test_form_field_validates_and_never_shows_stored_number(tree):
    form_class = modelform_factory(PersonForTests, fields=["name", "mykad", "phone"])
    bad = form_class(data={"name": "A", "mykad": "850101-17-5123", "phone": ""})
    assert not bad.is_valid()
    assert "mykad" in bad.errors
    good = form_class(data={"name": "A", "mykad": "900202-10-1234", "phone": "012-345 6789"})
    assert good.is_valid(), good.errors
    saved = good.save(commit=False)
    saved.office = tree.pj
    saved.save()
    assert PersonForTests.objects.get(pk=saved.pk).mykad == "900202101234"
    edit = form_class(instance=PersonForTests.objects.get(pk=saved.pk))
    html = str(edit["mykad"])
    assert "900202" not in html
    assert 'value="******-**-1234"' in html


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("012-345 6789", "+60123456789"),
        ("0123456789", "+60123456789"),
        ("+60 12-345 6789", "+60123456789"),
        ("03-7956 1234", "+60379561234"),
        ("011-2345 6789", "+601123456789"),
    ],
)
def test_malaysian_phone_numbers_are_normalised(raw, e164):
    assert normalise_phone(raw) == e164


@pytest.mark.parametrize("raw", ["12345", "012-34", "not a number", "+60 1"])
def test_invalid_phone_is_rejected_with_translated_message(raw):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        normalise_phone(raw)
    with translation.override("en"):  # the message is lazy: read it in English too
        assert "Enter a valid phone number" in error.value.messages[0]


def test_field_messages_are_lazy_translations():
    for bad, normalise in (("12345", normalise_phone), ("850101-17-5123", normalise_mykad)):
        with pytest.raises(ValidationError) as error:
            normalise(bad)
        # Resolved in the reader's language when shown, not frozen at import time.
        assert isinstance(error.value.error_list[0].message, Promise)


def test_phone_is_stored_encrypted_and_reads_back_normalised(tree):
    person = make_person(tree, phone="012-345 6789")
    assert person.phone == "+60123456789"
    stored = raw_row(person.pk)[2]
    assert "6789" not in stored and "0123" not in stored
    assert crypto.decrypt(stored) == "+60123456789"
    assert PersonForTests.objects.get(pk=person.pk).phone == "+60123456789"


def test_invalid_phone_fails_model_validation(tree):
    person = PersonForTests(office=tree.pj, name="Ali", phone="12345")
    with pytest.raises(ValidationError) as error:
        person.full_clean()
    assert "phone" in error.value.message_dict


def test_rows_written_before_a_key_rotation_stay_readable_and_findable(tree, monkeypatch):
    person = make_person(tree, mykad=MYKAD)
    old_key = crypto._raw_keys()[0]
    monkeypatch.setenv("WESERVE_DATA_KEY", f"{Fernet.generate_key().decode()},{old_key}")
    crypto.reset_cache()
    try:
        assert PersonForTests.objects.get(pk=person.pk).mykad == DIGITS
        assert person.mykad_hash in crypto.lookup_hashes(DIGITS)
        assert crypto.lookup_hash(DIGITS) != person.mykad_hash
    finally:
        monkeypatch.undo()
        crypto.reset_cache()


def test_reading_a_stored_value_never_revalidates_it(tree):
    # A row written under an older validation rule must stay readable.
    person = make_person(tree, mykad=MYKAD, phone="012-345 6789")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE test_core_person SET mykad = %s, phone = %s WHERE id = %s",
            [crypto.encrypt("850101175123"), crypto.encrypt("+6012"), person.pk],
        )
    fresh = PersonForTests.objects.get(pk=person.pk)
    assert fresh.mykad.masked == "******-**-5123"
    assert fresh.phone == "+6012"
