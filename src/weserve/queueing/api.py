"""The queue's API: the external contract kiosks, displays and other systems rely on.

Paths and field names are fixed by the queue-management issue; keep them.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Literal

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status
from pydantic import Field

from weserve.core import idempotency
from weserve.core.api import (
    UNRESOLVED_AUTH,
    ErrorOut,
    Schema,
    json_response,
    principal,
    resolve_principal,
)
from weserve.core.errors import DomainError
from weserve.organisation.api import office_for_caller
from weserve.organisation.models import Counter, Device, Office, Service
from weserve.queueing import readcache, services
from weserve.queueing.access import (
    require_counter_operator,
    require_device_kind,
    require_office,
    require_staff,
)
from weserve.queueing.estimate import ticket_forecast
from weserve.queueing.models import Ticket
from weserve.queueing.selectors import (
    counter_ref,
    counters_with_state,
    display_snapshot,
)

router = Router(tags=["queue"])


SERVED_NOW = (
    "Whether a counter that may call this ticket is open now (on a break or not); when "
    "false, the estimate is a guess for counters opening now and should not be shown as "
    "a wait. Null once called."
)


class CounterRef(Schema):
    id: int
    number: int
    name: str


class TicketOut(Schema):
    id: str = Field(description="Opaque public id (at least 128 bits), used in /t/{id}")
    number: str
    service: str
    priority: str
    status: str
    position: int | None = Field(description="People ahead in the queue; null once called")
    counter: CounterRef | None
    issued_at: dt.datetime
    called_at: dt.datetime | None
    estimated_wait_minutes: int | None
    served_now: bool | None = Field(description=SERVED_NOW)


class IssuedTicketOut(Schema):
    id: str
    number: str
    service: str
    priority: str
    status: str
    position: int | None
    estimated_wait_minutes: int | None
    served_now: bool | None = Field(description=SERVED_NOW)
    issued_at: dt.datetime
    status_url: str


class TicketIn(Schema):
    service: str = Field(min_length=1, max_length=20)
    priority: Literal["none", "oku", "elderly", "pregnant"] = "none"
    language: Literal["ms", "en"] = "ms"


class CounterOut(Schema):
    id: int
    number: int
    name: str
    kind: Literal["normal", "priority"]
    services: list[str] = Field(
        description="Codes of the services it serves, in the order it calls them"
    )
    state: Literal["closed", "idle", "calling", "serving", "paused"]


class CompleteIn(Schema):
    outcome: str = Field(default="", max_length=200)


class TransferIn(Schema):
    service: str | None = None
    counter: int | None = Field(default=None, description="Counter id of the same office")


def status_url(ticket: Ticket) -> str:
    head, tail = _status_url_parts(settings.PUBLIC_URL, get_script_prefix())
    return head + ticket.public_id + tail


@functools.cache
def _status_url_parts(public_url: str, _script_prefix: str) -> tuple[str, str]:
    """The mobile ticket page's address around its id, reversed once per prefix (every
    ticket issue answers with one; public ids are URL-safe, so nothing needs quoting)."""
    marker = "PUBLICID"
    head, _, tail = reverse("ticket_status", args=[marker]).partition(marker)
    return public_url + head, tail


def ticket_out(
    ticket: Ticket, waiting: dict[tuple[int, bool], int] | None = None
) -> dict[str, Any]:
    told = ticket_forecast(ticket, waiting)
    return {
        "id": ticket.public_id,
        "number": ticket.number,
        "service": ticket.service.code,
        "priority": ticket.priority,
        "status": ticket.status,
        "position": told.ahead if told else None,
        "counter": counter_ref(ticket.counter),
        "issued_at": ticket.issued_at,
        "called_at": ticket.called_at,
        "estimated_wait_minutes": told.minutes if told else None,
        "served_now": told.served_now if told else None,
    }


def _remembered_office(code: str) -> Office | None:
    """The office with its opening hours and holidays, remembered for a few seconds on the
    hot path (weserve.queueing.readcache)."""
    return readcache.remember(
        ("office", code),
        lambda: (
            Office.objects.prefetch_related("opening_hours", "holidays").filter(code=code).first()
        ),
    )


def _remembered_service(code: str) -> Service | None:
    return readcache.remember(
        ("service", code), lambda: Service.objects.filter(code=code, is_active=True).first()
    )


def _ticket(public_id: str) -> Ticket:
    ticket = (
        Ticket.objects.select_related("service", "counter", "office")
        .filter(public_id=public_id)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def _staff_ticket(request: HttpRequest, public_id: str) -> tuple[Ticket, Any]:
    """A ticket a counter action is allowed on, and the person acting."""
    caller = principal(request)
    ticket = _ticket(public_id)
    require_office(caller, ticket.office)
    user = require_staff(caller)
    if ticket.counter is not None:
        require_counter_operator(caller, ticket.counter)
    return ticket, user


def _counter(request: HttpRequest, counter_id: int) -> Counter:
    counter = Counter.objects.select_related("office").filter(pk=counter_id, is_active=True).first()
    if counter is None:
        raise Http404
    require_office(principal(request), counter.office)
    return counter


@router.post(
    "/offices/{office_code}/tickets",
    auth=UNRESOLVED_AUTH,
    response={201: IssuedTicketOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def issue_ticket(request: HttpRequest, office_code: str, payload: TicketIn) -> HttpResponse:
    """Issue a ticket (kiosk devices and staff of the office).

    Refusals are 409 `{"detail", "code"}`: `office_closed`, `service_not_offered`,
    `no_counter_for_service`, and `no_open_counter` where the office refuses tickets
    that no open counter serves now (`Office.kiosk_unserved`).
    """
    office = _remembered_office(office_code)
    service = _remembered_service(payload.service)
    caller = principal(request)
    options = {
        "priority": payload.priority,
        "language": payload.language,
        # A retry with the same Idempotency-Key issues under the same public id, so one
        # whose earlier attempt died after issuing answers with that ticket (decision 32).
        "attempt": services.Attempt.of(idempotency.claim_of(request)),
    }
    if caller.unresolved_token and office is not None and service is not None:
        # A kiosk's bearer token is confirmed by the statement that issues the ticket,
        # not looked up beforehand (the hot path).
        try:
            issued = services.issue_ticket_with_kiosk_token(
                caller.unresolved_token, office, service, **options
            )
        except (services.KioskNotConfirmed, DomainError):
            pass  # The ordinary path below finds out who is calling and says what is wrong.
        else:
            return _issued_response(request, issued)
    caller = resolve_principal(request)
    if office is None:
        raise Http404
    require_office(caller, office)
    require_device_kind(caller, Device.Kind.KIOSK)
    if caller.user is not None:
        require_staff(caller)
    if service is None:
        raise Http404
    if caller.device is not None:
        issued = services.issue_ticket_at_kiosk(caller.device, office, service, **options)
    else:
        issued = services.issue_ticket_by_staff(caller.user, office, service, **options)
    return _issued_response(request, issued)


def _issued_response(request: HttpRequest, issued: services.IssuedTicket) -> HttpResponse:
    """The 201 answer, rendered as Ninja renders (same encoder, same content type) but
    not validated against IssuedTicketOut again: every kiosk touch pays for it, and
    `_issued_out` builds exactly that schema's fields (tests/queueing/test_api.py checks
    the two agree)."""
    return json_response(request, _issued_out(issued.ticket, issued.waiting), status=201)


def _issued_out(
    ticket: Ticket, waiting: dict[tuple[int, bool], int] | None = None
) -> dict[str, Any]:
    data = ticket_out(ticket, waiting)
    return {
        "id": data["id"],
        "number": data["number"],
        "service": data["service"],
        "priority": data["priority"],
        "status": data["status"],
        "position": data["position"],
        "estimated_wait_minutes": data["estimated_wait_minutes"],
        "served_now": data["served_now"],
        "issued_at": data["issued_at"],
        "status_url": status_url(ticket),
    }


@router.get("/tickets/{ticket_id}", auth=None, response={200: TicketOut, 404: ErrorOut})
def get_ticket(request: HttpRequest, ticket_id: str) -> Any:
    """A ticket's public status (no personal data; the id is the secret)."""
    return ticket_out(_ticket(ticket_id))


