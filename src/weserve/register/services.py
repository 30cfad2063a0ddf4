"""Every state change of the customer register: one function per use case, one
transaction each, with its audit entry.

Input is checked in full before anything is written: an entry with one bad field (a
malformed MyKad or phone number, an empty purpose, a form the office does not stock) is
refused as a whole with `InvalidEntry` (422, a translated message per field), and
nothing of it is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from weserve.core import clock
from weserve.core.audit import log_action
from weserve.core.errors import DomainError
from weserve.core.fields import normalise_mykad, normalise_phone
from weserve.core.personal import find_by_mykad
from weserve.core.roles import has_role
from weserve.core.scoping import home_office_ids
from weserve.core.text import clean_text, has_control_chars
from weserve.organisation.models import Office, Service, StaffMember
from weserve.queueing.models import Ticket, TicketStatus
from weserve.register.access import REFERRAL_OFFICER_ROLES, may_handle_referral
from weserve.register.events import publish_referral
from weserve.register.models import (
    FORM_CODE_MAX,
    NAME_MAX,
    NOTE_MAX,
    PURPOSE_MAX,
    REFERRAL_NOTE_MAX,
    REFERRAL_OUTCOME_MAX,
    Action,
    Category,
    FormHandedOver,
    JkmForm,
    Referral,
    ReferralStatus,
    RegisterEntry,
)
from weserve.register.selectors import with_details

# A ticket is registered once its customer has come to a counter.
REGISTRABLE_STATUSES = (TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.COMPLETED)
# Copies of one form handed over at one visit: more is a typing slip, not a visit.
MAX_QUANTITY = 99
MAX_FORM_LINES = 20


class InvalidEntry(DomainError):
    """Fields of a register entry that cannot be saved, each with a translated message."""

    status = 422

    def __init__(self, fields: dict[str, str | Promise], *, code: str = "invalid"):
        super().__init__(code, " ".join(str(m) for m in fields.values()), status=422)
        self.fields = fields


@dataclass(frozen=True)
class FormLine:
    """A JKM form named by its code in the office's catalogue, and how many copies."""

    code: str
    quantity: int


@dataclass(frozen=True)
class _Clean:
    name: str
    mykad: str
    phone: str
    category: str
    service: Service
    purpose: str
    action: str
    note: str
    forms: list[tuple[JkmForm, int]]


