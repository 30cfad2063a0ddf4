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

The fold is a merge: the ring time is the earliest seen, the answer the first, the end
the last, and an outcome once set stays. Importing the same lines again (or a file that
overlaps an earlier one) therefore adds nothing and changes nothing. A line that cannot
be read is reported with its number and skipped; the rest imports. Queue-wide lines
(callid NONE: QUEUESTART, ADDMEMBER, PAUSE...) and events not listed above are counted
as not about a call.

Calls are written in batches: one query reads the batch's known calls, one inserts the
new ones, one updates those that changed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from weserve.core.audit import log_action
from weserve.organisation.models import Office, StaffMember
from weserve.telephony.models import Call
from weserve.telephony.services import clean_number

BATCH_LINES = 20_000
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
# The data field holding the seconds waited, for calls whose ENTERQUEUE line is missing.
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
# Which outcome wins when lines say different things (a transfer after an answer...).
_RANK = {
    "": 0,
    Call.Outcome.UNANSWERED: 1,
    Call.Outcome.ABANDONED: 2,
    Call.Outcome.HANDLED: 3,
    Call.Outcome.MESSAGE: 4,
    Call.Outcome.TRANSFERRED: 5,
}
FIELDS = (
    "caller_number",
    "ring_at",
    "answered_at",
    "operator_id",
    "operator_extension",
    "transfer_to_id",
    "transferred_at",
    "ended_at",
    "outcome",
    "status",
)


class Malformed(ValueError):
    """A line that cannot be read as a queue_log line."""


@dataclass(frozen=True)
class Line:
    number: int
    at: dt.datetime
    call_id: str
    agent: str
    event: str
    data: tuple[str, ...]


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


def parse_line(number: int, raw: str) -> Line | None:
    """A queue_log line about a call, None for a queue-wide or unlisted event, or
    Malformed with the reason."""
    text = raw.rstrip("\r\n")
    if "\x00" in text:
        raise Malformed("contains a NUL character")
    parts = text.split("|")
    if len(parts) < 5:
        raise Malformed(f"{len(parts)} fields, at least 5 expected")
    epoch, call_id, _queue, agent, event = parts[:5]
    data = tuple(parts[5:])
    try:
        seconds = int(epoch.strip())
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
    wait_field = _WAIT_FIELD.get(event)
    if wait_field is not None:
        if len(data) <= wait_field:
            raise Malformed(f"{event} without its waiting time")
        _seconds(data[wait_field], "the waiting time")
    if event == "ENTERQUEUE" and len(data) < 2:
        raise Malformed("ENTERQUEUE without the caller's number")
    at = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    return Line(number, at, call_id, agent.strip(), event, data)


def agent_extension(agent: str) -> str:
    """The extension in an agent's channel: PJSIP/201, SIP/201-0000a, Local/201@queue."""
    found = _EXTENSION.search(agent)
    return found.group(1) if found else ""


class _Directory:
    """The office's extensions: operators (their sign-in) and transfer targets."""

    def __init__(self, office: Office) -> None:
        rows = (
            StaffMember.objects.active()
            .of_office(office)
            .exclude(extension="")
            .values_list("extension", "pk", "user_id")
        )
        self.staff: dict[str, int] = {}
        self.users: dict[str, int | None] = {}
        for extension, pk, user_id in rows:
            self.staff.setdefault(extension, pk)
            self.users.setdefault(extension, user_id)


def _state_of(call: Call) -> dict[str, Any]:
    return {name: getattr(call, name) for name in FIELDS}


