"""The day's register of an office (register/selectors.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.register.conftest import serve
from weserve.register import services
from weserve.register.selectors import day_register
from weserve.register.services import FormLine

pytestmark = pytest.mark.django_db


def _walk_in(office, user, service, name, **extra):
    return services.record_walk_in(
        office,
        acting_user=user,
        service=service,
        name=name,
        category="other",
        purpose="Pertanyaan",
        action="info",
        **extra,
    )


def test_the_days_register_holds_that_day_and_office_only_in_order(tree, users, clock, catalogue):
    info = tree.services["INFO"]
    yesterday = _walk_in(tree.pj, users["petugas"], info, "Semalam")
    clock.shift(60 * 60 * 24)
    first = _walk_in(tree.pj, users["petugas"], info, "Pertama")
    clock.shift(60)
    ticket = serve(tree.pj, tree.services["BKK"], users["petugas"])
    second = services.record_visit(
        ticket,
        acting_user=users["petugas"],
        name="Kedua",
        category="child",
        purpose="Bantuan",
        action="form_issued",
        forms=[FormLine("JKM18", 1)],
    )
    _walk_in(tree.jb, users["jb_petugas"], info, "Johor")
    rows = day_register(tree.pj, dt.date(2026, 11, 26))
    assert [r.pk for r in rows] == [first.pk, second.pk]
    assert [r.pk for r in day_register(tree.pj, dt.date(2026, 11, 25))] == [yesterday.pk]


def test_the_days_register_reads_in_a_fixed_number_of_queries(
    tree, users, clock, catalogue, django_assert_num_queries
):
    info = tree.services["INFO"]
    for n in range(5):
        _walk_in(
            tree.pj, users["petugas"], info, f"Pelanggan {n}", forms=[FormLine("JKM18", n + 1)]
        )
    # The entries with their ticket, service, office and staff; their forms; the forms.
    with django_assert_num_queries(3):
        rows = day_register(tree.pj, dt.date(2026, 11, 25))
        for row in rows:
            _ = row.service.code, row.served_by.staff.name, row.ticket
            _ = [f.form.code for f in row.forms_handed_over.all()]
    assert len(rows) == 5