def _personal(errors: dict[str, str | Promise], field: str, value: Any, normalise: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or has_control_chars(value, multiline=False):
        errors[field] = _("This contains characters that are not allowed.")
        return ""
    value = value.strip()
    if not value:
        return ""
    try:
        return str(normalise(value))
    except ValidationError as exc:
        errors[field] = exc.messages[0]
        return ""


def _forms(
    errors: dict[str, str | Promise], office: Office, lines: Sequence[FormLine]
) -> list[tuple[JkmForm, int]]:
    if len(lines) > MAX_FORM_LINES:
        errors["forms"] = _("At most {count} different forms.").format(count=MAX_FORM_LINES)
        return []
    codes: list[str] = []
    for line in lines:
        code = line.code.strip() if isinstance(line.code, str) else ""
        quantity = line.quantity
        if not code or len(code) > FORM_CODE_MAX or has_control_chars(code, multiline=False):
            errors["forms"] = _("Choose a form from this office's catalogue.")
            return []
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            errors["forms"] = _("Enter the number of copies.")
            return []
        if not 1 <= quantity <= MAX_QUANTITY:
            errors["forms"] = _("Hand over between 1 and {most} copies of a form.").format(
                most=MAX_QUANTITY
            )
            return []
        if code in codes:
            errors["forms"] = _("Form {code} is listed twice.").format(code=code)
            return []
        codes.append(code)
    stocked = {
        f.code: f for f in JkmForm.objects.filter(office=office, code__in=codes, is_active=True)
    }
    unknown = [code for code in codes if code not in stocked]
    if unknown:
        errors["forms"] = _("This office has no form {code} in its catalogue.").format(
            code=", ".join(unknown)
        )
        return []
    return [(stocked[line.code.strip()], line.quantity) for line in lines]


def _clean(
    office: Office,
    *,
    name: Any,
    category: Any,
    service: Service | None,
    purpose: Any,
    action: Any,
    mykad: Any = "",
    phone: Any = "",
    forms: Sequence[FormLine] = (),
    note: Any = "",
) -> _Clean:
    errors: dict[str, str | Promise] = {}
    clean_name = clean_text(errors, "name", name, max_length=NAME_MAX, required=True)
    clean_mykad = _personal(errors, "mykad", mykad, normalise_mykad)
    clean_phone = _personal(errors, "phone", phone, normalise_phone)
    if category not in Category.values:
        errors["category"] = _("Choose a customer category.")
    if service is None:
        errors["service"] = _("Choose a service.")
    elif not service.is_active or not service.offices.filter(pk=office.pk).exists():
        errors["service"] = _("This service is not offered at this office.")
    clean_purpose = clean_text(
        errors, "purpose", purpose, max_length=PURPOSE_MAX, required=True, multiline=True
    )
    if action not in Action.values:
        errors["action"] = _("Choose the action taken.")
    clean_note = clean_text(
        errors, "note", note, max_length=NOTE_MAX, required=False, multiline=True
    )
    clean_forms = _forms(errors, office, forms)
    if errors or service is None:
        raise InvalidEntry(errors)
    return _Clean(
        name=clean_name,
        mykad=clean_mykad,
        phone=clean_phone,
        category=category,
        service=service,
        purpose=clean_purpose,
        action=action,
        note=clean_note,
        forms=clean_forms,
    )


def _require_own_office(office: Office, acting_user: Any) -> None:
    """The register of an office is kept by the people who work there."""
    if getattr(acting_user, "is_superuser", False):
        return
    if office.pk not in home_office_ids(acting_user):
        raise DomainError("not_found", _("Not found."), status=404)


def _write(
    office: Office, clean: _Clean, *, acting_user: Any, ticket: Ticket | None
) -> RegisterEntry:
    now = clock.now()
    try:
        with transaction.atomic():
            entry = RegisterEntry.objects.create(
                office=office,
                ticket=ticket,
                served_by=acting_user,
                served_at=now,
                day=clock.business_day(now),
                name=clean.name,
                mykad=clean.mykad,
                phone=clean.phone,
                category=clean.category,
                service=clean.service,
                purpose=clean.purpose,
                action=clean.action,
                note=clean.note,
            )
    except IntegrityError as exc:
        if ticket is not None:
            # Someone registered the same ticket a moment ago (the unique ticket).
            raise _already_registered(ticket) from exc
        raise
    FormHandedOver.objects.bulk_create(
        FormHandedOver(entry=entry, form=form, quantity=quantity) for form, quantity in clean.forms
    )
    log_action(
        "register.entry.recorded",
        user=acting_user,
        office=office,
        target=entry,
        data={
            "ticket": ticket.number if ticket is not None else None,
            "service": clean.service.code,
            "category": clean.category,
            "action": clean.action,
            "forms": {form.code: quantity for form, quantity in clean.forms},
        },
    )
    return entry


def _already_registered(ticket: Ticket) -> DomainError:
    return DomainError(
        "already_registered",
        _("Ticket {number} is already in the register.").format(number=ticket.number),
    )


@transaction.atomic
def record_visit(
    ticket: Ticket,
    *,
    acting_user: Any,
    name: Any,
    category: Any,
    purpose: Any,
    action: Any,
    service: Service | None = None,
    mykad: Any = "",
    phone: Any = "",
    forms: Sequence[FormLine] = (),
    note: Any = "",
) -> RegisterEntry:
    """Register the customer of a ticket that has been called to a counter (once per
    ticket). The service is the ticket's unless another is named."""
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("office", "service")
        .get(pk=ticket.pk)
    )
    _require_own_office(ticket.office, acting_user)
    if ticket.status not in REGISTRABLE_STATUSES:
        raise DomainError(
            "ticket_not_served",
            _("Ticket {number} has not been called to a counter.").format(number=ticket.number),
        )
    if RegisterEntry.objects.filter(ticket=ticket).exists():
        raise _already_registered(ticket)
    clean = _clean(
        ticket.office,
        name=name,
        category=category,
        service=service or ticket.service,
        purpose=purpose,
        action=action,
        mykad=mykad,
        phone=phone,
        forms=forms,
        note=note,
    )
    return _write(ticket.office, clean, acting_user=acting_user, ticket=ticket)


