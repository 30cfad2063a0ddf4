"""Issuing a ticket as one PostgreSQL statement: the queue's hot path.

`services.issue_ticket` on PostgreSQL sends this one statement instead of a transaction
of eight. Its data-modifying CTEs, all or nothing:

- confirm the caller: the kiosk token not yet resolved (a live kiosk of this office), or
  the device or person the caller already resolved;
- check that the service is offered at the office and served by an active counter there;
- take the day's number (the same upsert as `services._next_number`);
- insert the ticket, its `issued` event and its audit entry;
- lock the ticket's `WaitingCount` row (and, for a normal ticket, its service's
  priority-lane row: in key order), then take the number of the `issued` event on
  the office's live stream (in that order, as every other transaction takes them: the
  triggers' update of the count comes at the end of a statement, and a call at a
  counter updates its ticket before it takes the stream's number);
- read the people ahead (the office's `WaitingCount` rows, which triggers keep; the
  ticket's own service from its rows as locked, so that it counts every earlier ticket);
- note the kiosk as seen (at most every `tokens.LAST_USED_RESOLUTION`).

When a check fails nothing is written and no row comes back; `services.issue_ticket`
then asks the ordinary questions to say why. The day's number row is locked for this
one round trip only, not for a transaction's eight (docs/performance.md).

The rows are the same as the ORM path writes (tests/queueing/test_issue_statement.py
compares them column by column, and fails when a model gains a column this statement
does not write).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import Any

from django.db import DatabaseError, connection

from weserve.core.db import prepared_cursor
from weserve.core.models import AuditLog
from weserve.core.tokens import LAST_USED_RESOLUTION, hash_token
from weserve.organisation.models import Counter, Device, Office, Service
from weserve.queueing import events, issue_batch
from weserve.queueing.models import Priority, Ticket, TicketEvent, TicketStatus, WaitingCount

# The columns each insert writes; the test checks them against the models.
TICKET_COLUMNS = (
    "public_id office_id service_id series day seq number priority language status "
    "issued_at queued_at outcome recalls transfers"
).split()
EVENT_COLUMNS = "ticket_id kind at counter_id user_id data".split()
AUDIT_COLUMNS = (
    "at action user_id actor office_id office_code target_type target_id ip data".split()
)

ISSUED_ACTION = "queueing.ticket.issued"
log = logging.getLogger(__name__)

# Where the issued Ticket carries the statement's count of people ahead (ahead_at_issue).
AHEAD_AT_ISSUE = "_waiting_ahead_at_issue"


_TEMPLATE = """
WITH caller AS (
  SELECT id AS device_id, name AS actor FROM {device}
  WHERE %(token_hash)s::text IS NOT NULL AND token_hash = %(token_hash)s
    AND revoked_at IS NULL AND office_id = %(office)s AND kind = %(kiosk)s
  UNION ALL
  SELECT %(device)s::bigint, %(actor)s::text WHERE %(token_hash)s::text IS NULL
), ok AS (
  SELECT caller.* FROM caller WHERE EXISTS (
    SELECT 1 FROM {service} s
    JOIN {offered} o ON o.{offered_service} = s.id AND o.{offered_office} = %(office)s
    JOIN {served} cs ON cs.{served_service} = s.id
    JOIN {counter} c ON c.id = cs.{served_counter} AND c.office_id = %(office)s AND c.is_active
    WHERE s.id = %(service)s AND s.is_active)
), seen AS (
  UPDATE {device} SET last_seen_at = %(now)s
  WHERE %(token_hash)s::text IS NOT NULL AND id = (SELECT device_id FROM ok)
    AND (last_seen_at IS NULL OR last_seen_at <= %(seen_before)s)
), n AS (
  INSERT INTO queueing_dailysequence (office_id, series, day, last)
  SELECT %(office)s, %(series)s, %(day)s, 1 FROM ok
  ON CONFLICT (office_id, series, day) DO UPDATE SET last = queueing_dailysequence.last + 1
  RETURNING last
), t AS (
  INSERT INTO {ticket} ({ticket_columns})
  SELECT %(public_id)s, %(office)s, %(service)s, %(series)s, %(day)s, n.last,
    %(series)s || CASE WHEN n.last < 1000 THEN lpad(n.last::text, 3, '0') ELSE n.last::text END,
    %(priority)s, %(language)s, %(status)s, %(now)s, %(now)s, '', 0, 0
  FROM n
  RETURNING id, seq, number
), e AS (
  INSERT INTO {event} ({event_columns})
  SELECT t.id, %(event_kind)s, %(now)s, NULL, %(user)s,
    jsonb_build_object('device', ok.device_id)
  FROM t, ok
), a AS (
  INSERT INTO {audit} ({audit_columns})
  SELECT %(now)s, %(action)s, %(user)s, COALESCE(NULLIF(ok.actor, ''), %(username)s),
    %(office)s, %(office_code)s, %(target_type)s, t.id::text, NULL,
    jsonb_build_object('number', t.number, 'service', %(service_code)s::text,
                       'priority', %(priority)s::text)
  FROM t, ok
), w AS (
  INSERT INTO {waiting} (office_id, service_id, priority_lane, waiting)
  SELECT %(office)s, %(service)s, %(priority)s::text <> %(no_priority)s::text, 0 FROM t
  ON CONFLICT (office_id, service_id, priority_lane)
  DO UPDATE SET waiting = {waiting}.waiting
  RETURNING waiting
), p AS (
  INSERT INTO {waiting} (office_id, service_id, priority_lane, waiting)
  SELECT %(office)s, %(service)s, true, 0 FROM t
  WHERE %(priority)s::text = %(no_priority)s::text AND (SELECT waiting FROM w) IS NOT NULL
  ON CONFLICT (office_id, service_id, priority_lane)
  DO UPDATE SET waiting = {waiting}.waiting
  RETURNING waiting
), s AS (
  INSERT INTO queueing_streamsequence (office_id, stream, last)
  SELECT %(office)s, %(stream)s, 1 FROM t
  WHERE (SELECT waiting FROM w) IS NOT NULL AND (SELECT count(*) FROM p) >= 0
  ON CONFLICT (office_id, stream) DO UPDATE SET last = queueing_streamsequence.last + 1
  RETURNING last
)
SELECT t.id, t.seq, t.number, (SELECT last FROM s), (SELECT waiting FROM w),
  (SELECT waiting FROM p), (
  SELECT json_agg(json_build_array(service_id, priority_lane, waiting)) FROM {waiting}
  WHERE office_id = %(office)s AND waiting > 0)