@router.get("/offices/{office_code}/counters", response=list[CounterOut])
def list_counters(request: HttpRequest, office_code: str) -> list[dict[str, Any]]:
    """The office's counters, the services each serves (in the order it calls them), and
    their live state."""
    office = office_for_caller(request, office_code)
    require_device_kind(principal(request), Device.Kind.DISPLAY, Device.Kind.KIOSK)
    return [_counter_row(row) for row in counters_with_state(office)]


@router.post("/counters/{counter_id}/open", response={200: CounterOut, 409: ErrorOut})
def open_counter(request: HttpRequest, counter_id: int) -> dict[str, Any]:
    counter = _counter(request, counter_id)
    user = require_counter_operator(principal(request), counter, opening=True)
    services.open_counter(counter, acting_user=user)
    return _counter_out(counter)


@router.post("/counters/{counter_id}/close", response={200: CounterOut, 409: ErrorOut})
def close_counter(request: HttpRequest, counter_id: int) -> dict[str, Any]:
    counter = _counter(request, counter_id)
    user = require_counter_operator(principal(request), counter)
    services.close_counter(counter, acting_user=user)
    return _counter_out(counter)


@router.post("/counters/{counter_id}/pause", response={200: CounterOut, 409: ErrorOut})
def pause_counter(request: HttpRequest, counter_id: int) -> dict[str, Any]:
    counter = _counter(request, counter_id)
    user = require_counter_operator(principal(request), counter)
    services.pause_counter(counter, acting_user=user)
    return _counter_out(counter)


