"""Every state change of the telephone desk: one function per use case, one transaction
each, with its audit entry and its live event on the office's `telephony` stream.

Times: a service takes `at` when the exchange told it (its events, its queue_log) and
reads the project clock otherwise. A call logged by hand (`times_from_exchange` False)
has no trustworthy ring time: it is kept out of the 10-second figure, never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from weserve.core import clock, live
from weserve.core.audit import log_action
from weserve.core.errors import DomainError
from weserve.core.fields import normalise_phone
from weserve.core.text import clean_text
from weserve.organisation.models import Office, Service, StaffMember
from weserve.telephony.models import (
    DEFAULT_TRANSFER_TIMEOUT_SECONDS,
    HOLD_PROMPT_SECONDS,
    NAME_MAX,
    NOTE_MAX,
    Call,
    HoldUpdate,
    Message,
    TelephonySettings,
)

STREAM = "telephony"
_DAY = dt.timedelta(days=1)
_SEARCH_DAYS = 3 * 366
_NUMBER_MAX = 32
OPEN_STATUSES = (
    Call.Status.RINGING,
    Call.Status.ANSWERED,
    Call.Status.ON_HOLD,
    Call.Status.TRANSFERRING,
    Call.Status.WITH_OFFICER,
)


class InvalidInput(DomainError):
    """Fields that cannot be saved, each with a translated message (422, nothing saved)."""

    def __init__(self, fields: dict[str, str | Promise]):
        super().__init__("invalid", " ".join(str(m) for m in fields.values()), status=422)
        self.fields = fields


# --- small helpers ----------------------------------------------------------------


def clean_number(raw: Any) -> str:
    """A caller's number as kept: E.164 when it parses as a phone number, otherwise the
    exchange's own digits (an internal extension, a short code), or "" if none."""
    if not isinstance(raw, str):
        return ""
    raw = raw.strip()
    if not raw:
        return ""
    try:
        return normalise_phone(raw)
    except ValidationError:
        kept = re.sub(r"[^0-9+]", "", raw)[:_NUMBER_MAX]
        return kept


def transfer_timeout(office: Office) -> int:
    """Seconds a transfer may ring before it comes back to the operator (office setting)."""
    found = TelephonySettings.objects.filter(office=office).values_list(
        "transfer_timeout_seconds", flat=True
    )
    return found.first() or DEFAULT_TRANSFER_TIMEOUT_SECONDS


def call_back_due(office: Office, taken_at: dt.datetime) -> dt.date:
    """The next working day after the day a message was taken: the call-back is due by
    its close (then it escalates to the supervisor)."""
    day = clock.business_day(taken_at) + _DAY
    for _i in range(_SEARCH_DAYS):
        if office.is_working_day(day):
            return day
        day += _DAY
    return day


def new_call_id() -> str:
    """A call id for a call the exchange did not number (logged by hand)."""
    return f"W-{secrets.token_hex(8)}"


def _event(call: Call, type_: str, **extra: Any) -> None:
    live.publish(
        call.office_id,
        STREAM,
        type_,
        call=call.pk,
        call_id=call.call_id,
        status=call.status,
        **extra,
    )


def _locked(call: Call) -> Call:
    return Call.objects.select_for_update().get(pk=call.pk)


def _when(at: dt.datetime | None) -> dt.datetime:
    return at if at is not None else clock.now()


def _refuse_ended(call: Call) -> None:
    if call.status == Call.Status.ENDED:
        raise DomainError("call_ended", _("This call has ended."))


# --- the call -----------------------------------------------------------------------


