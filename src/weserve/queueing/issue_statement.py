"""The ticket issue as one PostgreSQL statement: the queue's one hot path, fenced.

Nothing but `services._issue` calls this module (tests/test_import_map.py). It writes
exactly what `services._issue_in_transaction`, the specification, writes:
tests/queueing/test_issue_parity.py runs both, alone and in batches, and compares every
column of every row.

Why it exists: under load, a server's request threads issue tickets at the same moment,
and one by one, on a connection each, their transactions queue in PostgreSQL on the
rows every issue of an office locks (the day's number, the waiting counts, the live
stream's number). bench/queue_load.py measured the ORM transaction at 12–15% of the
trivial endpoint's rate (sessions 0–1) and this statement, sent in batches, at 48–59%,
median 55% (session 8; docs/performance.md).

How: a request thread that issues takes its turn in `issue_batch.Batcher`. The first
sends its ticket at once; whoever arrives while a batch is at the database waits, and
the next batch carries all of them: one statement, one transaction, one round trip, on
the process's own connection (`_Connection`: so no request thread needs a pooled
connection for it, and none is closed). A batch of one is a batch: there is one SQL
text. Its data-modifying CTEs, all or nothing, for each ticket in batch order:

- confirm the caller: a kiosk token not yet resolved (a live kiosk of this office), or
  the device or person the caller already resolved;
- check that the service is offered at the office and served by an active counter there
  (and, where the office refuses tickets no open counter serves, by an open one:
  `services.check_open_counter`);
- take the day's number (the upsert of `services._next_number`);
- insert the ticket, its `issued` event and its audit entry;
- lock the waiting-count rows of the ticket's service (in key order), then take the
  numbers of the `issued` events on the office's live stream: the order every other
  transaction takes them in (the count triggers run at the end of a statement, and a
  call at a counter updates its ticket before it numbers its event);
- read the waiting counts the people ahead are worked out from (`each_ticket`);
- note a kiosk as seen (at most every `tokens.LAST_USED_RESOLUTION`).

A ticket whose checks fail writes nothing and has no row: `services._issue` then issues
it by the specification, which says why or issues. A lost connection raises
ConnectionLost (the batch may have been committed with its answer lost: the service sends
each ticket again under the same public id). Any other error, a deadlock included, is
raised to every caller of the batch: it is a fault, not a case to recover from.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

from django.db import connection

from weserve.core.models import AuditLog, StreamSequence
from weserve.core.tokens import LAST_USED_RESOLUTION, hash_token
from weserve.organisation.models import Counter, Device, Office, Service
from weserve.queueing import events, issue_batch
from weserve.queueing.models import (
    ISSUED_ACTION,
    CounterSession,
    DailySequence,
    Priority,
    Ticket,
    TicketEvent,
    TicketStatus,
    WaitingCount,
)

# The columns each insert writes; the test checks them against the models.
TICKET_COLUMNS = (
    "public_id office_id service_id series day seq number priority language status "
    "issued_at queued_at outcome recalls transfers"
).split()
EVENT_COLUMNS = "ticket_id kind at counter_id user_id data".split()
AUDIT_COLUMNS = (
    "at action user_id actor office_id office_code target_type target_id ip data".split()
)

log = logging.getLogger(__name__)


class ConnectionLost(Exception):
    """The batch's connection broke: whether PostgreSQL committed it is not known."""