@router.post("/counters/{counter_id}/resume", response={200: CounterOut, 409: ErrorOut})
def resume_counter(request: HttpRequest, counter_id: int) -> dict[str, Any]:
    counter = _counter(request, counter_id)
    user = require_counter_operator(principal(request), counter)
    services.resume_counter(counter, acting_user=user)
    return _counter_out(counter)


def _counter_row(row: dict[str, Any]) -> dict[str, Any]:
    counter = row["counter"]
    return {
        "id": counter.pk,
        "number": counter.number,
        "name": counter.name,
        "kind": counter.kind,
        "services": [s.code for s in counter.ranked_services()],
        "state": row["state"],
    }


def _counter_out(counter: Counter) -> dict[str, Any]:
    return _counter_row(
        next(r for r in counters_with_state(counter.office) if r["counter"].pk == counter.pk)
    )


@router.post(
    "/counters/{counter_id}/call-next", response={200: TicketOut, 204: None, 409: ErrorOut}
)
def call_next(request: HttpRequest, counter_id: int) -> Any:
    """Call the next customer: 200 with the ticket, 204 when nobody waits for this counter."""
    counter = _counter(request, counter_id)
    user = require_counter_operator(principal(request), counter)
    ticket = services.call_next(counter, acting_user=user)
    if ticket is None:
        return Status(204, None)
    return Status(200, ticket_out(ticket))


@router.post("/tickets/{ticket_id}/recall", response={200: TicketOut, 409: ErrorOut})
def recall(request: HttpRequest, ticket_id: str) -> dict[str, Any]:
    ticket, user = _staff_ticket(request, ticket_id)
    return ticket_out(services.recall(ticket, acting_user=user))


@router.post("/tickets/{ticket_id}/start", response={200: TicketOut, 409: ErrorOut})
def start(request: HttpRequest, ticket_id: str) -> dict[str, Any]:
    ticket, user = _staff_ticket(request, ticket_id)
    return ticket_out(services.start_service(ticket, acting_user=user))


@router.post("/tickets/{ticket_id}/no-show", response={200: TicketOut, 409: ErrorOut})
def no_show(request: HttpRequest, ticket_id: str) -> dict[str, Any]:
    ticket, user = _staff_ticket(request, ticket_id)
    return ticket_out(services.mark_no_show(ticket, acting_user=user))


@router.post("/tickets/{ticket_id}/reinstate", response={200: TicketOut, 409: ErrorOut})
def reinstate(request: HttpRequest, ticket_id: str) -> dict[str, Any]:
    ticket, user = _staff_ticket(request, ticket_id)
    return ticket_out(services.reinstate(ticket, acting_user=user))


@router.post("/tickets/{ticket_id}/complete", response={200: TicketOut, 409: ErrorOut})
def complete(request: HttpRequest, ticket_id: str, payload: CompleteIn | None = None) -> Any:
    ticket, user = _staff_ticket(request, ticket_id)
    outcome = payload.outcome if payload is not None else ""
    return ticket_out(services.complete(ticket, acting_user=user, outcome=outcome))


@router.post(
    "/tickets/{ticket_id}/transfer", response={200: TicketOut, 404: ErrorOut, 409: ErrorOut}
)
def transfer(request: HttpRequest, ticket_id: str, payload: TransferIn) -> dict[str, Any]:
    """Transfer to another service (`{"service"}`) or a named counter (`{"counter"}`)."""
    ticket, user = _staff_ticket(request, ticket_id)
    if (payload.service is None) == (payload.counter is None):
        raise DomainError("invalid_transfer", _("Send either a service or a counter."), status=422)
    to_service = to_counter = None
    if payload.service is not None:
        to_service = Service.objects.filter(code=payload.service).first()
        if to_service is None:
            raise Http404
    else:
        to_counter = Counter.objects.filter(
            pk=payload.counter, office=ticket.office, is_active=True
        ).first()
        if to_counter is None:
            raise Http404
    moved = services.transfer(
        ticket, acting_user=user, to_service=to_service, to_counter=to_counter
    )
    return ticket_out(moved)


@router.get("/offices/{office_code}/display")
def display(request: HttpRequest, office_code: str) -> HttpResponse | dict[str, Any]:
    """The display board's snapshot: `{"seq", "calls", "counters", "waiting"}`."""
    office = office_for_caller(request, office_code)
    require_device_kind(principal(request), Device.Kind.DISPLAY)
    return display_snapshot(office)
