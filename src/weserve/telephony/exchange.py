"""Events from the office's telephone exchange (the computer-telephony webhook).

Each event is kept once by its `event_id` (a repeat is answered "duplicate" and changes
nothing) together with what became of it: applied to its call, or ignored with a reason
(an unknown extension, a call never seen, an event out of order). Nothing the exchange
sends makes a crash or counts twice; every ignored event is also logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from weserve.core import clock
from weserve.core.errors import DomainError
from weserve.organisation.models import Office, StaffMember
from weserve.telephony import services
from weserve.telephony.models import Call, CallEvent

log = logging.getLogger(__name__)

APPLIED = "applied"
IGNORED = "ignored"
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class EventResult:
    result: str
    reason: str = ""
    call: Call | None = None


def staff_at_extension(office: Office, extension: str) -> StaffMember | None:
    """The active member of the office's directory at this extension, if one is."""
    if not extension:
        return None
    return (
        StaffMember.objects.active()
        .of_office(office)
        .filter(extension=extension)
        .order_by("pk")
        .first()
    )


def _apply(
    office: Office,
    *,
    event: str,
    call_id: str,
    caller: str,
    direction: str,
    extension: str,
    at: dt.datetime,
) -> EventResult:
    call = Call.objects.filter(office=office, call_id=call_id).first()
    if event == CallEvent.Kind.RINGING:
        if call is not None:
            return EventResult(IGNORED, "call already ringing or answered", call)
        created = services.ring(
            office,
            call_id=call_id,
            caller_number=caller,
            direction=direction,
            at=at,
            from_exchange=True,
        )
        return EventResult(APPLIED, "", created)
    if call is None:
        return EventResult(IGNORED, "call never seen")
    if call.status == Call.Status.ENDED:
        return EventResult(IGNORED, "call already ended", call)
    if at < call.ring_at:
        return EventResult(IGNORED, "out of order: before the call rang", call)
    if event == CallEvent.Kind.ANSWERED:
        if call.status == Call.Status.RINGING:
            person = staff_at_extension(office, extension)
            user = person.user if person is not None else None
            return EventResult(
                APPLIED,
                "" if person else "answered at an extension not in the directory",
                services.answer(call, acting_user=user, at=at, extension=extension),
            )
        officer = call.transfer_to
        if (
            call.status in (Call.Status.TRANSFERRING, Call.Status.ON_HOLD)
            and officer is not None
            and extension == officer.extension
        ):
            return EventResult(APPLIED, "", services.officer_answered(call, at=at))
        return EventResult(IGNORED, "already answered", call)
    if event == CallEvent.Kind.TRANSFERRED:
        target = staff_at_extension(office, extension)
        if target is None:
            return EventResult(IGNORED, "unknown extension", call)
        if call.status not in (Call.Status.ANSWERED, Call.Status.ON_HOLD):
            return EventResult(IGNORED, "out of order: not with the operator", call)
        moved = services.transfer(call, officer=target, at=at, from_exchange=True)
        return EventResult(APPLIED, "", moved.call)
    # hangup
    return EventResult(APPLIED, "", services.hang_up(call, at=at))


@transaction.atomic
def record_event(
    office: Office,
    *,
    event_id: str,
    event: str,
    call_id: str,
    caller: str = "",
    direction: str = Call.Direction.IN,
    extension: str = "",
    at: dt.datetime,
) -> EventResult:
    """Apply one exchange event to its call, once. The event is kept with its result."""
    try:
        with transaction.atomic():
            row = CallEvent.objects.create(
                office=office,
                event_id=event_id,
                kind=event,
                call_ref=call_id,
                extension=extension,
                at=at,
                received_at=clock.now(),
                result=IGNORED,
                reason="",
            )
    except IntegrityError:
        log.info("exchange event %s of %s repeated: ignored", event_id, office.code)
        return EventResult(DUPLICATE, "repeated event_id")
    try:
        with transaction.atomic():
            outcome = _apply(
                office,
                event=event,
                call_id=call_id,
                caller=caller,
                direction=direction,
                extension=extension,
                at=at,
            )
    except DomainError as exc:
        outcome = EventResult(IGNORED, f"refused: {exc.code}")
    row.result = outcome.result if outcome.result == APPLIED else IGNORED
    row.reason = outcome.reason[:200]
    row.call = outcome.call
    row.save(update_fields=["result", "reason", "call"])
    if outcome.result == IGNORED:
        log.warning(
            "exchange event %s (%s, call %s) of %s ignored: %s",
            event_id,
            event,
            call_id,
            office.code,
            outcome.reason,
        )
    return outcome


def event_payload(result: EventResult, event_id: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "result": result.result,
        "reason": result.reason,
        "call_id": result.call.call_id if result.call is not None else None,
        "status": result.call.status if result.call is not None else None,
    }
