"""The register's API: other JKM systems read and feed the customer register.

Paths and field names are fixed by the register issue (issue 15); keep them. A MyKad
number is masked in every answer and never travels in a URL (the look-up is a POST).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status
from pydantic import Field, StrictInt, StrictStr

from weserve.core import clock
from weserve.core.api import ErrorOut, json_response, principal
from weserve.core.fields import format_phone
from weserve.organisation.api import office_for_caller
from weserve.organisation.models import Service
from weserve.queueing.models import Ticket
from weserve.register import services
from weserve.register.access import require_reader, require_recorder
from weserve.register.models import Action, Category, RegisterEntry
from weserve.register.selectors import day_register, with_details
from weserve.register.services import FormLine, InvalidEntry

router = Router(tags=["register"])


class FormLineIn(Schema):
    code: StrictStr = Field(max_length=30, description="A form code of the office's catalogue")
    quantity: StrictInt = Field(description="Copies handed over, 1 or more")


class EntryIn(Schema):
    name: StrictStr = Field(max_length=400)
    mykad: StrictStr | None = Field(default=None, max_length=40)
    phone: StrictStr | None = Field(default=None, max_length=40)
    category: StrictStr = Field(
        max_length=40, json_schema_extra={"enum": Category.values}, description="Customer category"
    )
    service: StrictStr | None = Field(
        default=None, max_length=20, description="Service code; a ticket's service by default"
    )
    purpose: StrictStr = Field(max_length=2000, description="The customer's words")
    action: StrictStr = Field(
        max_length=40, json_schema_extra={"enum": Action.values}, description="Action taken"
    )
    forms: list[FormLineIn] = Field(default_factory=list, max_length=50)
    note: StrictStr | None = Field(default=None, max_length=2000)


class LookupIn(Schema):
    mykad: StrictStr = Field(max_length=40)


class StaffOut(Schema):
    username: str
    name: str


class FormLineOut(Schema):
    code: str
    title: str
    quantity: int


class EntryOut(Schema):
    id: int
    office: str
    ticket: str | None = Field(description="The ticket number; null for a walk-in")
    served_at: dt.datetime
    day: dt.date
    staff: StaffOut
    name: str
    mykad: str = Field(description="Masked: ******-**-1234; empty when none was given")
    phone: str
    category: str
    service: str
    purpose: str
    action: str
    forms: list[FormLineOut]
    note: str


class LookupOut(Schema):
    mykad: str = Field(description="The number looked up, masked")
    visits: list[EntryOut] = Field(description="Earlier visits at this office, newest first")


def entry_out(entry: RegisterEntry) -> dict[str, Any]:
    user = entry.served_by
    staff = getattr(user, "staff", None)
    return {
        "id": entry.pk,
        "office": entry.office.code,
        "ticket": entry.ticket.number if entry.ticket_id else None,
        "served_at": entry.served_at,
        "day": entry.day,
        "staff": {
            "username": user.get_username(),
            "name": staff.name if staff is not None else user.get_full_name(),
        },
        "name": entry.name,
        "mykad": entry.mykad.masked if entry.mykad else "",
        "phone": format_phone(entry.phone or ""),
        "category": entry.category,
        "service": entry.service.code,
        "purpose": entry.purpose,
        "action": entry.action,
        "forms": [
            {"code": f.form.code, "title": f.form.title, "quantity": f.quantity}
            for f in entry.forms_handed_over.all()
        ],
        "note": entry.note,
    }


def _invalid_as_422(view: Callable[..., Any]) -> Callable[..., Any]:
    """A refused entry answers 422 with a translated message per field."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return view(request, *args, **kwargs)
        except InvalidEntry as exc:
            body = {
                "detail": str(exc.message),
                "code": exc.code,
                "fields": {name: str(message) for name, message in exc.fields.items()},
            }
            return json_response(request, body, status=422)

    return wrapper


def _service(code: str | None) -> Service | None:
    if code is None:
        return None
    service = Service.objects.filter(code=code).first()
    if service is None:
        raise InvalidEntry({"service": _("No service has this code.")})
    return service


def _fields(payload: EntryIn) -> dict[str, Any]:
    return {
        "name": payload.name,
        "mykad": payload.mykad or "",
        "phone": payload.phone or "",
        "category": payload.category,
        "purpose": payload.purpose,
        "action": payload.action,
        "forms": [FormLine(code=f.code, quantity=f.quantity) for f in payload.forms],
        "note": payload.note or "",
    }


def _reloaded(entry: RegisterEntry) -> dict[str, Any]:
    # Read back as the register lists it: the stored, normalised values.
    return entry_out(with_details(RegisterEntry.objects.filter(pk=entry.pk)).get())


# `?date=YYYY-MM-DD` (a module-level default: ruff B008).
_DATE = Query(None, alias="date", description="YYYY-MM-DD; today by default")

_WRITE_RESPONSES = {201: EntryOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


@router.post("/tickets/{ticket_id}/register", response={**_WRITE_RESPONSES, 422: ErrorOut})
@_invalid_as_422
def register_ticket(request: HttpRequest, ticket_id: str, payload: EntryIn) -> Any:
    """Register the customer of a ticket that has been called to a counter (once)."""
    ticket = Ticket.objects.select_related("office").filter(public_id=ticket_id).first()
    if ticket is None:
        raise Http404
    user = require_recorder(principal(request), ticket.office)
    entry = services.record_visit(
        ticket, acting_user=user, service=_service(payload.service), **_fields(payload)
    )
    return Status(201, _reloaded(entry))


@router.post("/offices/{office_code}/register", response={**_WRITE_RESPONSES, 422: ErrorOut})
@_invalid_as_422
def register_walk_in(request: HttpRequest, office_code: str, payload: EntryIn) -> Any:
    """Register a customer served without a ticket (a walk-in)."""
    office = office_for_caller(request, office_code)
    user = require_recorder(principal(request), office)
    entry = services.record_walk_in(
        office, acting_user=user, service=_service(payload.service), **_fields(payload)
    )
    return Status(201, _reloaded(entry))


@router.get(
    "/offices/{office_code}/register",
    response={200: list[EntryOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def day_register_view(
    request: HttpRequest,
    office_code: str,
    day: dt.date | None = _DATE,
) -> Any:
    """The office's register of one day, in the order the visits were recorded."""
    office = office_for_caller(request, office_code)
    require_reader(principal(request), office)
    return [entry_out(e) for e in day_register(office, day or clock.business_day())]


@router.post(
    "/offices/{office_code}/customers/lookup",
    response={200: LookupOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
@_invalid_as_422
def lookup_customer(request: HttpRequest, office_code: str, payload: LookupIn) -> Any:
    """Earlier visits at this office of the customer with this MyKad number (audited)."""
    office = office_for_caller(request, office_code)
    user = require_recorder(principal(request), office)
    visits = services.find_returning_customer(office, payload.mykad, acting_user=user)
    masked = visits[0].mykad.masked if visits else _masked(payload.mykad)
    return {"mykad": masked, "visits": [entry_out(v) for v in visits]}


def _masked(raw: str) -> str:
    digits = "".join(c for c in raw if c.isdigit())
    return f"******-**-{digits[-4:]}"