@transaction.atomic
def record_walk_in(
    office: Office,
    *,
    acting_user: Any,
    name: Any,
    category: Any,
    service: Service | None,
    purpose: Any,
    action: Any,
    mykad: Any = "",
    phone: Any = "",
    forms: Sequence[FormLine] = (),
    note: Any = "",
) -> RegisterEntry:
    """Register a customer served without a ticket."""
    _require_own_office(office, acting_user)
    clean = _clean(
        office,
        name=name,
        category=category,
        service=service,
        purpose=purpose,
        action=action,
        mykad=mykad,
        phone=phone,
        forms=forms,
        note=note,
    )
    return _write(office, clean, acting_user=acting_user, ticket=None)


@transaction.atomic
def find_returning_customer(office: Office, mykad: Any, *, acting_user: Any) -> list[RegisterEntry]:
    """Earlier visits at this office of the customer with this MyKad number, newest
    first: an exact match on the keyed hash (no row is decrypted to compare), audited
    with the number of matches (never the number itself)."""
    _require_own_office(office, acting_user)
    errors: dict[str, str | Promise] = {}
    if not isinstance(mykad, str) or not mykad.strip():
        errors["mykad"] = _("Enter a valid MyKad number, e.g. 850101-14-5123.")
    elif has_control_chars(mykad, multiline=False):
        errors["mykad"] = _("This contains characters that are not allowed.")
    if errors:
        raise InvalidEntry(errors)
    visits = with_details(RegisterEntry.objects.for_office(office)).order_by("-served_at", "-pk")
    try:
        found = find_by_mykad(visits, mykad.strip(), user=acting_user, office=office)
    except ValidationError as exc:
        raise InvalidEntry({"mykad": exc.messages[0]}) from exc
    return found  # type: ignore[return-value]


# --- Referrals to the responsible officer (PT-2.5) ------------------------------------------


def _referral_text(
    field: str, value: Any, *, max_length: int, required: bool
) -> tuple[str, dict[str, str | Promise]]:
    errors: dict[str, str | Promise] = {}
    clean = clean_text(
        errors, field, value, max_length=max_length, required=required, multiline=True
    )
    return clean, errors


def _referable(officer: StaffMember | None, office: Office) -> StaffMember:
    """The officer, if a referral at this office can reach them; refused otherwise."""
    if officer is None or not officer.is_active:
        raise InvalidEntry({"officer": _("Choose an officer from the directory.")})
    if office.pk != officer.home_office_id and not officer.offices.filter(pk=office.pk).exists():
        raise InvalidEntry(
            {
                "officer": _(
                    "{name} is not an officer of {office}. Choose an officer of this office."
                ).format(name=officer.name, office=office.name)
            },
            code="officer_other_office",
        )
    user = officer.user
    if user is None or not user.is_active or not has_role(user, *REFERRAL_OFFICER_ROLES):
        raise InvalidEntry(
            {
                "officer": _(
                    "{name} cannot receive referrals in WeServe. Choose another officer."
                ).format(name=officer.name)
            },
            code="officer_cannot_receive",
        )
    return officer


