"""Whatever is typed, a walk-in is either saved as typed (trimmed) or refused whole with
a message per field and nothing written: never a database error, never half an entry.
Driven by Hypothesis against the real service and database (NUL characters, which
PostgreSQL refuses in text, included)."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weserve.register import services
from weserve.register.models import FormHandedOver, RegisterEntry
from weserve.register.services import FormLine, InvalidEntry

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
readable = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=60
)
chaos = st.text(max_size=60) | st.text(
    alphabet=st.sampled_from("ab \x00\n\t\x1b\u200b\ufeffé漢"), max_size=12
)
typed = readable | readable | chaos
mykads = st.sampled_from(["", "850101-14-5123", "850101145123", " 900215-10-5678 "]) | chaos
phones = st.sampled_from(["", "012-345 6789", "+60 3-1234 5678"]) | chaos
lines = st.lists(
    st.builds(
        FormLine,
        code=st.sampled_from(["JKM18", "JKM20", "OLD", "NOPE", ""]),
        quantity=st.integers(min_value=-1, max_value=120),
    ),
    max_size=3,
)
VALID = {
    "name": "Siti",
    "purpose": "Pertanyaan",
    "note": "",
    "mykad": "",
    "phone": "",
    "forms": [],
    "category": "other",
}


def _saved_as_typed_or_refused_whole(tree, user, **typed_fields) -> str:
    fields = {**VALID, **typed_fields}
    sid = transaction.savepoint()
    try:
        try:
            entry = services.record_walk_in(
                tree.pj, acting_user=user, service=tree.services["INFO"], action="info", **fields
            )
        except InvalidEntry as refused:
            assert set(refused.fields) <= set(typed_fields) | {"forms"}
            assert all(str(message) for message in refused.fields.values())
            assert RegisterEntry.objects.count() == 0
            assert FormHandedOver.objects.count() == 0
            return "refused"
        saved = RegisterEntry.objects.get(pk=entry.pk)
        assert saved.name == fields["name"].strip() and saved.name
        assert saved.purpose == fields["purpose"].strip() and saved.purpose
        assert saved.note == fields["note"].strip()
        if fields["mykad"].strip():
            assert saved.mykad.masked.endswith(fields["mykad"].strip()[-4:])
        assert sorted((f.form.code, f.quantity) for f in saved.forms_handed_over.all()) == sorted(
            (f.code, f.quantity) for f in fields["forms"]
        )
        return "saved"
    finally:
        transaction.savepoint_rollback(sid)


@HYPOTHESIS
@given(name=typed, purpose=typed, note=typed)
def test_any_text_is_saved_trimmed_or_refused_whole(tree, users, clock, name, purpose, note):
    _saved_as_typed_or_refused_whole(tree, users["petugas"], name=name, purpose=purpose, note=note)


@HYPOTHESIS
@given(mykad=mykads, phone=phones, forms=lines, category=st.sampled_from(["other", "vip", ""]))
def test_any_number_or_form_list_is_saved_or_refused_whole(
    tree, users, clock, catalogue, mykad, phone, forms, category
):
    _saved_as_typed_or_refused_whole(
        tree, users["petugas"], mykad=mykad, phone=phone, forms=forms, category=category
    )