@transaction.atomic
def ring(
    office: Office,
    *,
    call_id: str | None = None,
    caller_number: Any = "",
    caller_name: Any = "",
    direction: str = Call.Direction.IN,
    language: str = Call.Language.MS,
    at: dt.datetime | None = None,
    from_exchange: bool = False,
    acting_user: Any = None,
) -> Call:
    """A call starts ringing (from the exchange) or is logged by hand (no exchange)."""
    errors: dict[str, str | Promise] = {}
    name = clean_text(errors, "caller_name", caller_name, max_length=NAME_MAX)
    if direction not in Call.Direction.values:
        errors["direction"] = _("Choose incoming or outgoing.")
    if language not in Call.Language.values:
        errors["language"] = _("Choose Malay or English.")
    if call_id is not None and (not isinstance(call_id, str) or not 0 < len(call_id) <= 64):
        errors["call_id"] = _("A call id is 1 to 64 characters.")
    if errors:
        raise InvalidInput(errors)
    try:
        with transaction.atomic():
            call = Call.objects.create(
                office=office,
                call_id=call_id or new_call_id(),
                direction=direction,
                caller_number=clean_number(caller_number),
                caller_name=name,
                language=language,
                times_from_exchange=from_exchange,
                ring_at=_when(at),
            )
    except IntegrityError as exc:
        raise DomainError("call_exists", _("This call is already on the list.")) from exc
    log_action(
        "telephony.call.ringing",
        user=acting_user,
        office=office,
        target=call,
        actor="" if acting_user else "exchange",
        data={"call_id": call.call_id, "from_exchange": from_exchange},
    )
    _event(call, "ringing", ring_at=call.ring_at.isoformat())
    return call


@transaction.atomic
def answer(
    call: Call,
    *,
    acting_user: Any = None,
    at: dt.datetime | None = None,
    extension: str = "",
) -> Call:
    """The operator picks up a ringing call: its answer time is recorded (the wait the
    10-second rule measures runs from the first ring to this)."""
    call = _locked(call)
    _refuse_ended(call)
    if call.status != Call.Status.RINGING:
        raise DomainError("not_ringing", _("This call has already been answered."))
    when = _when(at)
    if when < call.ring_at:
        raise DomainError("before_ring", _("A call cannot be answered before it rings."))
    call.status = Call.Status.ANSWERED
    call.answered_at = when
    if acting_user is not None and getattr(acting_user, "is_authenticated", False):
        call.operator = acting_user
    call.operator_extension = extension[:20]
    call.save(update_fields=["status", "answered_at", "operator", "operator_extension"])
    wait = (call.answered_at - call.ring_at).total_seconds()
    log_action(
        "telephony.call.answered",
        user=acting_user,
        office=call.office,
        target=call,
        data={"call_id": call.call_id, "wait_seconds": round(wait, 1)},
    )
    _event(call, "answered", operator=call.operator_id)
    return call


@transaction.atomic
def update_details(
    call: Call,
    *,
    acting_user: Any,
    caller_name: Any = "",
    service: Service | None = None,
    notes: Any = "",
    language: str = Call.Language.MS,
) -> Call:
    """The operator notes who is calling, about which service, and in which language."""
    call = _locked(call)
    _refuse_ended(call)
    errors: dict[str, str | Promise] = {}
    name = clean_text(errors, "caller_name", caller_name, max_length=NAME_MAX)
    text = clean_text(errors, "notes", notes, max_length=NOTE_MAX, multiline=True)
    if language not in Call.Language.values:
        errors["language"] = _("Choose Malay or English.")
    if service is not None and not service.offices.filter(pk=call.office_id).exists():
        errors["service"] = _("This office does not offer that service.")
    if errors:
        raise InvalidInput(errors)
    call.caller_name = name
    call.notes = text
    call.language = language
    call.service = service
    call.save(update_fields=["caller_name", "notes", "language", "service"])
    log_action(
        "telephony.call.noted",
        user=acting_user,
        office=call.office,
        target=call,
        data={"call_id": call.call_id, "service": service.code if service else ""},
    )
    _event(call, "noted")
    return call


def transfer_words(call: Call, officer: StaffMember) -> str:
    """What the operator says before putting the caller through (PT-3.5), in the
    caller's language: the officer's name, section and extension."""
    with translation.override(call.language):
        section = officer.section.name if officer.section_id else ""
        if section:
            return str(
                _(
                    "I am putting you through to {name} of {section}, extension "
                    "{extension}. Please hold the line."
                ).format(name=officer.name, section=section, extension=officer.extension)
            )
        return str(
            _(
                "I am putting you through to {name}, extension {extension}. Please hold the line."
            ).format(name=officer.name, extension=officer.extension)
        )