# Each ticket of a batch is issued as alone, in batch order (numbers, events' stream
# numbers), with its own checks (a ticket refused writes nothing and returns no row). It
# takes the day rows, then the count rows, each in key order, then the stream rows.
_TEMPLATE = """
WITH r AS (
  SELECT * FROM unnest(
    %(token_hash)s::text[], %(device)s::bigint[], %(actor)s::text[], %(username)s::text[],
    %(user)s::bigint[], %(office)s::bigint[], %(office_code)s::text[], %(service)s::bigint[],
    %(service_code)s::text[], %(series)s::text[], %(day)s::date[], %(public_id)s::text[],
    %(priority)s::text[], %(language)s::text[], %(now)s::timestamptz[],
    %(seen_before)s::timestamptz[], %(refuse_unserved)s::boolean[]
  ) WITH ORDINALITY AS r(token_hash, device, actor, username, user_id, office, office_code,
    service, service_code, series, day, public_id, priority, language, now, seen_before,
    refuse_unserved, i)
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
    WHERE s.id = r.service AND s.is_active AND (NOT r.refuse_unserved OR EXISTS (
      SELECT 1 FROM {session} o WHERE o.{session_counter} = c.id AND o.{session_closed} IS NULL)))
), seen AS (
  UPDATE {device} d SET last_seen_at = x.now
  FROM (SELECT device_id, max(now) AS now, max(seen_before) AS seen_before FROM ok
        WHERE token_hash IS NOT NULL GROUP BY device_id) x
  WHERE d.id = x.device_id AND (d.last_seen_at IS NULL OR d.last_seen_at <= x.seen_before)
), n AS (
  INSERT INTO {daily} (office_id, series, day, last)
  SELECT office, series, day, count(*) FROM ok GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (office_id, series, day)
  DO UPDATE SET last = {daily}.last + EXCLUDED.last
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
  INSERT INTO {stream_table} (office_id, stream, last)
  SELECT office, %(stream)s, count(*) FROM issued
  WHERE (SELECT count(*) FROM w) >= 0
  GROUP BY office ORDER BY office
  ON CONFLICT (office_id, stream)
  DO UPDATE SET last = {stream_table}.last + EXCLUDED.last
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
    table or a renamed column cannot leave it behind); every value is a parameter."""
    offered = Service._meta.get_field("offices")
    served = Counter._meta.get_field("services")
    return _TEMPLATE.format(
        device=Device._meta.db_table,
        service=Service._meta.db_table,
        counter=Counter._meta.db_table,
        offered=offered.remote_field.through._meta.db_table,
        offered_service=offered.m2m_column_name(),
        offered_office=offered.m2m_reverse_name(),
        served=served.remote_field.through._meta.db_table,
        served_counter=served.m2m_column_name(),
        served_service=served.m2m_reverse_name(),
        session=CounterSession._meta.db_table,
        session_counter=CounterSession._meta.get_field("counter").column,
        session_closed=CounterSession._meta.get_field("closed_at").column,
        daily=DailySequence._meta.db_table,
        stream_table=StreamSequence._meta.db_table,
        ticket=Ticket._meta.db_table,
        event=TicketEvent._meta.db_table,
        audit=AuditLog._meta.db_table,
        waiting=WaitingCount._meta.db_table,
        ticket_columns=", ".join(TICKET_COLUMNS),
        event_columns=", ".join(EVENT_COLUMNS),
        audit_columns=", ".join(AUDIT_COLUMNS),
    )


@functools.cache
def _numbered_sql() -> tuple[str, tuple[str, ...]]:
    """The statement with PostgreSQL's own numbered placeholders ($1, $2, ...), and the
    parameters' names in that order. psycopg sends such a text as it is (RawCursor);
    with named placeholders it would parse the statement again on every run, since it
    remembers the parsing of texts up to 4 KB only, and this one is longer."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return re.sub(r"%\((\w+)\)s", number, _sql()), tuple(names)


def applies() -> bool:
    """Whether a ticket issued now goes by the statement: on PostgreSQL, outside any
    transaction (the statement is its own, on its own connection, so a caller's
    transaction could not contain it)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


@dataclass(frozen=True)
class Row:
    """What the statement says of one ticket it issued."""

    pk: int
    seq: int
    number: str
    event_seq: int
    waiting: dict[tuple[int, bool], int]


def issue(office: Office, service: Service, **fields: Any) -> tuple[Ticket, Row] | None:
    """The ticket, issued with whatever else this process is issuing, and its row;
    None if its checks failed and nothing was written. Raises ConnectionLost. `fields`
    are `statement_params`'s."""
    params = statement_params(office, service, **fields)
    row = _batcher.run(params)
    if row is None:
        return None
    ticket = Ticket.new_waiting(
        office,
        service,
        public_id=params["public_id"],
        day=params["day"],
        seq=row.seq,
        number=row.number,
        priority=params["priority"],
        language=params["language"],
        at=params["now"],
    )
    ticket.pk = row.pk
    ticket._state.adding = False
    ticket._state.db = connection.alias
    return ticket, row


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
        # services.check_open_counter's rule, which the statement applies in SQL.
        "refuse_unserved": office.kiosk_unserved == Office.UnservedService.REFUSE,
        "event_kind": TicketEvent.Kind.ISSUED,
        "action": ISSUED_ACTION,
        "target_type": Ticket._meta.label_lower,
        "kiosk": Device.Kind.KIOSK,
        "stream": events.QUEUE,
        "no_priority": Priority.NONE,
    }


