"""A test-only record carrying personal data; its table is made by a fixture, not a migration."""

from __future__ import annotations

import pytest
from django.db import connection, models

from weserve.core.fields import MyKadField, PhoneNumberField
from weserve.core.models import DisposableModel


class PersonForTests(DisposableModel):
    """A person of one office, with a MyKad number and a phone number (tests only)."""

    office = models.ForeignKey("organisation.Office", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    mykad = MyKadField(blank=True, hash_field="mykad_hash")
    mykad_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    phone = PhoneNumberField(blank=True)

    erase_on_disposal = ("name",)

    class Meta:
        app_label = "core"
        db_table = "test_core_person"

    def __str__(self) -> str:
        return self.name


@pytest.fixture(scope="session")
def person_table(django_db_setup, django_db_blocker):
    # Created outside any test transaction: SQLite's schema editor refuses to run inside one.
    # Each test module importing this fixture gets its own copy: create the table once.
    with django_db_blocker.unblock():
        if PersonForTests._meta.db_table not in connection.introspection.table_names():
            with connection.schema_editor() as editor:
                editor.create_model(PersonForTests)
    yield
