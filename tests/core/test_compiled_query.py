"""core.db.CompiledQuery: an ORM query compiled once gives what the ORM gives, every time.

The hot-path look-ups that use it (a device by its token, "is this service served
here", the waiting counts) are each checked against the plain queryset they were
written as, over the cases that tell them apart, on whichever database the suite runs.
"""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import kiosk_for
from weserve.core.db import CompiledQuery
from weserve.core.tokens import hash_token
from weserve.organisation.devices import create_device, revoke_device
from weserve.organisation.models import Counter, Device, Service
from weserve.queueing import services, waiting_count
from weserve.queueing.models import WaitingCount

pytestmark = pytest.mark.django_db


def test_a_token_finds_the_same_device_as_the_queryset_it_was_written_as(tree):
    made = {}
    for office, kind in itertools.product((tree.pj, tree.jb), ("kiosk", "display")):
        device, raw = create_device(office, kind, f"{kind} {office.code}")
        made[raw] = device
    revoked_raw = next(raw for raw, d in made.items() if d.kind == "display")
    revoke_device(made[revoked_raw])

    for raw in [*made, "an-unknown-token", "x"]:
        expected = Device.objects.live().filter(token_hash=hash_token(raw)).first()
        found = Device.objects.for_token(raw)
        assert found == expected
        if found is not None:
            assert (found.office_id, found.kind, found.name) == (
                expected.office_id,
                expected.kind,
                expected.name,
            )
            assert found.created_at == expected.created_at  # converted as the ORM does
    assert Device.objects.for_token(revoked_raw) is None


def test_served_here_agrees_with_the_queryset_for_every_configuration(tree):
    bkk, oku = tree.services["BKK"], tree.services["OKU"]
    counter = Counter.objects.get(office=tree.pj, number=1)
    other = Counter.objects.get(office=tree.pj, number=2)

    def orm(service: Service, office) -> bool:
        return Service.objects.filter(
            pk=service.pk, offices=office, counters__office=office, counters__is_active=True
        ).exists()

    def compare() -> list[bool]:
        answers = []
        for service, office in itertools.product((bkk, oku), (tree.pj, tree.jb, tree.hq)):
            compiled = services._served_here.exists(service.pk, office.pk)
            assert compiled == orm(service, office), (service.code, office.code)
            answers.append(compiled)
        return answers

    assert any(compare())
    other.services.remove(bkk)  # counter 1 still serves it
    compare()
    counter.services.remove(bkk)  # now nobody at PJ does
    assert not services._served_here.exists(bkk.pk, tree.pj.pk)
    compare()
    other.services.add(bkk)
    Counter.objects.filter(pk=other.pk).update(is_active=False)  # serves it, but inactive
    assert not services._served_here.exists(bkk.pk, tree.pj.pk)
    compare()
    bkk.offices.remove(tree.jb)  # no longer offered at JB, counters notwithstanding
    assert not services._served_here.exists(bkk.pk, tree.jb.pk)
    compare()


def test_waiting_counts_read_what_the_table_keeps(tree):
    bkk, oku = tree.services["BKK"], tree.services["OKU"]
    for service, priority in [(bkk, "none"), (bkk, "none"), (bkk, "elderly"), (oku, "none")]:
        services.issue_ticket_at_kiosk(
            kiosk_for(tree.pj), tree.pj, service, priority=priority, language="ms"
        )
    expected = {
        (service_id, lane): n
        for service_id, lane, n in WaitingCount.objects.filter(
            office=tree.pj, waiting__gt=0
        ).values_list("service_id", "priority_lane", "waiting")
    }
    assert (
        waiting_count.counts(tree.pj.pk)
        == expected
        == {
            (bkk.pk, False): 2,
            (bkk.pk, True): 1,
            (oku.pk, False): 1,
        }
    )
    assert all(type(lane) is bool for _, lane in waiting_count.counts(tree.pj.pk))
    assert waiting_count.counts(tree.jb.pk) == {}


def test_each_call_is_one_statement_with_that_calls_values(tree):
    _, raw = create_device(tree.pj, "kiosk", "Kiosk")
    query = CompiledQuery(lambda h: Device.objects.filter(token_hash=h).order_by()[:1], str)
    for token, found in [(raw, True), ("another", False), (raw, True)]:
        with CaptureQueriesContext(connection) as queries:
            assert (query.first(hash_token(token)) is not None) is found
        assert len(queries) == 1
        assert hash_token(token) in queries[0]["sql"]


def test_a_value_used_twice_in_the_sql_is_given_in_both_places(tree):
    query = CompiledQuery(
        lambda office_id: Counter.objects.filter(office_id=office_id, office__pk=office_id), int
    )
    assert {c.number for c in query.objects(tree.pj.pk)} == {1, 2}
    assert query.objects(tree.hq.pk) == []


@pytest.mark.parametrize("value", [True, "1", 1.0, None])
def test_a_value_of_the_wrong_kind_is_refused_booleans_included(tree, value):
    query = CompiledQuery(lambda office_id: Counter.objects.filter(office_id=office_id), int)
    with pytest.raises(TypeError):
        query.objects(value)


def test_a_value_the_lookup_transforms_is_refused_when_first_compiled(tree):
    query = CompiledQuery(lambda text: Service.objects.filter(name_ms__icontains=text), str)
    with pytest.raises(TypeError, match="do not reach its SQL unchanged"):
        query.exists("kanak")


def test_joined_models_are_refused(tree):
    query = CompiledQuery(
        lambda office_id: Counter.objects.select_related("office").filter(office_id=office_id),
        int,
    )
    with pytest.raises(TypeError, match="select_related"):
        query.objects(tree.pj.pk)


def test_instances_are_the_ones_the_orm_makes_every_field_converted(tree):
    query = CompiledQuery(lambda office_id: Device.objects.filter(office_id=office_id), int)
    for kind in ("kiosk", "display"):
        create_device(tree.pj, kind, f"{kind} PJ")
    expected = {d.pk: d for d in Device.objects.filter(office_id=tree.pj.pk)}
    found = query.objects(tree.pj.pk)
    assert len(found) == len(expected) >= 2
    for device in found:
        orm = expected[device.pk]
        assert {k: v for k, v in vars(device).items() if k != "_state"} == {
            k: v for k, v in vars(orm).items() if k != "_state"
        }
        assert (device._state.adding, device._state.db) == (False, orm._state.db)
        device.name = "renamed"
        device.save(update_fields=["name"])  # an UPDATE of the row it came from
    assert set(Device.objects.filter(name="renamed").values_list("pk", flat=True)) == set(expected)


def test_instances_of_a_query_with_other_columns_are_refused(tree):
    from django.db.models import Value

    query = CompiledQuery(
        lambda office_id: Counter.objects.filter(office_id=office_id).annotate(x=Value(1)), int
    )
    with pytest.raises(TypeError, match="model's fields"):
        query.objects(tree.pj.pk)
    assert query.exists(tree.pj.pk)