# What differs between the tickets of a batch; every other parameter is the same for all.
BATCHED = (
    "token_hash device actor username user office office_code service service_code series "
    "day public_id priority language now seen_before refuse_unserved"
).split()


def batch_params(batch: list[dict[str, Any]]) -> dict[str, Any]:
    """The statement's parameters: an array for each of BATCHED, in batch order."""
    params = {key: value for key, value in batch[0].items() if key not in BATCHED}
    for each in batch[1:]:
        for key, value in params.items():
            if each[key] != value:
                raise ValueError(f"{key} differs within a batch")
    for key in BATCHED:
        params[key] = [each[key] for each in batch]
    return params


def each_ticket(batch: list[dict[str, Any]], rows: list[tuple[Any, ...]]) -> list[Row | None]:
    """The statement's rows as each ticket's Row, in batch order (None: not issued).

    The statement returns, with every issued ticket, the count rows it locked as they
    stood before the batch, and the waiting counts of the batch's offices as it began.
    A ticket's counts are those plus the tickets issued before it in the batch: what it
    would have read alone, after them. Its own service's come from the locked rows,
    read after every earlier ticket of its series had committed (each held the day's
    number until then), so two kiosks issuing the same service at the same instant never
    both say "nobody ahead"; other services' as the statement began.
    """
    result: list[Row | None] = [None] * len(batch)
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
        counts = dict(begun.get(office, {}))
        for key, n in before.items():
            counts[key] = counts.get(key, 0) + n
        # A normal ticket waits behind its service's priority lane too.
        for own in (True,) if lane else (False, True):
            counts[(service, own)] = locked[(office, service, own)] + before.get((service, own), 0)
        waiting = {key: n for key, n in counts.items() if n > 0}
        result[i - 1] = Row(pk, seq, number, event_seq, waiting)
        before[(service, lane)] = before.get((service, lane), 0) + 1
    return result


class _Connection:
    """The server process's own connection for the statement: psycopg's, with the
    settings of Django's (database, role, options, prepared statements), in autocommit
    mode (the statement is its own transaction), opened on first use and again after a
    failure. The batcher sends one batch at a time, so one connection serves them all,
    and no request thread waits for its batch holding a pooled connection that the
    batch's sender would need."""

    def __init__(self) -> None:
        self._held: Any = None
        self._for: tuple[Any, ...] = ()
        self._lock = threading.Lock()

    def run_batch(self, batch: list[dict[str, Any]]) -> list[Row | None]:
        """Each ticket's Row, or None: one statement for the whole batch."""
        return each_ticket(batch, self.execute(batch_params(batch)))

    def execute(self, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        import psycopg

        with self._lock:
            try:
                held = self._get()
                text, names = _numbered_sql()
                cursor = psycopg.RawCursor(held)
                values = [params[name] for name in names]
                return cursor.execute(text, values, prepare=True).fetchall()
            except psycopg.errors.TransactionRollback:
                raise  # a deadlock: the statement's lock order is wrong (a fault)
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                log.warning(
                    "issuing %d tickets lost the connection: %s", len(params["office"]), exc
                )
                self._discard()
                raise ConnectionLost from exc

    def _get(self) -> Any:
        import psycopg

        # Django's settings as they are now (the test suite's database is made later).
        settings = connection.settings_dict
        wanted = (settings["NAME"], settings["HOST"], settings["PORT"], settings["USER"])
        if self._held is None or self._held.closed or self._for != wanted:
            self._discard()
            params = {
                key: value
                for key, value in connection.get_connection_params().items()
                if key not in ("cursor_factory", "context", "pool")
            }
            # As Django's connections: UTC, whatever the server's default.
            params["options"] = " ".join(filter(None, [params.get("options"), "-c TimeZone=UTC"]))
            self._held = psycopg.Connection.connect(autocommit=True, **params)
            self._for = wanted
        return self._held

    def _discard(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            try:
                held.close()
            except Exception:  # noqa: BLE001 - it is being thrown away
                log.debug("closing a broken connection failed", exc_info=True)


_connection = _Connection()


def close() -> None:
    """Close the statement's connection (it opens again when next needed)."""
    with _connection._lock:
        _connection._discard()


_batcher = issue_batch.Batcher(_connection.run_batch)
