"""The reads the telephone desk's pages and API share: the service level, the console's
calls, the directory with presence, the officers' messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)

from weserve.core import clock
from weserve.core.presence import live_presence
from weserve.organisation.models import Office, StaffMember
from weserve.telephony.models import ANSWER_TARGET_SECONDS, Call, Message

# Dates outside these are taken as these: an instant at year 1 or 9999 in Malaysian
# time cannot be turned into UTC, and no call was ever logged outside them.
EARLIEST = dt.date(1970, 1, 1)
LATEST = dt.date(9998, 12, 31)
MAX_QUERY = 100


def day_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The instants from the start of `date_from` to the start of the day after
    `date_to`, in Malaysian time (the report's local dates)."""
    first = min(max(date_from, EARLIEST), LATEST)
    last = min(max(date_to, EARLIEST), LATEST)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=clock.MALAYSIA)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=clock.MALAYSIA)
    return start, end


def measured_calls(office: Office, date_from: dt.date, date_to: dt.date) -> QuerySet[Call]:
    """The office's incoming calls of these local dates whose times the exchange gave."""
    start, end = day_bounds(date_from, date_to)
    return Call.objects.filter(
        office=office,
        direction=Call.Direction.IN,
        times_from_exchange=True,
        ring_at__gte=start,
        ring_at__lt=end,
    )


_WAIT = ExpressionWrapper(F("answered_at") - F("ring_at"), output_field=DurationField())
_TARGET = dt.timedelta(seconds=ANSWER_TARGET_SECONDS)


def service_level_figures(calls: QuerySet[Call]) -> dict[str, Any]:
    """PY-3.1's figures over some calls, in one query: the wait runs from the first ring
    to the answer; within 10 s means not over 10 s; abandoned calls are counted apart."""
    figures = calls.annotate(wait=_WAIT).aggregate(
        calls=Count("pk"),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        answered_within_10s=Count("pk", filter=Q(answered_at__isnull=False, wait__lte=_TARGET)),
        abandoned=Count("pk", filter=Q(outcome=Call.Outcome.ABANDONED)),
        transfers_returned=Count("pk", filter=Q(transfer_returned_at__isnull=False)),
        average_wait=Avg("wait", filter=Q(answered_at__isnull=False)),
    )
    answered = figures["answered"]
    average = figures.pop("average_wait")
    figures["service_level"] = (
        round(figures["answered_within_10s"] / answered, 4) if answered else None
    )
    figures["average_speed_of_answer_seconds"] = (
        round(average.total_seconds(), 1) if average is not None else None
    )
    return figures


def service_level(office: Office, date_from: dt.date, date_to: dt.date) -> dict[str, Any]:
    return service_level_figures(measured_calls(office, date_from, date_to))


# --- the console ---------------------------------------------------------------------


def open_calls(office: Office) -> QuerySet[Call]:
    """The calls on the operator's list: ringing, with an operator, on hold, being
    transferred or back from a transfer (not those with an officer or ended)."""
    return (
        Call.objects.filter(
            office=office,
            status__in=(
                Call.Status.RINGING,
                Call.Status.ANSWERED,
                Call.Status.ON_HOLD,
                Call.Status.TRANSFERRING,
            ),
        )
        .select_related("operator", "service", "transfer_to", "transfer_to__section")
        .order_by("ring_at", "pk")
    )


def directory(office: Office, query: str = "") -> list[dict[str, Any]]:
    """The office's officers matching a name, section or service (Malay or English),
    with presence; those in the office first (PY-3.4, PT-3.4)."""
    staff = StaffMember.objects.active().of_office(office)
    words = [w for w in (query or "")[:MAX_QUERY].split() if w]
    for word in words:
        staff = staff.filter(
            Q(name__icontains=word)
            | Q(position__icontains=word)
            | Q(section__name_ms__icontains=word)
            | Q(section__name_en__icontains=word)
            | Q(services__name_ms__icontains=word)
            | Q(services__name_en__icontains=word)
            | Q(services__code__iexact=word)
            | Q(extension=word)
        )
    staff = (
        staff.distinct()
        .annotate(
            away=Case(
                When(presence=StaffMember.Presence.IN_OFFICE, then=Value(0)),
                When(presence=StaffMember.Presence.MEETING, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .select_related("section")
        .prefetch_related("services")
        .order_by("away", "name", "pk")
    )
    live = live_presence(office)
    return [
        {
            "staff": person,
            "live": live.get(person.user_id) if person.user_id else None,
            "present": person.presence == StaffMember.Presence.IN_OFFICE,
        }
        for person in staff[:50]
    ]


# --- messages ------------------------------------------------------------------------


def messages_for(staff: StaffMember) -> QuerySet[Message]:
    return Message.objects.filter(officer=staff).order_by(
        F("called_back_at").asc(nulls_first=True), "-taken_at", "-pk"
    )


def outstanding_count(staff: StaffMember | None) -> int:
    if staff is None:
        return 0
    return Message.objects.filter(officer=staff, called_back_at__isnull=True).count()


def office_messages(office: Office) -> QuerySet[Message]:
    return (
        Message.objects.filter(office=office)
        .select_related("officer", "taken_by")
        .order_by(F("called_back_at").asc(nulls_first=True), "-taken_at", "-pk")
    )
