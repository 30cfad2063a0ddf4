"""The telephone desk's API:

- `POST /telephony/events`: the office exchange's computer-telephony events (an
  `exchange` device token). A repeated `event_id` changes nothing; an event that cannot
  apply (unknown extension, a call never seen, out of order) is kept and answered
  "ignored" with its reason, never an error, so the exchange does not resend it.
- `GET /offices/{office_code}/telephony/service-level?from=&to=`: PY-3.1's figures for
  the office's calls of those local dates whose times came from the exchange.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router
from pydantic import Field, field_validator

from weserve.core.api import ErrorOut, Schema, principal
from weserve.core.errors import DomainError
from weserve.organisation.models import Office
from weserve.telephony import exchange, selectors
from weserve.telephony.access import require_exchange, require_report

router = Router(tags=["telephony"])

_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ExchangeEventIn(Schema):
    event_id: str = Field(min_length=1, max_length=128, description="Unique per event")
    event: Literal["ringing", "answered", "transferred", "hangup"]
    call_id: str = Field(min_length=1, max_length=64, description="The exchange's call id")
    from_: str = Field("", alias="from", max_length=64, description="The caller's number")
    to: str = Field("", max_length=64, description="The number or extension called")
    direction: Literal["in", "out"] = "in"
    extension: str = Field("", max_length=20, description="The extension that acted")
    at: dt.datetime = Field(description="When it happened, RFC 3339 with its offset")

    @field_validator("at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(str(_("Give the time with its offset (RFC 3339).")))
        if (
            not dt.datetime(1971, 1, 1, tzinfo=dt.UTC)
            <= value
            <= dt.datetime(9998, 1, 1, tzinfo=dt.UTC)
        ):
            raise ValueError(str(_("This time is out of range.")))
        return value

    @field_validator("event_id", "call_id", "from_", "to", "extension")
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ValueError(str(_("This contains characters that are not allowed.")))
        return value.strip()


class ExchangeEventOut(Schema):
    event_id: str
    result: Literal["applied", "ignored", "duplicate"]
    reason: str = Field(description="Why an event was ignored (empty when applied)")
    call_id: str | None
    status: str | None = Field(description="The call's status after the event")


@router.post("/telephony/events", response={200: ExchangeEventOut, **_ERRORS})
def exchange_event(request: HttpRequest, payload: ExchangeEventIn) -> Any:
    """One event of the caller's office exchange, applied once by its `event_id`."""
    device = require_exchange(principal(request))
    office = Office.objects.get(pk=device.office_id)
    result = exchange.record_event(
        office,
        event_id=payload.event_id,
        event=payload.event,
        call_id=payload.call_id,
        caller=payload.from_,
        direction=payload.direction,
        extension=payload.extension,
        at=payload.at,
    )
    return exchange.event_payload(result, payload.event_id)


class ServiceLevelOut(Schema):
    calls: int = Field(description="Incoming calls with the exchange's times")
    answered: int
    answered_within_10s: int = Field(description="Answered within 10 s of the first ring")
    service_level: float | None = Field(
        description="answered_within_10s / answered (null when none was answered)"
    )
    abandoned: int = Field(description="Calls the caller ended before an answer")
    average_speed_of_answer_seconds: float | None
    transfers_returned: int = Field(description="Transfers that came back unanswered")


@router.get(
    "/offices/{office_code}/telephony/service-level",
    response={200: ServiceLevelOut, **_ERRORS},
)
def service_level(
    request: HttpRequest,
    office_code: str,
    date_from: dt.date = Query(..., alias="from"),  # noqa: B008 - Ninja's declaration
    date_to: dt.date = Query(..., alias="to"),  # noqa: B008
) -> Any:
    """The share of calls answered within 10 seconds and its companions, for the
    office's calls of these local dates (both included)."""
    caller = principal(request)
    office = Office.objects.filter(code=office_code[:32]).first()
    if caller.user is None:
        raise PermissionDenied
    require_report(caller.user, office)  # type: ignore[arg-type]
    if date_from > date_to:
        raise DomainError(
            "invalid", _("The start date must not be after the end date."), status=422
        )
    return selectors.service_level(office, date_from, date_to)  # type: ignore[arg-type]