def _time_the_transfer(call: Call) -> None:
    """The worker returns the transfer when its time is up, unless answered first."""
    from weserve.telephony import tasks  # the worker's timers call back into this module

    due = call.transferred_at + dt.timedelta(seconds=transfer_timeout(call.office))
    office_id = call.office_id
    transaction.on_commit(lambda: tasks.schedule_transfer_return(office_id, due))


@dataclass(frozen=True)
class Transfer:
    call: Call
    words: str


AWAY = (StaffMember.Presence.OUT, StaffMember.Presence.LEAVE)


@transaction.atomic
def transfer(
    call: Call,
    *,
    officer: StaffMember,
    acting_user: Any = None,
    at: dt.datetime | None = None,
    from_exchange: bool = False,
) -> Transfer:
    """Put the caller through to an officer's extension. The console shows the words to
    say first; an officer who is out or on leave gets a message instead (PT-3.8)."""
    call = _locked(call)
    _refuse_ended(call)
    if call.status not in (Call.Status.ANSWERED, Call.Status.ON_HOLD):
        raise DomainError("not_with_operator", _("Answer the call before transferring it."))
    if not StaffMember.objects.active().of_office(call.office).filter(pk=officer.pk).exists():
        raise DomainError("unknown_officer", _("This officer is not in this office's directory."))
    if not officer.extension:
        raise DomainError("no_extension", _("This officer has no extension: take a message."))
    if officer.presence in AWAY and not from_exchange:
        raise DomainError(
            "officer_away",
            _("{name} is not in the office: take a message.").format(name=officer.name),
        )
    call.status = Call.Status.TRANSFERRING
    call.transfer_to = officer
    call.transferred_at = _when(at)
    call.transfer_returned_at = None
    call.hold_since = None
    call.last_hold_update_at = None
    call.save(
        update_fields=[
            "status",
            "transfer_to",
            "transferred_at",
            "transfer_returned_at",
            "hold_since",
            "last_hold_update_at",
        ]
    )
    words = transfer_words(call, officer)
    _time_the_transfer(call)
    log_action(
        "telephony.call.transferred",
        user=acting_user,
        office=call.office,
        target=call,
        data={"call_id": call.call_id, "officer": officer.name, "extension": officer.extension},
    )
    _event(call, "transferred", officer=officer.pk)
    return Transfer(call=call, words=words)


@transaction.atomic
def put_on_hold(call: Call, *, acting_user: Any = None, at: dt.datetime | None = None) -> Call:
    """The officer's extension is busy: the caller waits on hold, and the operator is
    prompted every 20 seconds to tell them how it stands (PT-3.6)."""
    call = _locked(call)
    _refuse_ended(call)
    if call.status not in (Call.Status.ANSWERED, Call.Status.TRANSFERRING):
        raise DomainError("not_with_operator", _("Answer the call before putting it on hold."))
    when = _when(at)
    call.status = Call.Status.ON_HOLD
    call.hold_since = when
    call.last_hold_update_at = when
    call.save(update_fields=["status", "hold_since", "last_hold_update_at"])
    log_action(
        "telephony.call.held",
        user=acting_user,
        office=call.office,
        target=call,
        data={"call_id": call.call_id},
    )
    _event(call, "held", hold_since=when.isoformat())
    return call


def hold_update_due_at(call: Call) -> dt.datetime | None:
    """When the operator must next tell the caller on hold how it stands."""
    if call.status != Call.Status.ON_HOLD or call.last_hold_update_at is None:
        return None
    return call.last_hold_update_at + dt.timedelta(seconds=HOLD_PROMPT_SECONDS)


def hold_update_due(call: Call, now: dt.datetime | None = None) -> bool:
    due = hold_update_due_at(call)
    return due is not None and _when(now) >= due


@transaction.atomic
def record_hold_update(
    call: Call, *, acting_user: Any, note: Any = "", at: dt.datetime | None = None
) -> HoldUpdate:
    """The operator told the caller on hold how their call stands (recorded each time)."""
    call = _locked(call)
    _refuse_ended(call)
    if call.status != Call.Status.ON_HOLD:
        raise DomainError("not_on_hold", _("This call is not on hold."))
    errors: dict[str, str | Promise] = {}
    text = clean_text(errors, "note", note, max_length=200)
    if errors:
        raise InvalidInput(errors)
    when = _when(at)
    update = HoldUpdate.objects.create(call=call, at=when, by=acting_user, note=text)
    call.last_hold_update_at = when
    call.save(update_fields=["last_hold_update_at"])
    log_action(
        "telephony.call.hold_update",
        user=acting_user,
        office=call.office,
        target=call,
        data={
            "call_id": call.call_id,
            "held_seconds": int((when - call.hold_since).total_seconds()),
        }
        if call.hold_since
        else {"call_id": call.call_id, "held_seconds": 0},
    )
    _event(call, "hold_update", at=when.isoformat())
    return update


