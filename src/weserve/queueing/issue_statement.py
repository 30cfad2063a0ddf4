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

import asyncio
import datetime as dt
import functools
import logging
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection

from weserve.core.db import prepared_cursor
from weserve.core.models import AuditLog, StreamSequence
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
  INSERT INTO {sequence} (office_id, stream, last)
  SELECT %(office)s, %(stream)s, 1 FROM t
  WHERE (SELECT waiting FROM w) IS NOT NULL AND (SELECT count(*) FROM p) >= 0
  ON CONFLICT (office_id, stream) DO UPDATE SET last = {sequence}.last + 1
  RETURNING last
)
SELECT t.id, t.seq, t.number, (SELECT last FROM s), (SELECT waiting FROM w),
  (SELECT waiting FROM p), (
  SELECT json_agg(json_build_array(service_id, priority_lane, waiting)) FROM {waiting}
  WHERE office_id = %(office)s AND waiting > 0)
FROM t, ok
"""


# A batch of issues as one statement: each ticket as `_TEMPLATE` issues it, in batch order
# (numbers, events' stream numbers), with the checks made for each (a ticket refused
# writes nothing and returns no row). It takes the day rows, then the count rows, each in
# key order, then the stream rows: the order every other transaction takes them in.
_BATCH_TEMPLATE = """
WITH r AS (
  SELECT * FROM unnest(
    %(token_hash)s::text[], %(device)s::bigint[], %(actor)s::text[], %(username)s::text[],
    %(user)s::bigint[], %(office)s::bigint[], %(office_code)s::text[], %(service)s::bigint[],
    %(service_code)s::text[], %(series)s::text[], %(day)s::date[], %(public_id)s::text[],
    %(priority)s::text[], %(language)s::text[], %(now)s::timestamptz[],
    %(seen_before)s::timestamptz[]
  ) WITH ORDINALITY AS r(token_hash, device, actor, username, user_id, office, office_code,
    service, service_code, series, day, public_id, priority, language, now, seen_before, i)
), ok AS (
  SELECT r.*, c.device_id, c.caller FROM r CROSS JOIN LATERAL (
    SELECT d.id AS device_id, d.name AS caller FROM {device} d
    WHERE r.token_hash IS NOT NULL AND d.token_hash = r.token_hash
      AND d.revoked_at IS NULL AND d.office_id = r.office AND d.kind = %(kiosk)s
    UNION ALL
    SELECT r.device, r.actor WHERE r.token_hash IS NULL
  ) c
  WHERE EXISTS (
    SELECT 1 FROM {service} s
    JOIN {offered} o ON o.{offered_service} = s.id AND o.{offered_office} = r.office
    JOIN {served} cs ON cs.{served_service} = s.id
    JOIN {counter} c ON c.id = cs.{served_counter} AND c.office_id = r.office AND c.is_active
    WHERE s.id = r.service AND s.is_active)
), seen AS (
  UPDATE {device} d SET last_seen_at = x.now
  FROM (SELECT device_id, max(now) AS now, max(seen_before) AS seen_before FROM ok
        WHERE token_hash IS NOT NULL GROUP BY device_id) x
  WHERE d.id = x.device_id AND (d.last_seen_at IS NULL OR d.last_seen_at <= x.seen_before)
), n AS (
  INSERT INTO queueing_dailysequence (office_id, series, day, last)
  SELECT office, series, day, count(*) FROM ok GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (office_id, series, day)
  DO UPDATE SET last = queueing_dailysequence.last + EXCLUDED.last
  RETURNING office_id, series, day, last
), numbered AS (
  SELECT ok.*, n.last - count(*) OVER series + row_number() OVER (series ORDER BY ok.i) AS seq
  FROM ok JOIN n ON n.office_id = ok.office AND n.series = ok.series AND n.day = ok.day
  WINDOW series AS (PARTITION BY ok.office, ok.series, ok.day)
), t AS (
  INSERT INTO {ticket} ({ticket_columns})
  SELECT public_id, office, service, series, day, seq,
    series || CASE WHEN seq < 1000 THEN lpad(seq::text, 3, '0') ELSE seq::text END,
    priority, language, %(status)s, now, now, '', 0, 0
  FROM numbered ORDER BY i
  RETURNING id, public_id, number
), issued AS (
  SELECT numbered.*, t.id, t.number FROM numbered JOIN t USING (public_id)
), e AS (
  INSERT INTO {event} ({event_columns})
  SELECT id, %(event_kind)s, now, NULL, user_id, jsonb_build_object('device', device_id)
  FROM issued ORDER BY i
), a AS (
  INSERT INTO {audit} ({audit_columns})
  SELECT now, %(action)s, user_id, COALESCE(NULLIF(caller, ''), username), office,
    office_code, %(target_type)s, id::text, NULL,
    jsonb_build_object('number', number, 'service', service_code, 'priority', priority)
  FROM issued ORDER BY i
), w AS (
  INSERT INTO {waiting} (office_id, service_id, priority_lane, waiting)
  SELECT DISTINCT office, service, lane, 0
  FROM issued CROSS JOIN LATERAL (
    SELECT priority <> %(no_priority)s UNION SELECT true WHERE priority = %(no_priority)s
  ) lanes(lane)
  ORDER BY 1, 2, 3
  ON CONFLICT (office_id, service_id, priority_lane)
  DO UPDATE SET waiting = {waiting}.waiting
  RETURNING office_id, service_id, priority_lane, waiting
), s AS (
  INSERT INTO {sequence} (office_id, stream, last)
  SELECT office, %(stream)s, count(*) FROM issued
  WHERE (SELECT count(*) FROM w) >= 0
  GROUP BY office ORDER BY office
  ON CONFLICT (office_id, stream)
  DO UPDATE SET last = {sequence}.last + EXCLUDED.last
  RETURNING office_id, last
)
SELECT issued.i, issued.id, issued.seq, issued.number,
  s.last - count(*) OVER office + row_number() OVER (office ORDER BY issued.i),
  (SELECT json_agg(json_build_array(office_id, service_id, priority_lane, waiting)) FROM w),
  (SELECT json_agg(json_build_array(office_id, service_id, priority_lane, waiting))
   FROM {waiting} WHERE office_id IN (SELECT office FROM issued) AND waiting > 0)
