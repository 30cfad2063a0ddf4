"""Numbered live events per office and stream, sent after commit.

Every event carries `seq`, the next number of its (office, stream). The number is taken
inside the transaction that made the change, on a row that stays locked until commit, so
numbers follow commit order; a screen that sees a gap or reconnects fetches a snapshot.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction

from weserve.organisation.models import Office

log = logging.getLogger(__name__)

DISPLAY = "display"
COUNTERS = "counters"

_NEXT_SEQ_SQL = """
INSERT INTO queueing_streamsequence (office_id, stream, last) VALUES (%s, %s, 1)
ON CONFLICT (office_id, stream)
DO UPDATE SET last = queueing_streamsequence.last + 1
RETURNING last
"""


def group_name(office_id: int, stream: str) -> str:
    return f"office.{office_id}.{stream}"


def current_seq(office: Office, stream: str) -> int:
    from weserve.queueing.models import StreamSequence

    row = StreamSequence.objects.filter(office=office, stream=stream).values_list("last", flat=True)
    return row.first() or 0


def next_seq(office_id: int, stream: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SEQ_SQL, [office_id, stream])
        return int(cursor.fetchone()[0])


def _send(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "stream.event", "event": event})
    except Exception:  # noqa: BLE001 - a lost push is repaired by the snapshot
        log.warning("could not send live event to %s", group, exc_info=True)


def publish(office_id: int, stream: str, type_: str, **payload: Any) -> dict[str, Any]:
    """Number an event now; send it when the surrounding transaction commits."""
    event = {"seq": next_seq(office_id, stream), "type": type_, **payload}
    group = group_name(office_id, stream)
    transaction.on_commit(lambda: _send(group, event))
    return event
