"""Filing Customer Satisfaction Forms: one function per use case, one transaction each,
with its audit entry and a `satisfaction_form` event on the office's feedback stream.

A form is checked in full before anything is written (`InvalidInput`, 422, a message per
field): every active item of the office answered 1-5, a comment without control
characters, a paper form's serial (one form per serial: the database's unique constraint
stands behind the check) and its date (not in the future, not before 2000).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from weserve.core import clock, live
from weserve.core.audit import log_action
from weserve.core.errors import DomainError
from weserve.core.text import clean_text
from weserve.feedback.models import SCORE_MAX, SCORE_MIN
from weserve.feedback.satisfaction_models import (
    DEFAULT_ITEMS,
    FORM_COMMENT_MAX,
    SERIAL_MAX,
    FormChannel,
    SatisfactionAnswer,
    SatisfactionForm,
    SatisfactionItem,
)
from weserve.feedback.services import FEEDBACK, InvalidInput
from weserve.organisation.models import Counter, Device, Office, Service
from weserve.queueing.models import Ticket, TicketStatus

SERIAL_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/-]*$")
EARLIEST = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class FormInput:
    """A filled form: `answers` maps an item's code to its score (1-5)."""

    answers: Any
    comment: Any = ""
    serial: Any = ""
    filled_on: Any = None
    counter: Any = None  # a counter number of the office (paper forms)
    service: Any = None  # a service code of the office (paper forms)
    ticket: Any = None  # a ticket's public id (tablet forms)
    extra: dict[str, Any] = field(default_factory=dict)


def items_for(office: Office) -> list[SatisfactionItem]:
    """The office's active items in order; the six defaults are made on first use."""
    items = list(office.satisfaction_items.filter(is_active=True).order_by("order", "pk"))
    if items or office.satisfaction_items.exists():
        return items
    for order, (code, label_ms, label_en) in enumerate(DEFAULT_ITEMS, start=1):
        SatisfactionItem.objects.get_or_create(
            office=office,
            code=code,
            defaults={"label_ms": label_ms, "label_en": label_en, "order": order},
        )
    return list(office.satisfaction_items.filter(is_active=True).order_by("order", "pk"))