FROM issued JOIN s ON s.office_id = issued.office
WINDOW office AS (PARTITION BY issued.office)
ORDER BY issued.i
"""


@functools.cache
def _sql() -> str:
    """The statement, with table and column names read from the models (so a through
    table or a renamed column cannot leave it behind)."""
    # Table and column names come from the models; every value is a parameter.
    return _TEMPLATE.format(**_names())


def _names() -> dict[str, str]:
    offered = Service._meta.get_field("offices")
    served = Counter._meta.get_field("services")
    return {
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
        "sequence": StreamSequence._meta.db_table,
        "ticket_columns": ", ".join(TICKET_COLUMNS),
        "event_columns": ", ".join(EVENT_COLUMNS),
        "audit_columns": ", ".join(AUDIT_COLUMNS),
    }


def issue(office: Office, service: Service, **fields: Any) -> tuple[Ticket, int] | None:
    """The new ticket and the number of its `issued` event; None if nothing was written.
    `fields` are `statement_params`'s."""
    params = statement_params(office, service, **fields)
    return issued_ticket(office, service, params, _run(params))


async def issue_in_loop(
    office: Office, service: Service, **fields: Any
) -> tuple[Ticket, int] | None:
    """`issue` for a kiosk's token, from the server's event loop: the statement goes with
    whatever else the loop has waiting to be sent, on the process's own connection
    (`_in_loop`). None if nothing was written; raises issue_batch.BatchFailed if its
    batch failed (nothing of it was written either)."""
    params = statement_params(office, service, **fields)
    return issued_ticket(office, service, params, await _loop_batcher.run(params))


