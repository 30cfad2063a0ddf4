"""Every state change of customer feedback: one function per use case, one transaction
each, with its audit entry and its live event on the office's `feedback` stream.

A rating is checked in full before anything is written: a score outside 1-5, an unknown
reason or a comment that is too long or holds control characters is refused as a whole
with `InvalidInput` (422, a translated message per field). A ticket is rated once: the
ticket row is locked while its rating is written, and the database's unique constraint
stands behind the lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from weserve.core import clock, live
from weserve.core.audit import log_action
from weserve.core.errors import DomainError
from weserve.core.text import clean_text
from weserve.feedback import tallies
from weserve.feedback.models import (
    COMMENT_MAX,
    SCORE_MAX,
    SCORE_MIN,
    Channel,
    Rating,
    RatingReason,
    Reason,
)
from weserve.organisation.models import Device, Office
from weserve.queueing.models import Ticket, TicketStatus
from weserve.queueing.selectors import counter_ref

# The office's live stream of feedback (a supervisor's view follows it; so does the
# counter's tablet, which resets when its ticket is rated from the slip's QR).
FEEDBACK = "feedback"


class InvalidInput(DomainError):
    """Fields that cannot be accepted (of a rating, a query), each with a translated message."""

    status = 422

    def __init__(self, fields: dict[str, str | Promise]):
        super().__init__("invalid", " ".join(str(m) for m in fields.values()), status=422)
        self.fields = fields


@dataclass(frozen=True)
class RatingInput:
    """What a customer gives: a score, reason chips (codes of `Reason`) and a comment."""

    score: Any
    reasons: Any = ()
    comment: Any = ""


@dataclass(frozen=True)
class _Clean:
    score: int
    reasons: list[str]
    comment: str


def _clean(given: RatingInput) -> _Clean:
    errors: dict[str, str | Promise] = {}
    score = given.score
    if isinstance(score, bool) or not isinstance(score, int):
        errors["score"] = _("Choose a face from 1 to 5.")
    elif not SCORE_MIN <= score <= SCORE_MAX:
        errors["score"] = _("Choose a face from 1 to 5.")
    reasons: list[str] = []
    raw_reasons = given.reasons if given.reasons is not None else ()
    if isinstance(raw_reasons, str | bytes) or not isinstance(raw_reasons, Iterable):
        errors["reasons"] = _("Choose reasons from the list.")
    else:
        for reason in raw_reasons:
            if not isinstance(reason, str) or reason not in Reason.values:
                errors["reasons"] = _("Choose reasons from the list.")
                break
            if reason not in reasons:  # a chip pressed twice is one reason
                reasons.append(reason)
    comment = clean_text(errors, "comment", given.comment, max_length=COMMENT_MAX, multiline=True)
    if errors:
        raise InvalidInput(errors)
    return _Clean(score=score, reasons=reasons, comment=comment)


def _not_found() -> DomainError:
    return DomainError("not_found", _("Not found."), status=404)


def _locked_ticket(public_id: Any, office: Office | None) -> Ticket:
    """The ticket by its public id, locked until the rating commits (404 if it is not
    there, or not of `office`)."""
    if not isinstance(public_id, str) or not public_id or len(public_id) > 64:
        raise _not_found()
    tickets = Ticket.objects.select_for_update(of=("self",)).select_related(
        "office", "counter", "service"
    )
    if office is not None:
        tickets = tickets.filter(office=office)
    ticket = tickets.filter(public_id=public_id).first()
    if ticket is None:
        raise _not_found()
    return ticket


def already_rated(ticket: Ticket) -> DomainError:
    return DomainError(
        "already_rated",
        _("Ticket {number} has been rated already. Thank you.").format(number=ticket.number),
    )


def _require_rateable(ticket: Ticket) -> None:
    if ticket.status != TicketStatus.COMPLETED:
        raise DomainError(
            "ticket_not_completed",
            _("Ticket {number} can be rated once its service is complete.").format(
                number=ticket.number
            ),
        )
    if Rating.objects.filter(ticket=ticket).exists():
        raise already_rated(ticket)


def _write(ticket: Ticket, clean: _Clean, *, channel: str, device: Device | None) -> Rating:
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                office=ticket.office,
                counter=ticket.counter,
                ticket=ticket,
                served_by_id=ticket.served_by_id,
                score=clean.score,
                comment=clean.comment,
                channel=channel,
                device=device,
                created_at=clock.now(),
                day=ticket.day,
            )
    except IntegrityError as exc:
        # The unique ticket: another rating of it committed a moment ago.
        raise already_rated(ticket) from exc
    RatingReason.objects.bulk_create(RatingReason(rating=rating, reason=r) for r in clean.reasons)
    tallies.count_rating(rating, clean.reasons)
    log_action(
        "feedback.rating.created",
        actor=f"device:{device.pk}" if device is not None else "qr",
        office=ticket.office,
        target=rating,
        data={
            "ticket": ticket.number,
            "counter": ticket.counter.number if ticket.counter else None,
            "score": clean.score,
            "reasons": clean.reasons,
            "channel": channel,
        },
    )
    live.publish(
        ticket.office_id,
        FEEDBACK,
        "rated",
        rating={
            "id": rating.pk,
            "score": rating.score,
            "channel": channel,
            "ticket": ticket.number,
            "counter": counter_ref(ticket.counter),
            "served_by": ticket.served_by_id,
        },
    )
    return rating


@transaction.atomic
def rate_at_counter(device: Device, ticket_public_id: Any, given: RatingInput) -> Rating:
    """The counter's rating tablet rates a ticket just completed at its counter.

    The tablet is a live `rating` device; the ticket is of its office (404 otherwise) and
    was served at its counter (403 `not_this_counter` otherwise)."""
    if device.kind != Device.Kind.RATING or device.revoked_at is not None:
        raise DomainError(
            "not_a_rating_tablet", _("Only a counter's rating tablet rates here."), status=403
        )
    ticket = _locked_ticket(ticket_public_id, device.office)
    if ticket.counter_id is None or ticket.counter_id != device.counter_id:
        raise DomainError(
            "not_this_counter",
            _("Ticket {number} was not served at this tablet's counter.").format(
                number=ticket.number
            ),
            status=403,
        )
    _require_rateable(ticket)
    return _write(ticket, _clean(given), channel=Channel.TABLET, device=device)


@transaction.atomic
def rate_by_ticket(
    ticket_public_id: Any, given: RatingInput, *, office: Office | None = None
) -> Rating:
    """A customer rates their visit through the slip's QR link: the ticket's unguessable
    public id is the authority, no sign-in. With `office`, the ticket must be of it."""
    ticket = _locked_ticket(ticket_public_id, office)
    _require_rateable(ticket)
    return _write(ticket, _clean(given), channel=Channel.QR, device=None)
