"""Customer feedback's API (issue 16's paths and names; keep them).

- `POST /offices/{office_code}/ratings`: a rating of one completed ticket, by the
  counter's rating tablet (its token or paired cookie) or, with no credentials at all,
  by whoever holds the ticket's public id (the slip's QR link).
- `GET /surveys/sample-size?population=N`: Krejcie & Morgan's sample size (public).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import AuthenticationError
from pydantic import Field, StrictInt, StrictStr

from weserve.core.api import Schema, bearer_auth, device_cookie_auth
from weserve.core.tokens import Principal
from weserve.feedback import services
from weserve.feedback.access import require_api_rater
from weserve.feedback.models import Rating, Reason
from weserve.feedback.sampling import MAX_POPULATION, krejcie_morgan
from weserve.feedback.services import InvalidInput, RatingInput
from weserve.organisation.models import Office

router = Router(tags=["feedback"])


class RatingIn(Schema):
    ticket: StrictStr = Field(max_length=64, description="The ticket's public id")
    score: StrictInt = Field(description="1 (very dissatisfied) to 5 (very satisfied)")
    reasons: list[StrictStr] = Field(
        default_factory=list,
        max_length=20,
        json_schema_extra={"items": {"enum": Reason.values}},
        description="Reason chips: " + ", ".join(Reason.values),
    )
    comment: StrictStr | None = Field(default=None, max_length=4000)


class RatingOut(Schema):
    id: int
    office: str
    ticket: str = Field(description="The ticket number")
    counter: int | None
    score: int
    reasons: list[str]
    comment: str
    channel: str = Field(description="tablet or qr")
    created_at: dt.datetime


class SampleSizeOut(Schema):
    population: int
    sample_size: int


class ErrorOut(Schema):
    detail: str
    code: str
    fields: dict[str, str] | None = None


def _caller(request: HttpRequest) -> Principal | None:
    """The rating tablet behind a bearer token or device cookie; None without credentials.
    Credentials that do not resolve are 401, never taken for "none"."""
    if request.headers.get("Authorization"):
        caller = bearer_auth(request)
        if not isinstance(caller, Principal):
            raise AuthenticationError()
        return caller
    if request.COOKIES.get(settings.DEVICE_COOKIE_NAME):
        caller = device_cookie_auth(request)
        if not isinstance(caller, Principal):
            raise AuthenticationError()
        return caller
    return None


def rating_out(rating: Rating) -> dict[str, Any]:
    return {
        "id": rating.pk,
        "office": rating.office.code,
        "ticket": rating.ticket.number if rating.ticket else "",
        "counter": rating.counter.number if rating.counter else None,
        "score": rating.score,
        "reasons": [r.reason for r in rating.reasons.order_by("pk")],
        "comment": rating.comment,
        "channel": rating.channel,
        "created_at": rating.created_at,
    }


@router.post(
    "/offices/{office_code}/ratings",
    auth=None,
    response={
        201: RatingOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
)
def rate_ticket(request: HttpRequest, office_code: str, payload: RatingIn) -> Any:
    """Rate a completed ticket once: 409 `already_rated` the second time, 409
    `ticket_not_completed` before its service ends, 403 `not_this_counter` from the
    tablet of another counter, 404 for a ticket of another office."""
    caller = _caller(request)
    office = Office.objects.filter(code=office_code).first()
    if office is None:
        raise Http404
    device = require_api_rater(caller, office)
    given = RatingInput(score=payload.score, reasons=payload.reasons, comment=payload.comment)
    if device is not None:
        rating = services.rate_at_counter(device, payload.ticket, given)
    else:
        rating = services.rate_by_ticket(payload.ticket, given, office=office)
    rating = Rating.objects.select_related("office", "ticket", "counter").get(pk=rating.pk)
    return Status(201, rating_out(rating))


_WHOLE_NUMBER = re.compile(r"[0-9]{1,30}")


def _population(raw: str | None) -> int:
    """The population of the query string: a positive whole number, or a 422 that says
    what is wrong with it."""
    problem = None
    value = 0
    if raw is None or not raw.strip():
        problem = _("Give the population: a whole number of 1 or more, e.g. ?population=500.")
    elif not _WHOLE_NUMBER.fullmatch(raw.strip()):
        problem = _("The population must be a whole number of 1 or more, without decimals.")
    else:
        value = int(raw.strip())
        if value < 1:
            problem = _("The population must be at least 1.")
        elif value > MAX_POPULATION:
            problem = _("The population may be at most {most}.").format(most=f"{MAX_POPULATION:,}")
    if problem is not None:
        raise InvalidInput({"population": problem})
    return value


@router.get(
    "/surveys/sample-size",
    auth=None,
    response={200: SampleSizeOut, 422: ErrorOut},
)
def sample_size(request: HttpRequest, population: str | None = None) -> Any:
    """The sample a perception survey needs for a population, by Krejcie & Morgan (1970):
    95% confidence, a 5% margin of error, P = 0.5 (the published table, reproduced)."""
    count = _population(population)
    return {"population": count, "sample_size": krejcie_morgan(count)}


# Complaints (the online BAP and its status) have a module of their own.
from weserve.feedback.complaint_api import router as complaint_router  # noqa: E402

router.add_router("/", complaint_router)