@transaction.atomic
def officer_answered(call: Call, *, acting_user: Any = None, at: dt.datetime | None = None) -> Call:
    """The officer picked up the transferred call."""
    call = _locked(call)
    _refuse_ended(call)
    if (
        call.status not in (Call.Status.TRANSFERRING, Call.Status.ON_HOLD)
        or not call.transfer_to_id
    ):
        raise DomainError("not_transferring", _("This call is not being transferred."))
    call.status = Call.Status.WITH_OFFICER
    call.officer_answered_at = _when(at)
    call.hold_since = None
    call.save(update_fields=["status", "officer_answered_at", "hold_since"])
    log_action(
        "telephony.call.officer_answered",
        user=acting_user,
        office=call.office,
        target=call,
        actor="" if acting_user else "exchange",
        data={"call_id": call.call_id},
    )
    _event(call, "officer_answered")
    return call


@transaction.atomic
def return_unanswered_transfers(office: Office, *, now: dt.datetime | None = None) -> list[Call]:
    """Transfers the officer has not answered within the office's timeout (default
    20 s) come back to the operator's list, flagged (PT-3.7)."""
    when = _when(now)
    limit = when - dt.timedelta(seconds=transfer_timeout(office))
    due = list(
        Call.objects.select_for_update()
        .filter(office=office, status=Call.Status.TRANSFERRING, transferred_at__lte=limit)
        .order_by("transferred_at", "pk")
    )
    for call in due:
        call.status = Call.Status.ANSWERED
        call.transfer_returned_at = when
        call.save(update_fields=["status", "transfer_returned_at"])
        log_action(
            "telephony.call.transfer_returned",
            office=office,
            target=call,
            actor="system",
            data={
                "call_id": call.call_id,
                "officer": call.transfer_to.name if call.transfer_to else "",
            },
        )
        _event(call, "transfer_returned")
    return due


def _outcome_of(call: Call) -> str:
    if call.answered_at is None:
        return Call.Outcome.ABANDONED
    if call.status == Call.Status.WITH_OFFICER or call.officer_answered_at is not None:
        return Call.Outcome.TRANSFERRED
    return Call.Outcome.HANDLED


@transaction.atomic
def hang_up(
    call: Call,
    *,
    acting_user: Any = None,
    at: dt.datetime | None = None,
    outcome: str | None = None,
) -> Call:
    """The call ends; unanswered, it counts as abandoned (apart from the answered)."""
    call = _locked(call)
    _refuse_ended(call)
    when = max(_when(at), call.ring_at)
    call.outcome = outcome or _outcome_of(call)
    if call.outcome == Call.Outcome.ABANDONED and call.answered_at is not None:
        call.outcome = Call.Outcome.HANDLED
    call.status = Call.Status.ENDED
    call.ended_at = when
    call.hold_since = None
    call.save(update_fields=["status", "ended_at", "outcome", "hold_since"])
    log_action(
        "telephony.call.ended",
        user=acting_user,
        office=call.office,
        target=call,
        actor="" if acting_user else "exchange",
        data={"call_id": call.call_id, "outcome": call.outcome},
    )
    _event(call, "ended", outcome=call.outcome)
    return call


# --- messages and call-backs ---------------------------------------------------------