def statement_params(
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
) -> dict[str, Any]:
    real_user = user if getattr(user, "is_authenticated", False) else None
    return {
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


def issued_ticket(
    office: Office, service: Service, params: dict[str, Any], row: tuple[Any, ...] | None
) -> tuple[Ticket, int] | None:
    """The ticket the statement's row describes, and the number of its `issued` event."""
    if row is None:
        return None
    pk, seq, number, event_seq, own_lane, priority_lane, ahead = row
    priority = params["priority"]
    ticket = Ticket.new_waiting(
        office,
        service,
        public_id=params["public_id"],
        day=params["day"],
        seq=seq,
        number=number,
        priority=priority,
        language=params["language"],
        at=params["now"],
    )
    ticket.pk = pk
    ticket._state.adding = False
    ticket._state.db = DEFAULT_DB_ALIAS
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
    """Each ticket's row, as its statement alone would have returned it, or None: the
    batch is one statement (`_BATCH_TEMPLATE`), so one transaction and one round trip.
    Raises BatchFailed if a batch of several fails."""
    if len(batch) == 1:
        return [_run_one(batch[0])]
    try:
        # Outside a transaction (see _run): the statement commits on its own.
        with prepared_cursor() as cursor:
            cursor.execute(_batch_sql(), batch_params(batch))
            rows = cursor.fetchall()
    except DatabaseError as exc:
        log.warning("a batch of %d ticket issues failed, each goes alone: %s", len(batch), exc)
        raise issue_batch.BatchFailed from exc
    return each_ticket_row(batch, rows)


# What differs between the tickets of a batch; every other parameter is the same for all.
BATCHED = (
    "token_hash device actor username user office office_code service service_code series "
    "day public_id priority language now seen_before"
).split()


def batch_params(batch: list[dict[str, Any]]) -> dict[str, Any]:
    """The batch statement's parameters: an array for each of BATCHED, in batch order."""
    params = {key: value for key, value in batch[0].items() if key not in BATCHED}
    for each in batch[1:]:
        for key, value in params.items():
            if each[key] != value:
                raise ValueError(f"{key} differs within a batch")
    for key in BATCHED:
        params[key] = [each[key] for each in batch]
    return params


def each_ticket_row(
    batch: list[dict[str, Any]], rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...] | None]:
    """The batch statement's rows turned into each ticket's row as `_TEMPLATE` returns it.

    The statement returns, with every issued ticket, the count rows it locked as they
    stood before the batch and the waiting counts of the batch's offices as it began;
    each ticket's counts are those plus the tickets issued before it in the batch, which
    is what its statement would have read after theirs."""
    result: list[tuple[Any, ...] | None] = [None] * len(batch)
    if not rows:
        return result
    locked = {(o, s, lane): n for o, s, lane, n in rows[0][5]}
    begun: dict[int, dict[tuple[int, bool], int]] = {}
    for o, s, lane, n in rows[0][6] or []:
        begun.setdefault(o, {})[(s, lane)] = n
    earlier: dict[int, dict[tuple[int, bool], int]] = {}
    for i, pk, seq, number, event_seq, _locked, _begun in rows:
        params = batch[i - 1]
        office, service = params["office"], params["service"]
        lane = params["priority"] != params["no_priority"]
        before = earlier.setdefault(office, {})
        own = locked[(office, service, lane)] + before.get((service, lane), 0)
        priority_lane = (
            None if lane else locked[(office, service, True)] + before.get((service, True), 0)
        )
        counts = dict(begun.get(office, {}))
        for key, n in before.items():
            counts[key] = counts.get(key, 0) + n
        ahead = [[s, lane_, n] for (s, lane_), n in counts.items() if n > 0] or None
        result[i - 1] = (pk, seq, number, event_seq, own, priority_lane, ahead)
        before[(service, lane)] = before.get((service, lane), 0) + 1
    return result


@functools.cache
def _batch_sql() -> str:
    return _BATCH_TEMPLATE.format(**_names())


_batcher = issue_batch.Batcher(_run_batch)


class _LoopConnection:
    """The server process's own connection for ticket issues sent from its event loop:
    psycopg's async connection, with the settings of Django's (database, role, options,
    prepared statements), opened on first use, in autocommit mode (each statement is its
    own transaction), and opened again after a failure. Only the loop's batches use it,
    one at a time."""

    def __init__(self) -> None:
        self._connection: Any = None
        self._loop: Any = None

    async def get(self) -> Any:
        import psycopg

        loop = asyncio.get_running_loop()
        if self._connection is None or self._connection.closed or self._loop is not loop:
            params = {
                key: value
                for key, value in connection.get_connection_params().items()
                if key not in ("cursor_factory", "context", "pool")
            }
            # As Django's connections: UTC, whatever the server's default.
            params["options"] = " ".join(filter(None, [params.get("options"), "-c TimeZone=UTC"]))
            self._connection = await psycopg.AsyncConnection.connect(autocommit=True, **params)
            self._loop = loop
        return self._connection

    async def discard(self) -> None:
        held, self._connection = self._connection, None
        if held is not None:
            try:
                await held.close()
            except Exception:  # noqa: BLE001 - it is being thrown away
                log.debug("closing a failed connection failed", exc_info=True)


_in_loop = _LoopConnection()


async def _run_batch_in_loop(batch: list[dict[str, Any]]) -> list[tuple[Any, ...] | None]:
    """`_run_batch` on the event loop's connection: each ticket's row, or None. Raises
    BatchFailed on any database error, whatever the batch's size: nothing of it was
    written, and its tickets go again by the ordinary path (services.issue_ticket)."""
    import psycopg

    try:
        held = await _in_loop.get()
        if len(batch) == 1:
            cursor = await held.execute(_sql(), batch[0], prepare=True)
            return [await cursor.fetchone()]
        cursor = await held.execute(_batch_sql(), batch_params(batch), prepare=True)
        return each_ticket_row(batch, await cursor.fetchall())
    except psycopg.Error as exc:
        log.warning("%d ticket issues from the loop failed, each goes again: %s", len(batch), exc)
        await _in_loop.discard()
        raise issue_batch.BatchFailed from exc


_loop_batcher = issue_batch.LoopBatcher(_run_batch_in_loop)


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
