"""The triggers that keep `WaitingCount` in step with the ticket table.

A ticket counts as waiting in (office, service, lane) while its status is `waiting`; the
lane is the priority lane when its priority is not `none`. Every insert, update and
delete of tickets adds and takes away from those rows in the same statement, so the
counts are exact in every transaction and roll back with it.

- PostgreSQL: statement-level triggers with transition tables. The changes a statement
  makes are summed per (office, service, lane) and applied in that order, so two
  statements touching the same rows (a bulk cancel and a transfer, say) take the row
  locks in the same order and cannot deadlock each other on them.
- SQLite: row-level triggers (SQLite has no others; it has a single writer anyway).

`install` runs in migration 0006; `recount` rebuilds the counts from the tickets (the
migration fills them with it, and it mends them if the triggers were ever bypassed).
"""

from __future__ import annotations

from typing import Any

from weserve.core.db import CompiledQuery
from weserve.queueing.models import Priority, Ticket, TicketStatus, WaitingCount

TRIGGERS = ("queueing_waiting_ins", "queueing_waiting_upd", "queueing_waiting_del")


def _names() -> dict[str, str]:
    return {
        "ticket": Ticket._meta.db_table,
        "count": WaitingCount._meta.db_table,
        "waiting": TicketStatus.WAITING.value,
        "none": Priority.NONE.value,
    }


# One function for the three triggers; each event reads only the transition tables it
# has. The changes are summed per (office, service, lane) and written in that order.
_PG_ADDED = (
    "SELECT office_id, service_id, priority <> '{none}' AS lane, 1 AS delta "
    "FROM new_rows WHERE status = '{waiting}'"
)
_PG_TAKEN = (
    "SELECT office_id, service_id, priority <> '{none}' AS lane, -1 AS delta "
    "FROM old_rows WHERE status = '{waiting}'"
)
_PG_APPLY = """
    INSERT INTO {{count}} (office_id, service_id, priority_lane, waiting)
    SELECT office_id, service_id, lane, sum(delta) FROM ({changes}) change
    GROUP BY 1, 2, 3 HAVING sum(delta) <> 0 ORDER BY 1, 2, 3
    ON CONFLICT (office_id, service_id, priority_lane)
    DO UPDATE SET waiting = {{count}}.waiting + EXCLUDED.waiting;
"""
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION queueing_count_waiting() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_PG_APPLY.format(changes=_PG_ADDED)}
  ELSIF TG_OP = 'UPDATE' THEN
    {_PG_APPLY.format(changes=_PG_ADDED + " UNION ALL " + _PG_TAKEN)}
  ELSE
    {_PG_APPLY.format(changes=_PG_TAKEN)}
  END IF;
  RETURN NULL;
END
$fn$
"""

_PG_TRIGGERS = [
    "CREATE TRIGGER queueing_waiting_ins AFTER INSERT ON {ticket} "
    "REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION queueing_count_waiting()",
    "CREATE TRIGGER queueing_waiting_upd AFTER UPDATE ON {ticket} "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION queueing_count_waiting()",
    "CREATE TRIGGER queueing_waiting_del AFTER DELETE ON {ticket} "
    "REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION queueing_count_waiting()",
]

# SQLite: UPSERT is not allowed inside a trigger, so adding makes the row (if missing)
# and then changes it. Taking away only changes the row a waiting ticket was counted in:
# it makes none (a flush of the database deletes the tickets after the offices).
_SQLITE_MAKE = """
  INSERT OR IGNORE INTO {count} (office_id, service_id, priority_lane, waiting)
  SELECT NEW.office_id, NEW.service_id, NEW.priority <> '{none}', 0
  WHERE NEW.status = '{waiting}';
"""
_SQLITE_CHANGE = """
  UPDATE {count} SET waiting = waiting {sign} 1
  WHERE {row}.status = '{waiting}' AND office_id = {row}.office_id
    AND service_id = {row}.service_id AND priority_lane = ({row}.priority <> '{none}');
"""

_SQLITE_TRIGGERS = [
    "CREATE TRIGGER queueing_waiting_ins AFTER INSERT ON {ticket} BEGIN {add_new} END",
    "CREATE TRIGGER queueing_waiting_upd AFTER UPDATE ON {ticket} BEGIN {take_old} {add_new} END",
    "CREATE TRIGGER queueing_waiting_del AFTER DELETE ON {ticket} BEGIN {take_old} END",
]


def _statements(vendor: str) -> list[str]:
    names = _names()
    if vendor == "postgresql":
        return [_PG_FUNCTION.format(**names)] + [t.format(**names) for t in _PG_TRIGGERS]
    if vendor == "sqlite":
        add_new = _SQLITE_MAKE.format(**names) + _SQLITE_CHANGE.format(row="NEW", sign="+", **names)
        take_old = _SQLITE_CHANGE.format(row="OLD", sign="-", **names)
        return [t.format(add_new=add_new, take_old=take_old, **names) for t in _SQLITE_TRIGGERS]
    raise NotImplementedError(f"WaitingCount triggers for {vendor}")


def install(schema_editor: Any) -> None:
    """Create the triggers (dropping older ones first) and count what waits now."""
    uninstall(schema_editor)
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # No ticket may change between the recount and the triggers taking over.
            cursor.execute(f"LOCK TABLE {Ticket._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        for statement in _statements(connection.vendor):
            cursor.execute(statement)
    recount(connection)


def uninstall(schema_editor: Any) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {Ticket._meta.db_table}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS queueing_count_waiting()")


def recount(connection: Any) -> None:
    """Set every count to what the ticket table says now."""
    # Table names and the two literals come from the models, not from anyone's input.
    delete = "DELETE FROM {count}"
    insert = (
        "INSERT INTO {count} (office_id, service_id, priority_lane, waiting) "
        "SELECT office_id, service_id, priority <> '{none}', COUNT(*) FROM {ticket} "
        "WHERE status = '{waiting}' GROUP BY 1, 2, 3"
    )
    with connection.cursor() as cursor:
        cursor.execute(delete.format(**_names()))
        cursor.execute(insert.format(**_names()))


# Every ticket issue reads the counts: compiled once (core.db.CompiledQuery).
_office_counts = CompiledQuery(
    lambda office_id: (
        WaitingCount.objects.filter(office_id=office_id, waiting__gt=0)
        .order_by()
        .values_list("service_id", "priority_lane", "waiting")
    ),
    int,
)


def counts(office_id: int) -> dict[tuple[int, bool], int]:
    """The office's waiting tickets per (service id, is priority lane), as kept."""
    return {
        (int(service), bool(lane)): int(n) for service, lane, n in _office_counts.rows(office_id)
    }