def _score(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 3:
        raw = int(raw)
    if isinstance(raw, int) and SCORE_MIN <= raw <= SCORE_MAX:
        return raw
    return None


def _answers(
    items: list[SatisfactionItem], raw: Any, errors: dict[str, str | Promise]
) -> dict[SatisfactionItem, int]:
    if not isinstance(raw, dict):
        errors["answers"] = _("Answer every item from 1 to 5.")
        return {}
    found: dict[SatisfactionItem, int] = {}
    for item in items:
        score = _score(raw.get(item.code))
        if score is None:
            errors[f"item_{item.code}"] = _("Choose from 1 to 5.")
        else:
            found[item] = score
    unknown = set(raw) - {item.code for item in items}
    if unknown:
        errors["answers"] = _("Answer only the items of this form.")
    return found


def _date(raw: Any, errors: dict[str, str | Promise]) -> dt.date:
    today = clock.business_day()
    if raw is None or raw == "":
        return today
    if isinstance(raw, str):
        try:
            raw = dt.date.fromisoformat(raw.strip()[:10])
        except ValueError:
            errors["filled_on"] = _("Enter a date as YYYY-MM-DD.")
            return today
    if not isinstance(raw, dt.date):
        errors["filled_on"] = _("Enter a date as YYYY-MM-DD.")
        return today
    if raw > today or raw < EARLIEST:
        errors["filled_on"] = _("Enter a date from 2000 up to today.")
    return raw


def already_filed(serial: str) -> DomainError:
    return DomainError(
        "form_already_filed",
        _("A form with serial number {serial} has been filed already.").format(serial=serial),
        status=409,
    )


def _save(form: SatisfactionForm, answers: dict[SatisfactionItem, int], conflict: DomainError):
    try:
        with transaction.atomic():
            form.save()
    except IntegrityError as exc:
        raise conflict from exc
    SatisfactionAnswer.objects.bulk_create(
        SatisfactionAnswer(form=form, item=item, score=score) for item, score in answers.items()
    )


def _announce(form: SatisfactionForm, user: Any, actor: str) -> None:
    log_action(
        "feedback.satisfaction_form.filed",
        user=user,
        actor=actor,
        office=form.office,
        target=form,
        data={"serial": form.serial or "-", "channel": form.channel},
    )
    live.publish(
        form.office_id,
        FEEDBACK,
        "satisfaction_form",
        form={"id": form.pk, "channel": form.channel, "serial": form.serial},
    )


@transaction.atomic
def file_paper_form(office: Office, given: FormInput, *, acting_user: Any) -> SatisfactionForm:
    """Staff key in a paper form by its printed serial number (one form per serial)."""
    errors: dict[str, str | Promise] = {}
    items = items_for(office)
    answers = _answers(items, given.answers, errors)
    comment = clean_text(
        errors, "comment", given.comment, max_length=FORM_COMMENT_MAX, multiline=True
    )
    serial = clean_text(
        errors, "serial", given.serial, max_length=SERIAL_MAX, required=True
    ).upper()
    if serial and "serial" not in errors and not SERIAL_PATTERN.match(serial):
        errors["serial"] = _("Use letters, digits, / and - only.")
    filled_on = _date(given.filled_on, errors)
    counter = None
    if given.counter not in (None, ""):
        number = _score_like(given.counter)
        counter = Counter.objects.filter(office=office, number=number).first() if number else None
        if counter is None:
            errors["counter"] = _("Choose a counter of this office.")
    service = None
    if given.service not in (None, ""):
        code = given.service if isinstance(given.service, str) and len(given.service) <= 20 else ""
        service = Service.objects.filter(offices=office, code=code).first() if code else None
        if service is None:
            errors["service"] = _("Choose a service of this office.")
    if errors:
        raise InvalidInput(errors)
    if SatisfactionForm.objects.filter(office=office, serial=serial).exists():
        raise already_filed(serial)
    form = SatisfactionForm(
        office=office,
        channel=FormChannel.PAPER,
        serial=serial,
        counter=counter,
        service=service,
        keyed_by=acting_user,
        comment=comment,
        filled_on=filled_on,
        filed_at=clock.now(),
    )
    _save(form, answers, already_filed(serial))
    _announce(form, acting_user, "")
    return form


def _score_like(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 6:
        return int(raw)
    return raw if isinstance(raw, int) and 0 < raw < 100000 else None


def form_already_filed(ticket: Ticket) -> DomainError:
    return DomainError(
        "form_already_filed",
        _("A form for ticket {number} has been filed already. Thank you.").format(
            number=ticket.number
        ),
        status=409,
    )


@transaction.atomic
def file_tablet_form(device: Device, given: FormInput) -> SatisfactionForm:
    """A customer fills the form on the counter's tablet. With `ticket` (a public id) it
    is the visit just completed at this tablet's counter; one form per ticket."""
    if device.kind != Device.Kind.RATING or device.revoked_at is not None:
        raise DomainError(
            "not_a_rating_tablet", _("Only a counter's rating tablet rates here."), status=403
        )
    office = device.office
    errors: dict[str, str | Promise] = {}
    items = items_for(office)
    answers = _answers(items, given.answers, errors)
    comment = clean_text(
        errors, "comment", given.comment, max_length=FORM_COMMENT_MAX, multiline=True
    )
    ticket = None
    if given.ticket not in (None, ""):
        public_id = given.ticket if isinstance(given.ticket, str) and len(given.ticket) < 65 else ""
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .filter(office=office, public_id=public_id)
            .first()
            if public_id
            else None
        )
        if ticket is None:
            raise DomainError("not_found", _("Not found."), status=404)
        if ticket.counter_id != device.counter_id or ticket.status != TicketStatus.COMPLETED:
            raise DomainError(
                "not_this_counter",
                _("Ticket {number} was not served at this tablet's counter.").format(
                    number=ticket.number
                ),
                status=403,
            )
        if SatisfactionForm.objects.filter(ticket=ticket).exists():
            raise form_already_filed(ticket)
    if errors:
        raise InvalidInput(errors)
    form = SatisfactionForm(
        office=office,
        channel=FormChannel.TABLET,
        ticket=ticket,
        counter_id=ticket.counter_id if ticket else device.counter_id,
        service_id=ticket.service_id if ticket else None,
        served_by_id=ticket.served_by_id if ticket else None,
        device=device,
        comment=comment,
        filled_on=ticket.day if ticket else clock.business_day(),
        filed_at=clock.now(),
    )
    conflict = form_already_filed(ticket) if ticket else DomainError("conflict", _("Not saved."))
    _save(form, answers, conflict)
    _announce(form, None, f"device:{device.pk}")
    return form
