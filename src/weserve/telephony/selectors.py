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
from django.db.models.functions import ExtractHour, TruncDate

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


def _figure_expressions() -> dict[str, Any]:
    return {
        "calls": Count("pk"),
        "answered": Count("pk", filter=Q(answered_at__isnull=False)),
        "answered_within_10s": Count("pk", filter=Q(answered_at__isnull=False, wait__lte=_TARGET)),
        "abandoned": Count("pk", filter=Q(outcome=Call.Outcome.ABANDONED)),
        "transfers_returned": Count("pk", filter=Q(transfer_returned_at__isnull=False)),
        "average_wait": Avg("wait", filter=Q(answered_at__isnull=False)),
    }


def _finish(figures: dict[str, Any]) -> dict[str, Any]:
    answered = figures["answered"]
    average = figures.pop("average_wait")
    figures["service_level"] = (
        round(figures["answered_within_10s"] / answered, 4) if answered else None
    )
    figures["average_speed_of_answer_seconds"] = (
        round(average.total_seconds(), 1) if average is not None else None
    )
    return figures


def service_level_figures(calls: QuerySet[Call]) -> dict[str, Any]:
    """PY-3.1's figures over some calls, in one query: the wait runs from the first ring
    to the answer; within 10 s means not over 10 s; abandoned calls are counted apart."""
    return _finish(calls.annotate(wait=_WAIT).aggregate(**_figure_expressions()))


def service_level_by_day(calls: QuerySet[Call]) -> list[dict[str, Any]]:
    """The same figures per local day, in one query."""
    rows = (
        calls.annotate(wait=_WAIT, day=TruncDate("ring_at", tzinfo=clock.MALAYSIA))
        .order_by()
        .values("day")
        .annotate(**_figure_expressions())
        .order_by("day")
    )
    return [_finish(dict(row)) for row in rows]


def service_level_by_operator(calls: QuerySet[Call]) -> list[dict[str, Any]]:
    """The same figures per operator who answered (unanswered calls have none)."""
    rows = (
        calls.filter(answered_at__isnull=False)
        .annotate(wait=_WAIT)
        .order_by()
        .annotate(
            who=Case(
                When(operator__isnull=False, then=F("operator__staff__name")),
                default=F("operator_extension"),
            )
        )
        .values("who")
        .annotate(**_figure_expressions())
        .order_by("who")
    )
    return [_finish(dict(row)) for row in rows]


def message_figures(office: Office) -> dict[str, int]:
    """Messages still to call back, and those past their day (PY-3.5)."""
    today = clock.business_day()
    return Message.objects.filter(office=office, called_back_at__isnull=True).aggregate(
        outstanding=Count("pk"),
        overdue=Count("pk", filter=Q(call_back_due__lt=today)),
    )


def call_log(office: Office, date_from: dt.date, date_to: dt.date) -> QuerySet[Call]:
    """Every call of the office on these local dates, for the log page and its export."""
    start, end = day_bounds(date_from, date_to)
    return (
        Call.objects.filter(office=office, ring_at__gte=start, ring_at__lt=end)
        .select_related("operator__staff", "service", "transfer_to")
        .order_by("ring_at", "pk")
    )


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


_HANDLE = ExpressionWrapper(F("ended_at") - F("answered_at"), output_field=DurationField())


def hourly_load(office: Office, date_from: dt.date, date_to: dt.date) -> list[dict[str, Any]]:
    """Per local hour of the day over these dates: calls per day on average, the mean
    handling time (answer to end) and the operators who answered, per day on average
    (the input of the Erlang C staffing)."""
    calls = measured_calls(office, date_from, date_to).annotate(
        day=TruncDate("ring_at", tzinfo=clock.MALAYSIA),
        hour=ExtractHour("ring_at", tzinfo=clock.MALAYSIA),
    )
    per_day_hour = (
        calls.order_by()
        .values("day", "hour")
        .annotate(
            calls=Count("pk"),
            operators=Count("operator", distinct=True),
            handled=Count("pk", filter=Q(answered_at__isnull=False, ended_at__isnull=False)),
            handle=Avg(_HANDLE, filter=Q(answered_at__isnull=False, ended_at__isnull=False)),
        )
    )
    days = len({row["day"] for row in per_day_hour}) or 1
    hours: dict[int, dict[str, Any]] = {}
    for row in per_day_hour:
        slot = hours.setdefault(
            row["hour"], {"hour": row["hour"], "calls": 0, "operators": 0, "handled": 0, "s": 0.0}
        )
        slot["calls"] += row["calls"]
        slot["operators"] += row["operators"]
        if row["handle"] is not None:
            slot["handled"] += row["handled"]
            slot["s"] += row["handle"].total_seconds() * row["handled"]
    result = []
    for hour in sorted(hours):
        slot = hours[hour]
        result.append(
            {
                "hour": hour,
                "calls_per_day": round(slot["calls"] / days, 1),
                "handle_seconds": round(slot["s"] / slot["handled"], 0)
                if slot["handled"]
                else None,
                "staffed": round(slot["operators"] / days, 1),
            }
        )
    return result