FROM t, ok
"""


@functools.cache
def _sql() -> str:
    """The statement, with table and column names read from the models (so a through
    table or a renamed column cannot leave it behind)."""
    offered = Service._meta.get_field("offices")
    served = Counter._meta.get_field("services")
    names = {
        "device": Device._meta.db_table,
        "service": Service._meta.db_table,
        "counter": Counter._meta.db_table,
        "offered": offered.remote_field.through._meta.db_table,
        "offered_service": offered.m2m_column_name(),
        "offered_office": offered.m2m_reverse_name(),
        "served": served.remote_field.through._meta.db_table,
        "served_counter": served.m2m_column_name(),
        "served_service": served.m2m_reverse_name(),
        "ticket": Ticket._meta.db_table,
        "event": TicketEvent._meta.db_table,
        "audit": AuditLog._meta.db_table,
        "waiting": WaitingCount._meta.db_table,
        "ticket_columns": ", ".join(TICKET_COLUMNS),
        "event_columns": ", ".join(EVENT_COLUMNS),
        "audit_columns": ", ".join(AUDIT_COLUMNS),
    }
    # Table and column names come from the models; every value is a parameter.
    return _TEMPLATE.format(**names)


def issue(
    office: Office,
    service: Service,
    *,
    priority: str,
    language: str,
    now: dt.datetime,
    day: dt.date,
    public_id: str,
    device: Any = None,
    user: Any = None,
    kiosk_token: str | None = None,
) -> tuple[Ticket, int] | None:
    """The new ticket and the number of its `issued` event; None if nothing was written."""
    real_user = user if getattr(user, "is_authenticated", False) else None
    params = {
        "token_hash": hash_token(kiosk_token) if kiosk_token is not None else None,
        "device": getattr(device, "pk", None),
        "actor": getattr(device, "name", "") or "",
        "username": real_user.get_username() if real_user is not None else "",
        "user": real_user.pk if real_user is not None else None,
        "office": office.pk,
        "office_code": office.code,
        "service": service.pk,
        "service_code": service.code,
        "series": service.prefix,
        "day": day,
        "public_id": public_id,
        "priority": priority,
        "language": language,
        "status": TicketStatus.WAITING,
        "now": now,
        "seen_before": now - LAST_USED_RESOLUTION,
        "event_kind": TicketEvent.Kind.ISSUED,
        "action": ISSUED_ACTION,
        "target_type": Ticket._meta.label_lower,
        "kiosk": Device.Kind.KIOSK,
        "stream": events.QUEUE,
        "no_priority": Priority.NONE,
    }
    row = _run(params)
    if row is None:
        return None
    pk, seq, number, event_seq, own_lane, priority_lane, ahead = row
    ticket = Ticket.new_waiting(
        office,
        service,
        public_id=public_id,
        day=day,
        seq=seq,
        number=number,
        priority=priority,
        language=language,
        at=now,
    )
    ticket.pk = pk
    ticket._state.adding = False
    ticket._state.db = connection.alias
    # People ahead, read in the same statement from the office's waiting counts
    # (estimate.position_and_estimate takes them instead of counting again). Other
    # services' queues as the statement began; the ticket's own service as its count rows
    # stood when the statement locked them, after every earlier ticket of its series had
    # committed (each held the day's number row until then): two kiosks issuing the same
    # service at the same instant never both say "nobody ahead".
    counts = {(int(sid), bool(lane)): int(n) for sid, lane, n in ahead or []}
    counts[(service.pk, priority != Priority.NONE)] = int(own_lane)
    if priority_lane is not None:  # a normal ticket: the priority lane goes first
        counts[(service.pk, True)] = int(priority_lane)
    ticket.__dict__[AHEAD_AT_ISSUE] = counts
    return ticket, int(event_seq)


def _run(params: dict[str, Any]) -> tuple[Any, ...] | None:
    """The statement's row: sent with others waiting to be sent (issue_batch), unless the
    caller is inside a transaction of its own, which the statement must join."""
    if issue_batch.ENABLED and connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Whoever leads a batch takes a pooled connection to send it, so none waits for
        # its batch holding one: a leader waiting for the pool while those it would send
        # for held every connection would wait for the pool's timeout
        # (test_issue_batch.py). Outside a transaction, giving it back loses nothing.
        if connection.connection is not None:
            connection.close()
        try:
            return _batcher.run(params)
        except issue_batch.BatchFailed:
            pass  # nothing of the batch was written (_run_batch logged why): it goes alone
    return _run_one(params)


def _run_one(params: dict[str, Any]) -> tuple[Any, ...] | None:
    with prepared_cursor() as cursor:
        cursor.execute(_sql(), params)
        return cursor.fetchone()


def _run_batch(batch: list[dict[str, Any]]) -> list[tuple[Any, ...] | None]:
    """Each statement's row, or None: one transaction, one round trip (issue_batch).
    Raises BatchFailed if a batch of several fails."""
    if len(batch) == 1:
        return [_run_one(batch[0])]
    import psycopg

    try:
        connection.ensure_connection()
        pg = connection.connection
        with connection.wrap_database_errors:
            locking, issuing = psycopg.Cursor(pg), psycopg.Cursor(pg)
            with pg.pipeline(), pg.transaction():
                locking.execute(_lock_all_sql(), issue_batch.lock_all_params(batch))
                issuing.executemany(_sql(), batch, returning=True)
            rows = [issuing.fetchone()]
            while issuing.nextset():
                rows.append(issuing.fetchone())
    except DatabaseError as exc:
        log.warning("a batch of %d ticket issues failed, each goes alone: %s", len(batch), exc)
        raise issue_batch.BatchFailed from exc
    return rows


@functools.cache
def _lock_all_sql() -> str:
    return issue_batch.LOCK_ALL.format(waiting=WaitingCount._meta.db_table)


_batcher = issue_batch.Batcher(_run_batch)


def ahead_at_issue(ticket: Ticket) -> dict[tuple[int, bool], int] | None:
    """The waiting tickets ahead of a ticket as its issue statement counted them, taken
    off the ticket (so it is used once, for the answer to the issue); None if there is no
    such count (SQLite, or already taken)."""
    return ticket.__dict__.pop(AHEAD_AT_ISSUE, None)


def kiosk_of(raw_token: str, office: Office) -> Device | None:
    """The live kiosk of `office` behind a token, or None (the ordinary, resolved way)."""
    from weserve.core.tokens import resolve_device

    device = resolve_device(raw_token)
    if device is None or device.office_id != office.pk or device.kind != Device.Kind.KIOSK:
        return None
    return device
