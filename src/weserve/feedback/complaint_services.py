"""Every state change of a complaint (BAP): one function each, one transaction each,
with its audit entry, its `ComplaintEvent` and a `complaint` event on the office's
`feedback` live stream.

    new -> acknowledged -> in_action <-> waiting_on_complainant
                           in_action -> replied -> resolved -> closed

A complaint is checked in full before anything is written (`InvalidInput`, 422, a
translated message per field). Its number comes from the office's counter row for the
year, bumped in the receiving transaction and locked until it commits: numbers are
unique, and gapless because a failed receipt rolls its bump back. Audit entries and live
events carry the reference, category and state, never the complainant's details.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from weserve.core import clock, crypto, live
from weserve.core.audit import log_action
from weserve.core.errors import DomainError
from weserve.core.fields import normalise_phone
from weserve.core.roles import Role, has_role
from weserve.core.scoping import home_office_ids
from weserve.core.text import clean_text
from weserve.feedback import deadlines
from weserve.feedback.complaint_models import (
    DESCRIPTION_MAX,
    EMAIL_MAX,
    NAME_MAX,
    NOTE_MAX,
    STAFF_NAME_MAX,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintEvent,
    ComplaintSequence,
    ComplaintSettings,
    ComplaintState,
    EventKind,
)
from weserve.feedback.services import FEEDBACK, InvalidInput
from weserve.organisation.models import Office, Service

# The access code's letters: no 0/O, 1/I/L, so it can be read out over the telephone.
ACCESS_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ACCESS_CODE_LENGTH = 10
REFERENCE_PREFIX = "BAP"

_NEXT_NUMBER_SQL = """
INSERT INTO {table} (office_id, year, last) VALUES (%s, %s, 1)
ON CONFLICT (office_id, year) DO UPDATE SET last = {table}.last + 1
RETURNING last
"""


@dataclass(frozen=True)
class ComplaintInput:
    """What a complainant gives (the API's names). `against` is None, `{"service":
    code}` or `{"staff_name": name}`."""

    category: Any
    description: Any
    name: Any = ""
    phone: Any = ""
    email: Any = ""
    against: Any = None


@dataclass(frozen=True)
class _Clean:
    category: str
    description: str
    name: str
    phone: str
    email: str
    service: Service | None
    staff_name: str


@dataclass(frozen=True)
class Received:
    """A received complaint and its access code (shown once, never stored in the clear)."""

    complaint: Complaint
    access_code: str


def _against(
    office: Office, raw: Any, errors: dict[str, str | Promise]
) -> tuple[Service | None, str]:
    if raw is None or raw == {}:
        return None, ""
    message = _('Give {"service": code}, {"staff_name": name} or nothing.')
    if not isinstance(raw, dict) or len(raw) != 1:
        errors["against"] = message
        return None, ""
    ((key, value),) = raw.items()
    if key == "service":
        if not isinstance(value, str) or not value or len(value) > 20:
            errors["against"] = _("Choose a service of this office.")
            return None, ""
        service = Service.objects.filter(code=value, offices=office).first()
        if service is None:
            errors["against"] = _("Choose a service of this office.")
        return service, ""
    if key == "staff_name":
        name = clean_text(errors, "against", value, max_length=STAFF_NAME_MAX, required=True)
        return None, name
    errors["against"] = message
    return None, ""


def clean(office: Office, given: ComplaintInput) -> _Clean:
    """The complaint as it will be saved, or `InvalidInput` naming every bad field."""
    errors: dict[str, str | Promise] = {}
    category = given.category
    if not isinstance(category, str) or category not in ComplaintCategory.values:
        errors["category"] = _("Choose a category from the list.")
        category = ""
    description = clean_text(
        errors,
        "description",
        given.description,
        max_length=DESCRIPTION_MAX,
        required=True,
        multiline=True,
    )
    name = clean_text(errors, "name", given.name, max_length=NAME_MAX)
    phone = clean_text(errors, "phone", given.phone, max_length=30)
    if phone and "phone" not in errors:
        try:
            phone = normalise_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    email = clean_text(errors, "email", given.email, max_length=EMAIL_MAX)
    if email and "email" not in errors:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address.")
    service, staff_name = _against(office, given.against, errors)
    if errors:
        raise InvalidInput(errors)
    return _Clean(
        category=category,
        description=description,
        name=name,
        phone=phone,
        email=email,
        service=service,
        staff_name=staff_name,
    )


def settings_of(office: Office) -> ComplaintSettings:
    """The office's deadlines (the defaults, 1, 3 and 15 working days, until it sets its
    own)."""
    found = ComplaintSettings.objects.filter(office=office).first()
    return found if found is not None else ComplaintSettings(office=office)


def new_access_code() -> str:
    return "".join(secrets.choice(ACCESS_ALPHABET) for _i in range(ACCESS_CODE_LENGTH))


def normalise_access_code(raw: str) -> str:
    return "".join(c for c in raw.upper() if c.isalnum())


def access_code_matches(complaint: Complaint, raw: str) -> bool:
    code = normalise_access_code(raw)
    return bool(code) and complaint.access_code_hash in crypto.lookup_hashes(code)


def format_reference(office: Office, year: int, number: int) -> str:
    return f"{REFERENCE_PREFIX}-{office.code}-{year}-{number:06d}"


def _next_number(office: Office, year: int) -> int:
    sql = _NEXT_NUMBER_SQL.format(table=connection.ops.quote_name(ComplaintSequence._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [office.pk, year])
        return int(cursor.fetchone()[0])


def _due(office: Office, complaint: Complaint, rules: ComplaintSettings) -> None:
    paused = complaint.paused_days
    received = complaint.received_at
    complaint.acknowledge_due = deadlines.deadline(
        office, received, rules.acknowledge_days + paused
    )
    complaint.reply_due = deadlines.deadline(office, received, rules.reply_days + paused)
    complaint.resolve_due = deadlines.deadline(office, received, rules.resolve_days + paused)


def _payload(complaint: Complaint) -> dict[str, Any]:
    return {
        "id": complaint.pk,
        "reference": complaint.reference,
        "state": complaint.state,
        "category": complaint.category,
        "assigned_to": complaint.assigned_to_id,
    }


def _record(
    complaint: Complaint,
    kind: str,
    verb: str,
    *,
    user: Any,
    at: dt.datetime,
    from_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    actor: str = "",
) -> ComplaintEvent:
    event = ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        from_state=from_state,
        to_state=complaint.state if from_state or kind == EventKind.RECEIVED else "",
        at=at,
        user=user if getattr(user, "is_authenticated", False) else None,
        note=note,
        data=data or {},
    )
    log_action(
        f"feedback.complaint.{verb}",
        user=user,
        actor=actor,
        office=complaint.office,
        target=complaint,
        data={"reference": complaint.reference, "state": complaint.state, **(data or {})},
    )
    live.publish(complaint.office_id, FEEDBACK, "complaint", complaint=_payload(complaint))
    return event


@transaction.atomic
def receive_complaint(
    office: Office,
    given: ComplaintInput,
    *,
    channel: str,
    acting_user: Any = None,
    submission_key: str = "",
) -> Received:
    """Receive a complaint: from the public (online, no `acting_user`), or keyed by staff
    at the counter or from a suggestion-box slip. Returns it with its access code.

    `submission_key` is a web form's one-time key: a second receipt with it is refused
    (409 `already_received`), so a double submit files one complaint."""
    if channel not in ComplaintChannel.values:
        raise InvalidInput({"channel": _("Choose a channel from the list.")})
    if channel != ComplaintChannel.ONLINE and not getattr(acting_user, "is_authenticated", False):
        raise DomainError("not_allowed", _("Staff key in complaints from the counter."), status=403)
    data = clean(office, given)
    key_hash = hashlib.sha256(submission_key.encode()).hexdigest() if submission_key else ""
    if key_hash and Complaint.objects.filter(submission_key=key_hash).exists():
        raise already_received()
    now = clock.now()
    year = clock.business_day(now).year
    number = _next_number(office, year)
    code = new_access_code()
    complaint = Complaint(
        office=office,
        year=year,
        number=number,
        reference=format_reference(office, year, number),
        access_code_hash=crypto.lookup_hash(code),
        name=data.name,
        phone=data.phone,
        email=data.email,
        category=data.category,
        against_service=data.service,
        against_staff_name=data.staff_name,
        description=data.description,
        channel=channel,
        state=ComplaintState.NEW,
        received_at=now,
        received_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        submission_key=key_hash,
    )
    _due(office, complaint, settings_of(office))
    try:
        with transaction.atomic():
            complaint.save()
    except IntegrityError as exc:
        # The same form, sent twice at once: the other one was filed (its number too is
        # rolled back with this transaction, so no gap).
        raise already_received() from exc
    _record(
        complaint,
        EventKind.RECEIVED,
        "received",
        user=acting_user,
        at=now,
        data={"channel": channel, "category": data.category},
        actor="" if acting_user is not None else "public",
    )
    return Received(complaint=complaint, access_code=code)


def already_received() -> DomainError:
    return DomainError("already_received", _("This complaint has been received already."))


def _locked(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().select_related("office").get(pk=complaint.pk)


def _wrong_state(complaint: Complaint) -> DomainError:
    return DomainError(
        "complaint_wrong_state",
        _("Complaint {reference} is {state}: this cannot be done now.").format(
            reference=complaint.reference, state=complaint.get_state_display()
        ),
    )


def _move(
    complaint: Complaint,
    *,
    allowed_from: tuple[str, ...],
    to: str,
    kind: str,
    verb: str,
    acting_user: Any,
    note: Any = "",
    stamp: str | None = None,
) -> Complaint:
    note_text = _note(note, required=False)
    complaint = _locked(complaint)
    if complaint.state not in allowed_from:
        raise _wrong_state(complaint)
    now = clock.now()
    before = complaint.state
    complaint.state = to
    if stamp is not None:
        setattr(complaint, stamp, now)
    if before == ComplaintState.WAITING and complaint.waiting_since is not None:
        # The clock runs again: the working days it stood still move every deadline on.
        paused = deadlines.working_days_between(complaint.office, complaint.waiting_since, now)
        complaint.paused_days += paused
        complaint.waiting_since = None
        _due(complaint.office, complaint, settings_of(complaint.office))
    if to == ComplaintState.WAITING:
        complaint.waiting_since = now
    complaint.save()
    _record(complaint, kind, verb, user=acting_user, at=now, from_state=before, note=note_text)
    return complaint


def _note(raw: Any, *, required: bool) -> str:
    errors: dict[str, str | Promise] = {}
    text = clean_text(errors, "note", raw, max_length=NOTE_MAX, required=required, multiline=True)
    if errors:
        raise InvalidInput(errors)
    return text


@transaction.atomic
def acknowledge(complaint: Complaint, *, acting_user: Any, note: Any = "") -> Complaint:
    return _move(
        complaint,
        allowed_from=(ComplaintState.NEW,),
        to=ComplaintState.ACKNOWLEDGED,
        kind=EventKind.ACKNOWLEDGED,
        verb="acknowledged",
        acting_user=acting_user,
        note=note,
        stamp="acknowledged_at",
    )


@transaction.atomic
def start_action(complaint: Complaint, *, acting_user: Any, note: Any = "") -> Complaint:
    return _move(
        complaint,
        allowed_from=(ComplaintState.ACKNOWLEDGED,),
        to=ComplaintState.IN_ACTION,
        kind=EventKind.ACTION_STARTED,
        verb="action_started",
        acting_user=acting_user,
        note=note,
    )


@transaction.atomic
def wait_on_complainant(complaint: Complaint, *, acting_user: Any, note: Any = "") -> Complaint:
    """The officer needs something from the complainant: the deadlines' clock stops."""
    return _move(
        complaint,
        allowed_from=(ComplaintState.IN_ACTION,),
        to=ComplaintState.WAITING,
        kind=EventKind.WAITING,
        verb="waiting",
        acting_user=acting_user,
        note=note,
    )


@transaction.atomic
def resume(complaint: Complaint, *, acting_user: Any, note: Any = "") -> Complaint:
    """The complainant answered: back in action, every deadline moved on by the working
    days the complaint waited."""
    return _move(
        complaint,
        allowed_from=(ComplaintState.WAITING,),
        to=ComplaintState.IN_ACTION,
        kind=EventKind.RESUMED,
        verb="resumed",
        acting_user=acting_user,
        note=note,
    )


@transaction.atomic
def reply(complaint: Complaint, *, acting_user: Any, note: Any = "") -> Complaint:
    return _move(
        complaint,
        allowed_from=(ComplaintState.IN_ACTION,),
        to=ComplaintState.REPLIED,
        kind=EventKind.REPLIED,
        verb="replied",
        acting_user=acting_user,
        note=note,
        stamp="replied_at",
    )


@transaction.atomic
def resolve(complaint: Complaint, *, acting_user: Any, note: Any = "") -> Complaint:
    return _move(
        complaint,
        allowed_from=(ComplaintState.REPLIED,),
        to=ComplaintState.RESOLVED,
        kind=EventKind.RESOLVED,
        verb="resolved",
        acting_user=acting_user,
        note=note,
        stamp="resolved_at",
    )


@transaction.atomic
def close(complaint: Complaint, *, acting_user: Any, note: Any = "") -> Complaint:
    return _move(
        complaint,
        allowed_from=(ComplaintState.RESOLVED,),
        to=ComplaintState.CLOSED,
        kind=EventKind.CLOSED,
        verb="closed",
        acting_user=acting_user,
        note=note,
        stamp="closed_at",
    )


def is_complaint_officer_of(user: Any, office: Office) -> bool:
    return (
        getattr(user, "is_active", False)
        and has_role(user, Role.COMPLAINT_OFFICER)
        and office.pk in home_office_ids(user)
    )


@transaction.atomic
def assign(complaint: Complaint, officer: Any, *, acting_user: Any) -> Complaint:
    """Give the complaint to a complaint officer (Pegawai Aduan) of its office."""
    complaint = _locked(complaint)
    if complaint.state == ComplaintState.CLOSED:
        raise _wrong_state(complaint)
    if not is_complaint_officer_of(officer, complaint.office):
        raise InvalidInput({"officer": _("Choose a complaint officer of this office.")})
    previous = complaint.assigned_to_id
    complaint.assigned_to = officer
    complaint.save(update_fields=["assigned_to"])
    _record(
        complaint,
        EventKind.ASSIGNED,
        "assigned",
        user=acting_user,
        at=clock.now(),
        data={"officer": officer.pk, "previous": previous},
    )
    return complaint


@transaction.atomic
def add_note(complaint: Complaint, note: Any, *, acting_user: Any) -> ComplaintEvent:
    """A note on the complaint's file; it changes nothing else."""
    text = _note(note, required=True)
    complaint = _locked(complaint)
    return _record(complaint, EventKind.NOTE, "noted", user=acting_user, at=clock.now(), note=text)
