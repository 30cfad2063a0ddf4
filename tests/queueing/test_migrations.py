"""Moving the live streams' numbers from queueing to core keeps every stream's number."""

from __future__ import annotations

import pytest

from tests import migrating
from weserve.core import live
from weserve.core.models import StreamSequence

BEFORE_MOVE = [("queueing", "0007_verbose_names"), ("core", "0004_verbose_names")]


@pytest.mark.django_db(transaction=True)
def test_stream_numbers_are_kept_when_the_streams_move_to_core():
    latest = migrating.latest()
    try:
        old = migrating.migrate_to(BEFORE_MOVE)
        Office = old.get_model("organisation", "Office")
        pj = Office.objects.create(code="HQ", kind="hq", state="16", name_ms="IP", name_en="HQ")
        jb = Office.objects.create(
            code="JKMN-JHR", kind="state", parent=pj, state="01", name_ms="J", name_en="J"
        )
        OldSequence = old.get_model("queueing", "StreamSequence")
        OldSequence.objects.create(office=pj, stream="queue", last=41)
        OldSequence.objects.create(office=jb, stream="queue", last=7)
        OldSequence.objects.create(office=pj, stream="operator", last=3)
    finally:
        migrating.migrate_to(latest)

    kept = sorted(StreamSequence.objects.values_list("office_id", "stream", "last"))
    assert kept == sorted([(pj.pk, "queue", 41), (jb.pk, "queue", 7), (pj.pk, "operator", 3)])
    assert live.current_seq(pj.pk, "queue") == 41
    # Each stream goes on from its own last number.
    assert live.next_seq(pj.pk, "queue") == 42
    assert live.next_seq(jb.pk, "queue") == 8
    assert live.next_seq(jb.pk, "operator") == 1


@pytest.mark.django_db(transaction=True)
def test_stream_numbers_go_back_to_queueing_when_the_move_is_undone():
    latest = migrating.latest()
    try:
        Office = migrating.migrate_to(latest).get_model("organisation", "Office")
        hq = Office.objects.create(code="HQ", kind="hq", state="16", name_ms="IP", name_en="HQ")
        StreamSequence.objects.create(office_id=hq.pk, stream="queue", last=5)
        old = migrating.migrate_to(BEFORE_MOVE)
        rows = old.get_model("queueing", "StreamSequence").objects.values_list(
            "office_id", "stream", "last"
        )
        assert list(rows) == [(hq.pk, "queue", 5)]
    finally:
        migrating.migrate_to(latest)
    assert list(StreamSequence.objects.values_list("last", flat=True)) == [5]