def _locked_referral(referral: Referral, acting_user: Any) -> Referral:
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("office", "officer", "entry__ticket")
        .get(pk=referral.pk)
    )
    if not may_handle_referral(acting_user, referral):
        raise DomainError("not_found", _("Not found."), status=404)
    return referral


# The referral's audit actions (their sentences: register/audit_sentences.py).
REFERRAL_CREATED = "register.referral.created"
REFERRAL_ACCEPTED = "register.referral.accepted"
REFERRAL_CLOSED = "register.referral.closed"


def _referral_audit(referral: Referral, acting_user: Any, **data: Any) -> dict[str, Any]:
    """What a referral's audit entry records besides its action."""
    entry = referral.entry
    return {
        "user": acting_user,
        "office": referral.office,
        "target": referral,
        "data": {
            "entry": entry.pk,
            "ticket": entry.ticket.number if entry.ticket_id else None,
            "officer": referral.officer_id,
            "officer_name": referral.officer.name,
            **data,
        },
    }


@transaction.atomic
def refer(
    entry: RegisterEntry, *, acting_user: Any, officer: StaffMember | None, note: Any = ""
) -> Referral:
    """Refer the customer of a register entry (a ticket's or a walk-in's) to an officer of
    the same office; one open referral per entry."""
    entry = (
        RegisterEntry.objects.select_for_update(of=("self",))
        .select_related("office", "ticket")
        .get(pk=entry.pk)
    )
    _require_own_office(entry.office, acting_user)
    clean_note, errors = _referral_text("note", note, max_length=REFERRAL_NOTE_MAX, required=False)
    if errors:
        raise InvalidEntry(errors)
    officer = _referable(officer, entry.office)
    current = entry.referrals.open().select_related("officer").first()
    if current is not None:
        raise DomainError(
            "already_referred",
            _("This customer is already referred to {name}. Wait until it is closed.").format(
                name=current.officer.name
            ),
        )
    now = clock.now()
    referral = Referral.objects.create(
        office=entry.office,
        entry=entry,
        officer=officer,
        referred_by=acting_user,
        note=clean_note,
        created_at=now,
        accept_by=now + dt.timedelta(minutes=entry.office.referral_accept_minutes),
    )
    referral.entry = entry
    log_action(REFERRAL_CREATED, **_referral_audit(referral, acting_user))
    publish_referral(referral, "referral.created")
    return referral


@transaction.atomic
def accept_referral(referral: Referral, *, acting_user: Any) -> Referral:
    """The officer takes the referral on."""
    referral = _locked_referral(referral, acting_user)
    if referral.status != ReferralStatus.PENDING:
        raise DomainError("referral_not_pending", _("This referral was already accepted."))
    referral.status = ReferralStatus.ACCEPTED
    referral.accepted_at = clock.now()
    referral.save(update_fields=["status", "accepted_at"])
    late = referral.accepted_at > referral.accept_by
    log_action(REFERRAL_ACCEPTED, **_referral_audit(referral, acting_user, late=late))
    publish_referral(referral, "referral.accepted")
    return referral


@transaction.atomic
def close_referral(referral: Referral, *, acting_user: Any, outcome: Any) -> Referral:
    """The officer records what was done for the customer and closes the referral."""
    referral = _locked_referral(referral, acting_user)
    if referral.status == ReferralStatus.PENDING:
        raise DomainError("referral_not_accepted", _("Accept the referral before closing it."))
    if referral.status == ReferralStatus.CLOSED:
        raise DomainError("referral_closed", _("This referral is already closed."))
    clean, errors = _referral_text(
        "outcome", outcome, max_length=REFERRAL_OUTCOME_MAX, required=True
    )
    if errors:
        raise InvalidEntry(errors)
    referral.status = ReferralStatus.CLOSED
    referral.closed_at = clock.now()
    referral.outcome = clean
    referral.save(update_fields=["status", "closed_at", "outcome"])
    log_action(REFERRAL_CLOSED, **_referral_audit(referral, acting_user))
    publish_referral(referral, "referral.closed")
    return referral
