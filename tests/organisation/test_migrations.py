"""Migrations that reshape existing data keep it: run on a database holding real rows."""

from __future__ import annotations

import pytest

from tests import migrating
from weserve.organisation.models import Counter, CounterService

BEFORE_RANKS = ("organisation", "0001_initial")


@pytest.mark.django_db(transaction=True)
def test_counter_services_are_kept_at_rank_one_when_ranks_arrive():
    latest = migrating.latest()
    try:
        old = migrating.migrate_to([BEFORE_RANKS])
        office = old.get_model("organisation", "Office").objects.create(
            code="HQ", kind="hq", state="16", name_ms="Ibu Pejabat", name_en="Headquarters"
        )
        Service = old.get_model("organisation", "Service")
        bkk = Service.objects.create(code="BKK", prefix="A", name_ms="BKK", name_en="BKK")
        oku = Service.objects.create(code="OKU", prefix="B", name_ms="OKU", name_en="OKU")
        OldCounter = old.get_model("organisation", "Counter")
        one = OldCounter.objects.create(office=office, number=1)
        two = OldCounter.objects.create(office=office, number=2)
        one.services.set([bkk, oku])
        two.services.set([oku])
        before = sorted(OldCounter.services.through.objects.values_list("counter_id", "service_id"))
    finally:
        migrating.migrate_to(latest)

    rows = sorted(CounterService.objects.values_list("counter_id", "service_id", "rank"))
    assert rows == [(c, s, 1) for c, s in before]
    assert [s.code for s in Counter.objects.get(number=1).ranked_services()] == ["BKK", "OKU"]
    # The kept links take ranks like new ones.
    CounterService.objects.filter(counter__number=1, service__code="BKK").update(rank=2)
    assert [s.code for s in Counter.objects.get(number=1).ranked_services()] == ["OKU", "BKK"]
