"""Import of Asterisk's queue_log: `epoch|callid|queue|agent|EVENT|data...`.

Each call's lines fold into its `Call` row (keyed by the office and Asterisk's call id):

- ENTERQUEUE (url|callerid|position): the call starts ringing in the operators' queue;
- CONNECT (holdtime|bridgedchannel|ringtime): an operator (the agent's extension)
  answered; the wait the 10-second rule measures runs from ENTERQUEUE to this;
- RINGNOANSWER: an operator's phone rang without an answer (the call still waits);
- COMPLETEAGENT / COMPLETECALLER (holdtime|calltime|origposition): the call ended;
- ABANDON (position|origposition|waittime): the caller hung up before an answer;
- EXITWITHTIMEOUT / EXITEMPTY: the call left the queue unanswered (voicemail, another
  destination);
- BLINDTRANSFER (extension|context|holdtime|calltime|origposition) and
  ATTENDEDTRANSFER: the operator put the call through.

The fold is a merge: the ring time is the earliest seen (a line that carries its wait,
CONNECT, ABANDON, EXITWITHTIMEOUT, EXITEMPTY, says when the call started even without
its ENTERQUEUE), the answer the first (with the extension and operator of that first
CONNECT), the end the last, the outcome the strongest said (transferred > message >
handled > abandoned > unanswered; an answered call is never abandoned), the caller's
number the first ENTERQUEUE's, the transfer the first BLINDTRANSFER to an extension of
the directory. Importing the same lines again (or a file that overlaps an earlier one)
therefore adds nothing and changes nothing. A line that cannot be read is reported with
its number and skipped; the rest imports. Queue-wide lines (callid NONE: QUEUESTART,
ADDMEMBER, PAUSE...) and events not listed above are counted as not about a call.

How, set-based and in one transaction (nothing is half-saved):

1. the lines are staged into temporary tables. On PostgreSQL the raw lines go in with
   `COPY` as they are, and SQL reads them (`_parse_sql`: split_part, the same checks);
   the few lines SQL cannot read without doubt (malformed, blank, odd spacing) are read
   by `parse_line`, which stays the one definition (a test proves both agree), and each
   distinct agent's extension comes from `agent_extension`. On SQLite Python reads each
   line (`parse_line`: the line's own rules, its checks, the start its wait implies, the
   agent's extension) and inserts the readable ones in large batches;
2. one SQL statement folds them per call (`_FOLD`: the call's rules above, written once,
   for both databases), one merges that with the calls already kept (`_MERGE`);
3. the caller numbers of calls that have none yet are cleaned (`services.clean_number`,
   once per distinct number) and encrypted in Python, the only step SQL cannot do: one
   Fernet token per call, all in one batch (`crypto.encrypt_many`, which the field's
   decryption reads). Equal numbers still get different tokens: the call table keeps no
   look-up hash of the number, so equal tokens would reveal which calls came from the
   same caller;
4. one INSERT … SELECT adds the new calls, one UPDATE … FROM changes the calls whose
   merge differs from what they had. A call an import does not change is not written.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.db import connection, transaction

from weserve.core import crypto
from weserve.core.audit import log_action
from weserve.organisation.models import Office, StaffMember
from weserve.telephony.models import Call
from weserve.telephony.services import clean_number

SQLITE_BATCH = 50_000
CALL_EVENTS = frozenset(
    {
        "ENTERQUEUE",
        "RINGNOANSWER",
        "CONNECT",
        "COMPLETEAGENT",
        "COMPLETECALLER",
        "ABANDON",
        "EXITWITHTIMEOUT",
        "EXITEMPTY",
        "BLINDTRANSFER",
        "ATTENDEDTRANSFER",
    }
)
# The data field holding the seconds waited: the call started that long before the line.
_WAIT_FIELD = {"CONNECT": 0, "ABANDON": 2, "EXITWITHTIMEOUT": 2, "EXITEMPTY": 2}
_EXTENSION = re.compile(r"(?:^|/)(\d{2,6})(?:$|[@/-])")
_ENDS = {
    "COMPLETEAGENT": Call.Outcome.HANDLED,
    "COMPLETECALLER": Call.Outcome.HANDLED,
    "ABANDON": Call.Outcome.ABANDONED,
    "EXITWITHTIMEOUT": Call.Outcome.UNANSWERED,
    "EXITEMPTY": Call.Outcome.UNANSWERED,
    "BLINDTRANSFER": Call.Outcome.TRANSFERRED,
    "ATTENDEDTRANSFER": Call.Outcome.TRANSFERRED,
}
# Which outcome wins when lines (or a line and the call as kept) say different things.
_RANK = {
    Call.Outcome.UNANSWERED: 1,
    Call.Outcome.ABANDONED: 2,
    Call.Outcome.HANDLED: 3,
    Call.Outcome.MESSAGE: 4,
    Call.Outcome.TRANSFERRED: 5,
}
_END_RANK = {event: _RANK[outcome] for event, outcome in _ENDS.items()}
# One staged row per readable line about a call (the temporary table's columns).
STAGED = ("line_no", "call_id", "event", "at_s", "start_s", "end_rank", "agent_ext", "arg")


class Malformed(ValueError):
    """A line that cannot be read as a queue_log line."""


@dataclass
class ImportResult:
    lines: int = 0
    call_lines: int = 0
    not_about_a_call: int = 0
    calls_added: int = 0
    calls_updated: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _seconds(value: str, what: str) -> int:
    try:
        seconds = int(value)
    except ValueError:
        raise Malformed(f"{what} is not a whole number: {value[:20]!r}") from None
    if not 0 <= seconds <= 10**7:
        raise Malformed(f"{what} is out of range: {seconds}")
    return seconds


@functools.lru_cache(maxsize=4096)
def agent_extension(agent: str) -> str:
    """The extension in an agent's channel: PJSIP/201, SIP/201-0000a, Local/201@queue."""
    found = _EXTENSION.search(agent)
    return found.group(1) if found else ""


