"""Measurement prototype, not part of WeServe: the ticket issue as one PostgreSQL statement.

`services.issue_ticket` takes the day's number, then inserts the ticket, its event and
its audit entry and takes two live-event numbers, each a round trip while the number's
row stays locked. Here all of that is one statement (data-modifying CTEs), so the row
locks are held for one round trip. It writes the same rows and sends the same events;
it is a monkeypatch for bench/prototypes/ab_cpu.py to measure, nothing more.

    uvicorn app string: issue_one_statement:application (with bench/prototypes on PYTHONPATH)
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection, transaction

from weserve.asgi import application  # noqa: F401 - the ASGI app this module serves
from weserve.core import clock
from weserve.core.errors import DomainError
from weserve.queueing import events, services
from weserve.queueing.models import Priority, Ticket, TicketStatus

SQL = """
WITH n AS (
  INSERT INTO queueing_dailysequence (office_id, series, day, last)
  VALUES (%(office)s, %(series)s, %(day)s, 1)
  ON CONFLICT (office_id, series, day) DO UPDATE SET last = queueing_dailysequence.last + 1
  RETURNING last
), t AS (
  INSERT INTO queueing_ticket (public_id, office_id, service_id, series, day, seq, number,
      priority, language, status, issued_at, queued_at, outcome, recalls, transfers)
  SELECT %(public_id)s, %(office)s, %(service)s, %(series)s, %(day)s, n.last,
      %(series)s || CASE WHEN n.last < 1000 THEN lpad(n.last::text, 3, '0')
                         ELSE n.last::text END,
      %(priority)s, %(language)s, 'waiting', %(now)s, %(now)s, '', 0, 0
  FROM n RETURNING id, seq, number
), e AS (
  INSERT INTO queueing_ticketevent (ticket_id, kind, at, counter_id, user_id, data)
  SELECT t.id, 'issued', %(now)s, NULL, %(user)s, %(event_data)s::jsonb FROM t
), a AS (
  INSERT INTO core_auditlog (at, action, user_id, actor, office_id, office_code,
      target_type, target_id, ip, data)
  SELECT %(now)s, 'queueing.ticket.issued', %(user)s, %(actor)s, %(office)s, %(office_code)s,
      'queueing.ticket', t.id::text, NULL,
      jsonb_build_object('number', t.number, 'service', %(service_code)s::text,
                         'priority', %(priority)s::text)
  FROM t
), s AS (
  INSERT INTO queueing_streamsequence (office_id, stream, last)
  VALUES (%(office)s, 'display', 1), (%(office)s, 'counters', 1)
  ON CONFLICT (office_id, stream) DO UPDATE SET last = queueing_streamsequence.last + 1
  RETURNING stream, last
)
SELECT t.id, t.seq, t.number,
       (SELECT last FROM s WHERE stream = 'display'),
       (SELECT last FROM s WHERE stream = 'counters')
FROM t
"""


def issue_ticket(
    office: Any,
    service: Any,
    *,
    priority: str = Priority.NONE,
    language: str = "ms",
    device: Any = None,
    user: Any = None,
) -> Ticket:
    if priority not in Priority.values:
        raise DomainError("invalid_priority", "Unknown priority.", status=422)
    now = clock.now()
    services.check_can_issue(office, service, at=now)
    day = clock.business_day(now)
    real_user = user if getattr(user, "is_authenticated", False) else None
    public_id = services.new_public_id()
    language = language if language in ("ms", "en") else "ms"
    params = {
        "office": office.pk,
        "series": service.prefix,
        "day": day,
        "public_id": public_id,
        "service": service.pk,
        "priority": priority,
        "language": language,
        "now": now,
        "user": real_user.pk if real_user else None,
        "event_data": json.dumps({"device": getattr(device, "pk", None)}),
        "actor": getattr(device, "name", "") or (real_user.get_username() if real_user else ""),
        "office_code": office.code,
        "service_code": service.code,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SQL, params)
        pk, seq, number, display_seq, counters_seq = cursor.fetchone()
    ticket = Ticket(
        pk=pk,
        public_id=public_id,
        office=office,
        service=service,
        series=service.prefix,
        day=day,
        seq=seq,
        number=number,
        priority=priority,
        language=language,
        status=TicketStatus.WAITING,
        issued_at=now,
        queued_at=now,
    )
    ticket._state.adding = False
    ticket._state.db = "default"
    public = {
        "number": number,
        "service": service.code,
        "priority": priority,
        "status": TicketStatus.WAITING,
        "counter": None,
    }
    events._send(
        events.group_name(office.pk, events.DISPLAY),
        {"seq": display_seq, "type": "issued", "ticket": public},
    )
    events._send(
        events.group_name(office.pk, events.COUNTERS),
        {"seq": counters_seq, "type": "issued", "ticket": {"id": public_id, **public}},
    )
    return ticket


services.issue_ticket = issue_ticket
