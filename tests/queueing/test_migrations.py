"""Moving the live streams' numbers from queueing to core keeps every stream's number.

Both directions are tested on one trip of the database (the `trip` fixture), since the
trip is what takes time: back to before the move and forward again, each migration run
for real on rows made as they were. Each test asserts only on rows of its own offices.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from tests import migrating
from weserve.core import live
from weserve.core.models import StreamSequence

BEFORE_MOVE = [("queueing", "0007_verbose_names"), ("core", "0004_verbose_names")]


@pytest.fixture(scope="module")
def trip(django_db_setup: None, django_db_blocker) -> Iterator[SimpleNamespace]:
    """Rows of both tests, committed: one stream numbered in core, moved back to queueing
    (its rows read there), then streams numbered in queueing, and all moved forward to
    core. The tests read the rows in transactions rolled back after each; the rows are
    flushed after the module, as after a `transaction=True` test."""
    with django_db_blocker.unblock():
        try:
            yield _make_trip()
        finally:
            call_command("flush", verbosity=0, interactive=False)


def _make_trip() -> SimpleNamespace:
    latest = migrating.latest()
    try:
        # For the move undone: a stream numbered in core.
        Office = migrating.migrate_to(latest).get_model("organisation", "Office")
        ipj = Office.objects.create(code="IPJ", kind="hq", state="16", name_ms="I", name_en="I")
        StreamSequence.objects.create(office_id=ipj.pk, stream="queue", last=5)
        old = migrating.migrate_to(BEFORE_MOVE)
        OldSequence = old.get_model("queueing", "StreamSequence")
        undone = list(
            OldSequence.objects.filter(office_id=ipj.pk).values_list("office_id", "stream", "last")
        )
        # For the move: streams numbered in queueing.
        Office = old.get_model("organisation", "Office")
        pj = Office.objects.create(code="HQ", kind="hq", state="16", name_ms="IP", name_en="HQ")
        jb = Office.objects.create(
            code="JKMN-JHR", kind="state", parent=pj, state="01", name_ms="J", name_en="J"
        )
        OldSequence.objects.create(office=pj, stream="queue", last=41)
        OldSequence.objects.create(office=jb, stream="queue", last=7)
        OldSequence.objects.create(office=pj, stream="operator", last=3)
    finally:
        migrating.migrate_to(latest)
    return SimpleNamespace(ipj=ipj.pk, undone=undone, pj=pj.pk, jb=jb.pk)


@pytest.mark.django_db
def test_stream_numbers_are_kept_when_the_streams_move_to_core(trip):
    pj, jb = trip.pj, trip.jb
    kept = StreamSequence.objects.filter(office_id__in=[pj, jb])
    assert sorted(kept.values_list("office_id", "stream", "last")) == sorted(
        [(pj, "queue", 41), (jb, "queue", 7), (pj, "operator", 3)]
    )
    assert live.current_seq(pj, "queue") == 41
    # Each stream goes on from its own last number.
    assert live.next_seq(pj, "queue") == 42
    assert live.next_seq(jb, "queue") == 8
    assert live.next_seq(jb, "operator") == 1


@pytest.mark.django_db
def test_stream_numbers_go_back_to_queueing_when_the_move_is_undone(trip):
    assert trip.undone == [(trip.ipj, "queue", 5)]
    # ... and come to core again when the move is done again.
    rows = StreamSequence.objects.filter(office_id=trip.ipj)
    assert list(rows.values_list("stream", "last")) == [("queue", 5)]