def parse_line(number: int, raw: str) -> tuple[Any, ...] | None:
    """A queue_log line about a call as its staged row (`STAGED`), None for a
    queue-wide or unlisted event, or Malformed with the reason."""
    text = raw.rstrip("\r\n")
    if "\x00" in text:
        raise Malformed("contains a NUL character")
    parts = text.split("|")
    if len(parts) < 5:
        raise Malformed(f"{len(parts)} fields, at least 5 expected")
    epoch, call_id, _queue, agent, event = parts[:5]
    try:
        seconds = int(epoch)
    except ValueError:
        raise Malformed(f"the time is not a whole number: {epoch[:20]!r}") from None
    if not 0 < seconds < 253_370_000_000:
        raise Malformed(f"the time is out of range: {seconds}")
    event = event.strip()
    if event not in CALL_EVENTS or call_id in ("", "NONE"):
        if event in CALL_EVENTS:
            raise Malformed("no call id")
        return None
    if len(call_id) > 64:
        raise Malformed("the call id is longer than 64 characters")
    start = seconds
    wait_field = _WAIT_FIELD.get(event)
    if wait_field is not None:
        if len(parts) <= 5 + wait_field:
            raise Malformed(f"{event} without its waiting time")
        start = seconds - _seconds(parts[5 + wait_field], "the waiting time")
    extension = ""
    arg = ""
    if event == "ENTERQUEUE":
        if len(parts) < 7:
            raise Malformed("ENTERQUEUE without the caller's number")
        arg = parts[6].strip()[:200]
    elif event == "CONNECT":
        extension = agent_extension(agent.strip())
    elif event == "BLINDTRANSFER" and len(parts) > 5:
        arg = parts[5].strip()[:20]
    return (number, call_id, event, seconds, start, _END_RANK.get(event, 0), extension, arg)


class _Directory:
    """The office's extensions: operators (their sign-in) and transfer targets."""

    def __init__(self, office: Office) -> None:
        rows = (
            StaffMember.objects.active()
            .of_office(office)
            .exclude(extension="")
            .values_list("extension", "pk", "user_id")
        )
        self.rows: dict[str, tuple[int, int | None]] = {}
        for extension, pk, user_id in rows:
            self.rows.setdefault(extension, (pk, user_id))


def _staged(lines: Iterable[str], result: ImportResult) -> Iterator[tuple[Any, ...]]:
    skipped = result.skipped
    for number, raw in enumerate(lines, start=1):
        result.lines = number
        if not raw.strip():
            continue
        try:
            row = parse_line(number, raw)
        except Malformed as exc:
            skipped.append((number, str(exc)))
            continue
        if row is None:
            result.not_about_a_call += 1
            continue
        result.call_lines += 1
        yield row


# --- PostgreSQL: the raw lines staged with COPY and read in SQL ----------------------

# What Python's str.strip() removes (every character whose isspace() is true); a test
# checks the list against Python's own.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_CHUNK = 1 << 20
_NUL = "contains a NUL character"