@transaction.atomic
def take_message(
    office: Office,
    *,
    acting_user: Any,
    officer: StaffMember,
    caller_name: Any,
    caller_number: Any,
    purpose: Any,
    best_time: Any = "",
    urgency: str = Message.Urgency.NORMAL,
    call: Call | None = None,
) -> Message:
    """The officer cannot take the call: a message for their inbox (PT-3.8, PY-3.5). The
    call, if any, ends with the outcome "message taken"."""
    errors: dict[str, str | Promise] = {}
    name = clean_text(errors, "caller_name", caller_name, max_length=NAME_MAX, required=True)
    text = clean_text(
        errors, "purpose", purpose, max_length=NOTE_MAX, required=True, multiline=True
    )
    best = clean_text(errors, "best_time", best_time, max_length=100)
    number = ""
    if not isinstance(caller_number, str) or not caller_number.strip():
        errors["caller_number"] = _("Enter the number to call back.")
    else:
        try:
            number = normalise_phone(caller_number)
        except ValidationError:
            errors["caller_number"] = _("Enter a valid phone number, e.g. 012-345 6789.")
    if urgency not in Message.Urgency.values:
        errors["urgency"] = _("Choose normal or urgent.")
    if not StaffMember.objects.active().of_office(office).filter(pk=officer.pk).exists():
        errors["officer"] = _("This officer is not in this office's directory.")
    if call is not None and call.office_id != office.pk:
        errors["call"] = _("This call is not of this office.")
    if errors:
        raise InvalidInput(errors)
    now = clock.now()
    message = Message.objects.create(
        office=office,
        call=call,
        officer=officer,
        caller_name=name,
        caller_number=number,
        purpose=text,
        best_time=best,
        urgency=urgency,
        taken_at=now,
        taken_by=acting_user,
        call_back_due=call_back_due(office, now),
    )
    log_action(
        "telephony.message.taken",
        user=acting_user,
        office=office,
        target=message,
        data={"officer": officer.name, "urgency": urgency},
    )
    live.publish(office.pk, STREAM, "message", message=message.pk, officer=officer.pk)
    if call is not None:
        locked = _locked(call)
        if locked.status != Call.Status.ENDED:
            hang_up(locked, acting_user=acting_user, outcome=Call.Outcome.MESSAGE)
    return message


@transaction.atomic
def record_call_back(
    message: Message, *, acting_user: Any, outcome: str, note: Any = ""
) -> Message:
    """The officer called the person back, and how it went."""
    message = Message.objects.select_for_update().select_related("office").get(pk=message.pk)
    if message.called_back_at is not None:
        raise DomainError("already_called_back", _("This call-back is already recorded."))
    errors: dict[str, str | Promise] = {}
    if outcome not in Message.CallBackOutcome.values:
        errors["outcome"] = _("Choose how the call-back went.")
    text = clean_text(errors, "note", note, max_length=NOTE_MAX, multiline=True)
    if errors:
        raise InvalidInput(errors)
    message.called_back_at = clock.now()
    message.called_back_by = acting_user
    message.call_back_outcome = outcome
    message.call_back_note = text
    message.save(
        update_fields=["called_back_at", "called_back_by", "call_back_outcome", "call_back_note"]
    )
    log_action(
        "telephony.message.called_back",
        user=acting_user,
        office=message.office,
        target=message,
        data={"outcome": outcome},
    )
    live.publish(message.office_id, STREAM, "called_back", message=message.pk)
    return message


@transaction.atomic
def escalate_overdue_call_backs(office: Office, *, now: dt.datetime | None = None) -> list[Message]:
    """Call-backs not done by the close of the next working day go to the supervisor."""
    today = clock.business_day(_when(now))
    overdue = list(
        Message.objects.select_for_update()
        .filter(
            office=office,
            called_back_at__isnull=True,
            escalated_at__isnull=True,
            call_back_due__lt=today,
        )
        .order_by("taken_at", "pk")
    )
    when = _when(now)
    for message in overdue:
        message.escalated_at = when
        message.save(update_fields=["escalated_at"])
        log_action(
            "telephony.message.escalated",
            office=office,
            target=message,
            actor="system",
            data={"due": message.call_back_due.isoformat()},
        )
        live.publish(office.pk, STREAM, "message_escalated", message=message.pk)
    return overdue


def presence_event(staff: StaffMember) -> None:
    """The operator's directory hears a person's new presence live (registered with
    `core.presence` in `TelephonyConfig.ready()`; the directory's `set_presence` calls it
    inside its transaction)."""
    live.publish(staff.home_office_id, STREAM, "presence", staff=staff.pk, presence=staff.presence)
