"""Complaints over the API (issue 16's paths and names; keep them). Both are public.

- `POST /offices/{office_code}/complaints` with `{"name", "phone", "email", "category",
  "against", "description"}` -> 201 `{"reference", "access_code"}`. Name and contact are
  optional (anonymous complaints are accepted); `against` is `{"service": code}`,
  `{"staff_name": name}` or null. Limited per address (`feedback.ratelimit`); an
  `Idempotency-Key` makes a double submit one complaint (core's middleware).
- `POST /complaints/status` with `{"reference", "access_code"}` -> the state and the
  dates, nothing else. A wrong code is 404, the same as an unknown reference.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Status
from pydantic import Field, StrictStr

from weserve.core.api import Schema
from weserve.feedback import complaint_services as complaints
from weserve.feedback import ratelimit
from weserve.feedback.complaint_models import (
    DESCRIPTION_MAX,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
)
from weserve.organisation.models import Office

router = Router(tags=["complaints"])


class ComplaintIn(Schema):
    name: StrictStr | None = Field(default=None, max_length=1000)
    phone: StrictStr | None = Field(default=None, max_length=100)
    email: StrictStr | None = Field(default=None, max_length=1000)
    category: StrictStr = Field(
        max_length=40,
        json_schema_extra={"enum": ComplaintCategory.values},
        description="One of " + ", ".join(ComplaintCategory.values),
    )
    against: dict[str, Any] | None = Field(
        default=None, description='{"service": code}, {"staff_name": name} or null'
    )
    description: StrictStr = Field(max_length=DESCRIPTION_MAX * 2)


class ComplaintReceivedOut(Schema):
    reference: str
    access_code: str = Field(description="Kept by the complainant; shown once")


class StatusIn(Schema):
    reference: StrictStr = Field(max_length=64)
    access_code: StrictStr = Field(max_length=64)


class StatusOut(Schema):
    reference: str
    state: str = Field(
        description="new, acknowledged, in_action, waiting_on_complainant, replied, "
        "resolved or closed"
    )
    received_at: dt.datetime
    acknowledged_at: dt.datetime | None
    replied_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None


class ErrorOut(Schema):
    detail: str
    code: str
    fields: dict[str, str] | None = None


@router.post(
    "/offices/{office_code}/complaints",
    auth=None,
    response={201: ComplaintReceivedOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
)
def file_complaint(request: HttpRequest, office_code: str, payload: ComplaintIn) -> Any:
    """File a complaint with an office (the online BAP): its reference and access code."""
    office = Office.objects.active().filter(code=office_code).first()
    if office is None:
        raise Http404
    ratelimit.check(request, "complaint")
    received = complaints.receive_complaint(
        office,
        complaints.ComplaintInput(
            category=payload.category,
            description=payload.description,
            name=payload.name,
            phone=payload.phone,
            email=payload.email,
            against=payload.against,
        ),
        channel=ComplaintChannel.ONLINE,
    )
    return Status(
        201,
        {"reference": received.complaint.reference, "access_code": received.access_code},
    )


def find_by_code(reference: str, access_code: str) -> Complaint:
    """The complaint of this reference, if the access code is its own; 404 otherwise,
    whichever of the two was wrong."""
    complaint = Complaint.objects.filter(reference=reference.strip().upper()).first()
    if complaint is None or not complaints.access_code_matches(complaint, access_code):
        raise Http404
    return complaint


@router.post(
    "/complaints/status",
    auth=None,
    response={200: StatusOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
)
def complaint_status(request: HttpRequest, payload: StatusIn) -> Any:
    """Where a complaint stands: its state and its dates, nothing else."""
    ratelimit.check(request, "complaint_status")
    complaint = find_by_code(payload.reference, payload.access_code)
    return {
        "reference": complaint.reference,
        "state": complaint.state,
        "received_at": complaint.received_at,
        "acknowledged_at": complaint.acknowledged_at,
        "replied_at": complaint.replied_at,
        "resolved_at": complaint.resolved_at,
        "closed_at": complaint.closed_at,
    }