def _earlier(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _later(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def fold(state: dict[str, Any], lines: list[Line], directory: _Directory) -> dict[str, Any]:
    """A call's fields after its lines, merged with what it had (order-free, idempotent)."""
    state = dict(state)
    for line in sorted(lines, key=lambda each: (each.at, each.number)):
        event = line.event
        start = line.at
        wait_field = _WAIT_FIELD.get(event)
        if event == "ENTERQUEUE":
            if not state["caller_number"]:
                state["caller_number"] = clean_number(line.data[1])
        elif wait_field is not None:
            start = line.at - dt.timedelta(seconds=int(line.data[wait_field]))
        state["ring_at"] = _earlier(state["ring_at"], start)
        if event == "CONNECT":
            first = _earlier(state["answered_at"], line.at)
            if first == line.at and state["answered_at"] != line.at:
                extension = agent_extension(line.agent)
                state["operator_extension"] = extension
                state["operator_id"] = directory.users.get(extension)
            state["answered_at"] = first
        elif event in _ENDS:
            state["ended_at"] = _later(state["ended_at"], line.at)
            if _RANK[_ENDS[event]] > _RANK[state["outcome"]]:
                state["outcome"] = _ENDS[event]
            if event == "BLINDTRANSFER" and line.data:
                target = directory.staff.get(line.data[0].strip())
                if target is not None and state["transfer_to_id"] is None:
                    state["transfer_to_id"] = target
                    state["transferred_at"] = line.at
    # Everything after the first ring: a line whose times disagree cannot break the row.
    ring = state["ring_at"]
    if state["answered_at"] is not None and state["answered_at"] < ring:
        state["answered_at"] = ring
    if state["ended_at"] is not None and state["ended_at"] < ring:
        state["ended_at"] = ring
    if state["answered_at"] is not None and state["outcome"] in (
        Call.Outcome.ABANDONED,
        Call.Outcome.UNANSWERED,
    ):
        state["outcome"] = Call.Outcome.HANDLED
    if state["ended_at"] is not None:
        state["status"] = Call.Status.ENDED
        if not state["outcome"]:
            state["outcome"] = Call.Outcome.HANDLED
    elif state["answered_at"] is not None:
        state["status"] = Call.Status.ANSWERED
        state["outcome"] = ""
    else:
        state["status"] = Call.Status.RINGING
        state["outcome"] = ""
    return state


_EMPTY = {
    "caller_number": "",
    "ring_at": None,
    "answered_at": None,
    "operator_id": None,
    "operator_extension": "",
    "transfer_to_id": None,
    "transferred_at": None,
    "ended_at": None,
    "outcome": "",
    "status": Call.Status.RINGING,
}


def _write_batch(
    office: Office, lines: list[Line], directory: _Directory, result: ImportResult
) -> None:
    by_call: dict[str, list[Line]] = {}
    for line in lines:
        by_call.setdefault(line.call_id, []).append(line)
    known = {
        call.call_id: call
        for call in Call.objects.filter(office=office, call_id__in=list(by_call)).only(
            "pk", "call_id", *(name.removesuffix("_id") for name in FIELDS)
        )
    }
    new: list[Call] = []
    changed: list[Call] = []
    for call_id, its_lines in by_call.items():
        call = known.get(call_id)
        before = _state_of(call) if call is not None else _EMPTY
        after = fold(before, its_lines, directory)
        if call is None:
            new.append(
                Call(
                    office=office,
                    call_id=call_id,
                    direction=Call.Direction.IN,
                    times_from_exchange=True,
                    **after,
                )
            )
        elif after != before:
            for name, value in after.items():
                setattr(call, name, value)
            changed.append(call)
    with transaction.atomic():
        Call.objects.bulk_create(new, batch_size=2000)
        if changed:
            Call.objects.bulk_update(
                changed, [name.removesuffix("_id") for name in FIELDS], batch_size=500
            )
    result.calls_added += len(new)
    result.calls_updated += len(changed)


def _batches(lines: Iterable[str], result: ImportResult) -> Iterator[list[Line]]:
    batch: list[Line] = []
    for number, raw in enumerate(lines, start=1):
        result.lines += 1
        if not raw.strip():
            continue
        try:
            line = parse_line(number, raw)
        except Malformed as exc:
            result.skipped.append((number, str(exc)))
            continue
        if line is None:
            result.not_about_a_call += 1
            continue
        result.call_lines += 1
        batch.append(line)
        if len(batch) >= BATCH_LINES:
            yield batch
            batch = []
    if batch:
        yield batch


def import_queue_log(
    office: Office, lines: Iterable[str], *, acting_user: Any = None, source: str = ""
) -> ImportResult:
    """Fold queue_log lines into the office's calls; see the module's docstring."""
    result = ImportResult()
    directory = _Directory(office)
    for batch in _batches(lines, result):
        _write_batch(office, batch, directory, result)
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