def _raw_blocks(lines: Iterable[str], result: ImportResult) -> Iterator[str]:
    """The lines as COPY text (one row each, in order), counted into `result.lines`. A
    file is read in large blocks (its lines are what iterating it gives: split at each
    newline); any other iterable line by line. A line with a NUL character (which
    PostgreSQL's text cannot hold) is reported here and staged blank."""
    read = getattr(lines, "read", None)
    if read is None:
        batch: list[str] = []
        for line in lines:
            batch.append(line[:-1] if line.endswith("\n") else line)
            if len(batch) >= 10_000:
                yield _block_of_lines(batch, result)
                batch = []
        if batch:
            yield _block_of_lines(batch, result)
        return
    carry = ""
    while True:
        block = read(_CHUNK)
        if not block:
            break
        block = carry + block
        cut = block.rfind("\n") + 1
        carry = block[cut:]
        if cut:
            yield _block(block[:cut], result)
    if carry:
        yield _block(carry + "\n", result)


def _block(block: str, result: ImportResult) -> str:
    """Whole lines, each ending in a newline, as COPY text."""
    if "\x00" in block or "\r" in block:
        return _block_of_lines(block[:-1].split("\n"), result)
    result.lines += block.count("\n")
    return _escaped(block)


def _escaped(text: str) -> str:
    """Text as a COPY text-format field, line ends apart (str.replace, not translate:
    translate looks each character up in a dict, ten times slower)."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text:
        text = text.replace("\t", "\\t")
    if "\r" in text:
        text = text.replace("\r", "\\r")
    return text


def _block_of_lines(batch: list[str], result: ImportResult) -> str:
    out = []
    for line in batch:
        result.lines += 1
        if "\x00" in line:
            result.skipped.append((result.lines, _NUL))
            line = ""
        # What parse_line strips first (SQL then reads the line as it is).
        line = line.rstrip("\r\n")
        out.append(_escaped(line).replace("\n", "\\n"))
    return "\n".join(out) + "\n"


def _parse_sql() -> str:
    """Each staged raw line read as `parse_line` reads it, for the lines it can read
    without doubt: kind 'c' (a line about a call, with its staged values), 'o' (not about
    a call), or 'p' for anything else (a malformed line, a blank one, an event or number
    with spaces around it, a number written as only Python's int() reads it...), which
    Python's `parse_line` then reads and reports. Fields are cut with split_part (an
    array's subscripts cost ten times as much); `OFFSET 0` keeps each level's values
    computed once per line. tests/telephony/test_queue_log.py checks both agree."""
    events = ", ".join(f"'{e}'" for e in sorted(CALL_EVENTS))
    waits = ", ".join(f"'{e}'" for e in _WAIT_FIELD)
    wait_field = " ".join(
        f"WHEN '{e}' THEN split_part(line, '|', {6 + i})" for e, i in _WAIT_FIELD.items()
    )
    ranks = " ".join(f"WHEN '{e}' THEN {r}" for e, r in _END_RANK.items())

    def digits(x: str, most: int) -> str:
        # Only ASCII digits: trimmed as bytes (a multi-byte character has no byte 0x30-0x39),
        # twice as fast as ltrim on text, which compares characters.
        only = f"btrim(convert_to({x}, 'UTF8'), '\\x30313233343536373839'::bytea) = ''::bytea"
        return f"({x} <> '' AND length({x}) <= {most} AND {only})"

    def plain(x: str) -> str:
        # Not empty, and strip() would not change it (printable ASCII at both ends).
        ends = f"ascii({x}) BETWEEN 33 AND 126 AND ascii(right({x}, 1)) BETWEEN 33 AND 126"
        return f"({x} <> '' AND {ends})"

    wait_ok = f"(CASE WHEN {digits('w', 8)} THEN w::bigint <= {10**7} ELSE false END)"
    # The fields every line needs; the others only for the events that have them.
    fields = ", ".join(f"split_part(line, '|', {n}) AS f{n}" for n in (1, 2))
    fields += "".join(
        f", (CASE f5 WHEN '{event}' THEN split_part(line, '|', {n}) END) AS f{n}"
        for event, n in (("CONNECT", 4), ("BLINDTRANSFER", 6), ("ENTERQUEUE", 7))
    )
    return f"""
        CREATE TEMPORARY TABLE ql_parsed AS
        SELECT line_no, kind, left(f2, 64)::varchar(64) AS call_id, f5::varchar(16) AS event,
               at_s,
               (CASE WHEN kind = 'c' AND f5 IN ({waits}) THEN at_s - w::bigint
                     ELSE at_s END) AS start_s,
               (CASE f5 {ranks} ELSE 0 END)::smallint AS end_rank,
               (CASE WHEN kind = 'c' AND f5 = 'CONNECT' THEN f4 END) AS agent,
               NULL::varchar(20) AS agent_ext,
               (CASE WHEN kind <> 'c' THEN ''
                     WHEN f5 = 'ENTERQUEUE' THEN left(f7, 200)
                     WHEN f5 = 'BLINDTRANSFER' THEN left(f6, 20)
                     ELSE '' END)::varchar(200) AS arg
        FROM (
            SELECT *, (CASE
                WHEN at_s IS NULL OR at_s <= 0 OR at_s >= 253370000000 THEN 'p'
                WHEN f5 NOT IN ({events}) THEN
                    (CASE WHEN f5 = '' OR btrim(f5, %(ws)s) IN ({events}) THEN 'p' ELSE 'o' END)
                WHEN f2 IN ('', 'NONE') OR char_length(f2) > 64 THEN 'p'
                WHEN f5 IN ({waits}) AND NOT {wait_ok} THEN 'p'
                WHEN f5 = 'ENTERQUEUE' AND NOT {plain("f7")} THEN 'p'
                WHEN f5 = 'BLINDTRANSFER' AND f6 <> '' AND NOT {plain("f6")} THEN 'p'
                ELSE 'c' END)::char(1) AS kind
            FROM (
                SELECT *, (CASE WHEN {digits("f1", 15)} THEN f1::bigint END) AS at_s
                FROM (
                    SELECT line_no, f5, {fields}, (CASE f5 {wait_field} END) AS w
                    FROM (SELECT line_no, line, split_part(line, '|', 5) AS f5 FROM ql_raw) AS r
                    OFFSET 0
                ) AS s
                OFFSET 0
            ) AS t
            OFFSET 0
        ) AS u
    """  # noqa: S608 - names from the code


def _stage_postgres(cursor: Any, lines: Iterable[str], result: ImportResult) -> None:
    """Stage the lines (ql_line) on PostgreSQL: COPY them as they are, read them in SQL
    (`_parse_sql`), hand the few SQL leaves to `parse_line`."""
    cursor.execute(
        "CREATE TEMPORARY TABLE ql_raw (line_no bigint GENERATED ALWAYS AS IDENTITY, line text)"
    )
    with cursor.cursor.copy("COPY ql_raw (line) FROM STDIN") as copy:
        for block in _raw_blocks(lines, result):
            copy.write(block)
    cursor.execute(_parse_sql(), {"ws": PY_WHITESPACE})
    cursor.execute("SELECT kind, count(*) FROM ql_parsed GROUP BY kind")
    counts = dict(cursor.fetchall())
    result.call_lines += counts.get("c", 0)
    result.not_about_a_call += counts.get("o", 0)
    cursor.execute(
        "SELECT line_no, line FROM ql_raw WHERE line_no IN "
        "(SELECT line_no FROM ql_parsed WHERE kind = 'p') ORDER BY line_no"
    )
    rows = []
    for number, raw in cursor.fetchall():
        if not raw.strip():
            continue
        try:
            row = parse_line(number, raw)
        except Malformed as exc:
            result.skipped.append((number, str(exc)))
            continue
        if row is None:
            result.not_about_a_call += 1
            continue
        result.call_lines += 1
        *head, agent_ext, arg = row
        rows.append((*head[:2], "c", *head[2:], None, agent_ext, arg))
    result.skipped.sort()
    if rows:
        columns = ("line_no", "call_id", "kind", "event", "at_s", "start_s", "end_rank")
        d = _Dialect()
        _load(cursor, d, "ql_parsed", (*columns, "agent", "agent_ext", "arg"), rows)
    # The extension in each distinct agent of a CONNECT, by the one rule in Python.
    cursor.execute("SELECT DISTINCT agent FROM ql_parsed WHERE agent IS NOT NULL")
    agents = [(agent, agent_extension(agent.strip())) for (agent,) in cursor.fetchall()]
    cursor.execute("CREATE TEMPORARY TABLE ql_agent (agent text PRIMARY KEY, ext varchar(20))")
    _load(cursor, _Dialect(), "ql_agent", ("agent", "ext"), agents)
    cursor.execute(
        "CREATE TEMPORARY VIEW ql_line AS SELECT p.line_no, p.call_id, p.event, p.at_s, "
        "p.start_s, p.end_rank, COALESCE(p.agent_ext, a.ext, '') AS agent_ext, p.arg "
        "FROM ql_parsed p LEFT JOIN ql_agent a ON a.agent = p.agent WHERE p.kind = 'c'"
    )
    cursor.execute("ANALYZE ql_parsed")


# --- the SQL: the call's rules, once, for both databases ------------------------------


class _Dialect:
    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    def ts(self, seconds: str) -> str:
        """A timestamp column's value for epoch seconds."""
        if self.postgres:
            return f"to_timestamp({seconds})"
        # Django keeps SQLite's datetimes as UTC text, 'YYYY-MM-DD HH:MM:SS[.ffffff]'.
        return f"datetime({seconds}, 'unixepoch')"

    def differs(self, a: str, b: str) -> str:
        return f"({a} IS DISTINCT FROM {b})" if self.postgres else f"({a} IS NOT {b})"

    def temp(self, name: str, columns: str) -> str:
        return f"CREATE TEMPORARY TABLE {name} ({columns})"


def _columns() -> dict[str, str]:
    return {f.name: f.column for f in Call._meta.concrete_fields}


def _earlier(a: str, b: str) -> str:
    return f"(CASE WHEN {a} IS NULL OR {b} < {a} THEN {b} ELSE {a} END)"


def _later(a: str, b: str) -> str:
    return f"(CASE WHEN {a} IS NULL OR {b} > {a} THEN {b} ELSE {a} END)"


def _rank_of(outcome: str) -> str:
    cases = " ".join(f"WHEN '{o}' THEN {r}" for o, r in _RANK.items())
    return f"(CASE {outcome} {cases} ELSE 0 END)"


def _outcome_of(rank: str, answered: str, ended: str) -> str:
    """The outcome an ended call keeps: the strongest said; an answered call is never
    abandoned or left unanswered (it was handled); an open call has none."""
    cases = " ".join(f"WHEN {r} THEN '{o}'" for o, r in _RANK.items())
    weak = ", ".join(str(_RANK[o]) for o in (Call.Outcome.ABANDONED, Call.Outcome.UNANSWERED))
    return (
        f"(CASE WHEN {ended} IS NULL THEN '' "
        f"WHEN {answered} IS NOT NULL AND {rank} IN ({weak}) THEN '{Call.Outcome.HANDLED}' "
        f"ELSE (CASE {rank} {cases} ELSE '{Call.Outcome.HANDLED}' END) END)"
    )


def _fold_sql(d: _Dialect) -> str:
    """Each call's lines folded into one row: ql_call."""

    def first(where: str, columns: str, source: str = "ql_line l") -> str:
        return (
            f"SELECT * FROM (SELECT l.call_id, {columns}, ROW_NUMBER() OVER "  # noqa: S608 - names from the models
            f"(PARTITION BY l.call_id ORDER BY l.at_s, l.line_no) AS n "
            f"FROM {source} WHERE {where}) AS f WHERE f.n = 1"
        )

    connect = first("l.event = 'CONNECT'", "l.agent_ext")
    number = first("l.event = 'ENTERQUEUE' AND l.arg <> ''", "l.arg")
    transfer = first(
        "l.event = 'BLINDTRANSFER'",
        "d.staff_id, l.at_s",
        "ql_line l JOIN ql_dir d ON d.ext = l.arg",
    )
    return f"""
        CREATE TEMPORARY TABLE ql_call AS
        SELECT a.call_id, a.ring_s, a.answered_s, a.ended_s, a.end_rank,
               c.agent_ext AS operator_ext, e.arg AS raw_number,
               t.staff_id AS transfer_staff_id, t.at_s AS transfer_s
        FROM (
            SELECT l.call_id,
                   MIN(l.start_s) AS ring_s,
                   MIN(CASE WHEN l.event = 'CONNECT' THEN l.at_s END) AS answered_s,
                   MAX(CASE WHEN l.end_rank > 0 THEN l.at_s END) AS ended_s,
                   MAX(l.end_rank) AS end_rank
            FROM ql_line l GROUP BY l.call_id
        ) AS a
        LEFT JOIN ({connect}) AS c ON c.call_id = a.call_id
        LEFT JOIN ({number}) AS e ON e.call_id = a.call_id
        LEFT JOIN ({transfer}) AS t ON t.call_id = a.call_id
    """  # noqa: S608 - names from the models


def _merge_sql(d: _Dialect) -> str:
    """Each folded call merged with the call as kept (none for a new one): ql_merged,
    with `changed` saying whether the kept call must be written."""
    c = _columns()
    ts = d.ts
    ring = _earlier(f"k.{c['ring_at']}", ts("q.ring_s"))
    answered = _earlier(f"k.{c['answered_at']}", ts("q.answered_s"))
    ended = _later(f"k.{c['ended_at']}", ts("q.ended_s"))
    rank_k = _rank_of(f"k.{c['outcome']}")
    rank = f"(CASE WHEN {rank_k} > q.end_rank THEN {rank_k} ELSE q.end_rank END)"
    # The first CONNECT of these lines is the answer if it came before the kept one.
    new_answer = (
        f"(q.answered_s IS NOT NULL AND (k.{c['answered_at']} IS NULL "
        f"OR {ts('q.answered_s')} < k.{c['answered_at']}))"
    )
    new_transfer = f"(k.{c['transfer_to']} IS NULL AND q.transfer_staff_id IS NOT NULL)"
    number = (
        f"(CASE WHEN k.{c['id']} IS NULL OR k.{c['caller_number']} = '' "
        f"THEN COALESCE(n.number, '') ELSE k.{c['caller_number']} END)"
    )
    return f"""
        CREATE TEMPORARY TABLE ql_merged AS
        SELECT m.*, {_outcome_of("m.rank", "m.answered_at", "m.ended_at")} AS outcome,
               (CASE WHEN m.ended_at IS NOT NULL THEN '{Call.Status.ENDED}'
                     WHEN m.answered_at IS NOT NULL
                          AND (m.status IS NULL OR m.status = '{Call.Status.RINGING}')
                     THEN '{Call.Status.ANSWERED}'
                     ELSE COALESCE(m.status, '{Call.Status.RINGING}') END) AS new_status
        FROM (
            SELECT q.call_id, k.{c["id"]} AS id, k.{c["status"]} AS status,
                   {number} AS caller_number,
                   {ring} AS ring_at, {answered} AS answered_at, {ended} AS ended_at,
                   {rank} AS rank,
                   (CASE WHEN {new_answer} THEN o.user_id ELSE k.{c["operator"]} END)
                       AS operator_id,
                   (CASE WHEN {new_answer} THEN COALESCE(q.operator_ext, '')
                         ELSE COALESCE(k.{c["operator_extension"]}, '') END) AS operator_extension,
                   (CASE WHEN {new_transfer} THEN q.transfer_staff_id
                         ELSE k.{c["transfer_to"]} END) AS transfer_to_id,
                   (CASE WHEN {new_transfer} THEN {ts("q.transfer_s")}
                         ELSE k.{c["transferred_at"]} END) AS transferred_at,
                   k.{c["outcome"]} AS kept_outcome, k.{c["hold_since"]} AS hold_since,
                   k.{c["caller_number"]} AS kept_number,
                   k.{c["ring_at"]} AS kept_ring, k.{c["answered_at"]} AS kept_answered,
                   k.{c["ended_at"]} AS kept_ended, k.{c["operator"]} AS kept_operator,
                   k.{c["operator_extension"]} AS kept_extension,
                   k.{c["transfer_to"]} AS kept_transfer_to,
                   k.{c["transferred_at"]} AS kept_transferred
            FROM ql_call q
            LEFT JOIN {Call._meta.db_table} k
                   ON k.{c["office"]} = %s AND k.{c["call_id"]} = q.call_id
            LEFT JOIN ql_number n ON n.call_id = q.call_id
            LEFT JOIN ql_dir o ON o.ext = q.operator_ext
        ) AS m
    """  # noqa: S608 - names from the models


def _changed(d: _Dialect) -> str:
    pairs = [
        ("caller_number", "kept_number"),
        ("ring_at", "kept_ring"),
        ("answered_at", "kept_answered"),
        ("ended_at", "kept_ended"),
        ("operator_id", "kept_operator"),
        ("operator_extension", "kept_extension"),
        ("transfer_to_id", "kept_transfer_to"),
        ("transferred_at", "kept_transferred"),
        ("outcome", "kept_outcome"),
        ("new_status", "status"),
    ]
    return " OR ".join(d.differs(f"m.{a}", f"m.{b}") for a, b in pairs) + (
        " OR (m.ended_at IS NOT NULL AND m.hold_since IS NOT NULL)"
    )


def _insert_sql() -> str:
    c = _columns()
    table = Call._meta.db_table
    values = {
        "office": "%s",
        "call_id": "m.call_id",
        "direction": f"'{Call.Direction.IN}'",
        "caller_number": "m.caller_number",
        "caller_name": "''",
        "language": f"'{Call.Language.MS}'",
        "status": "m.new_status",
        "times_from_exchange": "%s",
        "ring_at": "m.ring_at",
        "answered_at": "m.answered_at",
        "operator": "m.operator_id",
        "operator_extension": "m.operator_extension",
        "service": "NULL",
        "notes": "''",
        "transfer_to": "m.transfer_to_id",
        "transferred_at": "m.transferred_at",
        "officer_answered_at": "NULL",
        "transfer_returned_at": "NULL",
        "hold_since": "NULL",
        "last_hold_update_at": "NULL",
        "ended_at": "m.ended_at",
        "outcome": "m.outcome",
    }
    missing = set(c) - set(values) - {"id"}
    if missing:  # a new column of Call must be given its value here
        raise RuntimeError(f"queue_log import: no value for {sorted(missing)}")
    names = ", ".join(c[name] for name in values)
    return (
        f"INSERT INTO {table} ({names}) SELECT {', '.join(values.values())} "  # noqa: S608 - names from the models
        f"FROM ql_merged m WHERE m.id IS NULL ORDER BY m.ring_at, m.call_id"
    )


def _update_sql(d: _Dialect) -> str:
    c = _columns()
    table = Call._meta.db_table
    sets = {
        "caller_number": "m.caller_number",
        "ring_at": "m.ring_at",
        "answered_at": "m.answered_at",
        "ended_at": "m.ended_at",
        "operator": "m.operator_id",
        "operator_extension": "m.operator_extension",
        "transfer_to": "m.transfer_to_id",
        "transferred_at": "m.transferred_at",
        "outcome": "m.outcome",
        "status": "m.new_status",
        "hold_since": "(CASE WHEN m.ended_at IS NOT NULL THEN NULL ELSE m.hold_since END)",
    }
    assignments = ", ".join(f"{c[name]} = {value}" for name, value in sets.items())
    return (
        f"UPDATE {table} SET {assignments} FROM ql_merged m "  # noqa: S608 - names from the models
        f"WHERE {table}.{c['id']} = m.id AND ({_changed(d)})"
    )


_TEMP_TABLES = ("ql_dir", "ql_number", "ql_call", "ql_merged")
# On PostgreSQL ql_line is a view of ql_parsed; on SQLite a table of its own.
_PG_TEMP_TABLES = ("ql_raw", "ql_parsed", "ql_agent")


def _drop_staging(cursor: Any, d: _Dialect, *, if_exists: bool = False) -> None:
    """Drop the import's temporary tables (ql_line first: on PostgreSQL a view)."""
    exists = "IF EXISTS " if if_exists else ""
    cursor.execute(f"DROP {'VIEW' if d.postgres else 'TABLE'} {exists}ql_line")
    for name in (*_TEMP_TABLES, *(_PG_TEMP_TABLES if d.postgres else ())):
        cursor.execute(f"DROP TABLE {exists}{name}")


def _copy_text(value: Any) -> str:
    """A value in COPY's text format (None is \\N)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return _escaped(value).replace("\n", "\\n")
    return str(value)


def _load(cursor: Any, d: _Dialect, table: str, columns: tuple[str, ...], rows: Any) -> None:
    if d.postgres:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            chunk: list[str] = []
            for row in rows:
                chunk.append("\t".join(map(_copy_text, row)))
                if len(chunk) >= 10_000:
                    copy.write("\n".join(chunk) + "\n")
                    chunk = []
            if chunk:
                copy.write("\n".join(chunk) + "\n")
        return
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('%s' for _ in columns)})"  # noqa: S608 - names from the models
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= SQLITE_BATCH:
            cursor.executemany(sql, batch)
            batch = []
    if batch:
        cursor.executemany(sql, batch)


# A Malaysian number in national form, digits only: what exchanges log as caller id.
_NATIONAL = re.compile(r"0[1-9][0-9]{5,12}")
_MALAYSIA = phonenumbers.PhoneMetadata.metadata_for_region("MY")
_TYPE_DESCS = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


def _matches_for_length(length: int) -> re.Pattern[str] | None:
    """One pattern doing what phonenumbers' `_number_type_helper` decides for a national
    number of this length in Malaysia (a type other than UNKNOWN): the general
    description matches, and so does one of the types' (each desc counts only for its
    possible lengths, as `_is_number_matching_desc` has it)."""

    def fits(desc: Any) -> bool:
        return bool(
            desc is not None
            and desc.national_number_pattern
            and (not desc.possible_length or length in desc.possible_length)
        )

    general = _MALAYSIA.general_desc
    types = [getattr(_MALAYSIA, name) for name in _TYPE_DESCS]
    types = [desc for desc in types if fits(desc)]
    if not fits(general) or not types:
        return None
    alternatives = "|".join(f"(?:{desc.national_number_pattern})" for desc in types)
    return re.compile(f"(?=(?:{general.national_number_pattern})\\Z)(?:{alternatives})")


_VALID_BY_LENGTH = {length: _matches_for_length(length) for length in range(1, 18)}


def clean_national_number(raw: str) -> str:
    """`services.clean_number`, without phonenumbers' parse for the exchange's usual
    national digits (0 then the number): parse would strip the 0 and keep the rest as the
    national number, so the number is valid exactly when phonenumbers finds a type for
    that rest in Malaysia's metadata (one pattern per length, `_matches_for_length`),
    and is then +60 and the rest. Anything else goes to `clean_number` itself. Parse ran
    for every call added (session 10's bench/queue_log_import.py run named it among each
    call's costs); `tests/telephony/test_queue_log.py` checks both give the same on
    random numbers."""
    digits = raw.strip()
    if not _NATIONAL.fullmatch(digits):
        return clean_number(raw)
    rest = digits[1:]
    valid = _VALID_BY_LENGTH.get(len(rest))
    if valid is not None and valid.fullmatch(rest):
        return "+60" + rest
    return digits


def _numbers(rows: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The caller numbers new to the call log, cleaned (once per distinct raw number)
    and encrypted as the field stores them (an empty number as empty, every other one
    as its own Fernet token: `crypto.encrypt_many`, all in one batch)."""
    clean = functools.lru_cache(maxsize=65_536)(clean_national_number)
    cleaned = [(call_id, clean(raw)) for call_id, raw in rows]
    tokens = iter(crypto.encrypt_many([number for _, number in cleaned if number]))
    return [(call_id, next(tokens) if number else "") for call_id, number in cleaned]


def import_queue_log(
    office: Office, lines: Iterable[str], *, acting_user: Any = None, source: str = ""
) -> ImportResult:
    """Fold queue_log lines into the office's calls; see the module's docstring."""
    result = ImportResult()
    d = _Dialect()
    directory = _Directory(office)
    c = _columns()
    with transaction.atomic(), connection.cursor() as cursor:
        if d.postgres:
            cursor.execute("SET LOCAL work_mem = '64MB'")
        _drop_staging(cursor, d, if_exists=True)
        cursor.execute(
            d.temp("ql_dir", "ext varchar(20) PRIMARY KEY, staff_id bigint, user_id bigint")
        )
        cursor.execute(d.temp("ql_number", "call_id varchar(64) PRIMARY KEY, number text"))
        if d.postgres:
            _stage_postgres(cursor, lines, result)
        else:
            cursor.execute(
                d.temp(
                    "ql_line",
                    "line_no bigint, call_id varchar(64), event varchar(16), at_s bigint, "
                    "start_s bigint, end_rank smallint, agent_ext varchar(20), arg varchar(200)",
                )
            )
            _load(cursor, d, "ql_line", STAGED, _staged(lines, result))
        _load(
            cursor,
            d,
            "ql_dir",
            ("ext", "staff_id", "user_id"),
            ((ext, pk, user) for ext, (pk, user) in directory.rows.items()),
        )
        cursor.execute(_fold_sql(d))
        if d.postgres:
            # Temporary tables are never analysed by autovacuum: the plans need counts.
            cursor.execute("ANALYZE ql_call")
        cursor.execute(
            f"SELECT q.call_id, q.raw_number FROM ql_call q "  # noqa: S608 - names from the models
            f"LEFT JOIN {Call._meta.db_table} k "
            f"ON k.{c['office']} = %s AND k.{c['call_id']} = q.call_id "
            f"WHERE q.raw_number IS NOT NULL AND (k.{c['id']} IS NULL "
            f"OR k.{c['caller_number']} = '')",
            [office.pk],
        )
        _load(cursor, d, "ql_number", ("call_id", "number"), _numbers(cursor.fetchall()))
        cursor.execute(_merge_sql(d), [office.pk])
        cursor.execute(_insert_sql(), [office.pk, True])
        result.calls_added = max(cursor.rowcount, 0)
        cursor.execute(_update_sql(d))
        result.calls_updated = max(cursor.rowcount, 0)
        _drop_staging(cursor, d)
        log_action(
            "telephony.queue_log.imported",
            user=acting_user,
            office=office,
            actor="" if acting_user else "weserve import-queue-log",
            data={
                "source": source[:200],
                "lines": result.lines,
                "added": result.calls_added,
                "updated": result.calls_updated,
                "skipped": len(result.skipped),
            },
        )
    return result
