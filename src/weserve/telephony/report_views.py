"""The call log and the service-level report (PY-3.1), per day, operator and office, with
charts and CSV/XLSX export of the log (each export audited: it holds callers' numbers).
Figures come from the database (selectors); the report's role rule is
`access.require_report`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from weserve.core import clock, documents
from weserve.core.audit import log_action
from weserve.organisation.models import Office
from weserve.telephony import selectors
from weserve.telephony.access import require_report
from weserve.telephony.models import Call
from weserve.telephony.templatetags.telephony import phone

DEFAULT_DAYS = 7
MAX_DAYS = 366
LOG_ROWS = 500


def _office(request: HttpRequest) -> Office:
    office = getattr(request, "office", None)
    if office is None:
        raise Http404
    require_report(request.user, office)
    return office


def _range(request: HttpRequest) -> tuple[dt.date, dt.date, str]:
    """The report's dates (both included): the form's, or the last seven days."""
    today = clock.business_day()
    default = (today - dt.timedelta(days=DEFAULT_DAYS - 1), today)
    raw_from, raw_to = request.GET.get("from", ""), request.GET.get("to", "")
    if not raw_from and not raw_to:
        return (*default, "")
    try:
        first = dt.date.fromisoformat(raw_from[:10])
        last = dt.date.fromisoformat(raw_to[:10])
    except ValueError:
        return (*default, _("Enter the dates as YYYY-MM-DD."))
    if first > last:
        return (*default, _("The start date must not be after the end date."))
    if (last - first).days >= MAX_DAYS or first < selectors.EARLIEST or last > selectors.LATEST:
        return (*default, _("Choose at most a year."))
    return first, last, ""


def _share(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


@never_cache
@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """The service level of the office's calls with the exchange's times, by day and by
    operator, with messages outstanding and call-backs overdue."""
    office = _office(request)
    first, last, error = _range(request)
    measured = selectors.measured_calls(office, first, last)
    days = selectors.service_level_by_day(measured)
    labels = [row["day"].strftime("%d/%m") for row in days]
    charts = {}
    if days:
        charts["share"] = documents.line_chart(
            labels,
            {_("Answered within 10 s (%)"): [_share(r["service_level"]) for r in days]},
            label=_("Share of calls answered within 10 seconds, by day"),
            ylabel="%",
            ylim=(0, 100),
        )
        charts["calls"] = documents.bar_chart(
            labels,
            {
                _("Answered within 10 s"): [r["answered_within_10s"] for r in days],
                _("Answered later"): [r["answered"] - r["answered_within_10s"] for r in days],
                _("Abandoned"): [r["abandoned"] for r in days],
            },
            label=_("Calls by day: answered within 10 seconds, later, abandoned"),
            stacked=True,
        )
    total = selectors.service_level_figures(measured)
    context = {
        "title": _("Telephone service level"),
        "office": office,
        "date_from": first,
        "date_to": last,
        "error": error,
        "total": total,
        "total_share": _share(total["service_level"]),
        "days": [{**row, "share": _share(row["service_level"])} for row in days],
        "operators": [
            {**row, "share": _share(row["service_level"])}
            for row in selectors.service_level_by_operator(measured)
        ],
        "message_counts": selectors.message_figures(office),
        "charts": charts,
    }
    if request.GET.get("format") == "pdf" and not error:
        log_action(
            "telephony.report.exported",
            user=request.user,
            office=office,
            data={"from": first.isoformat(), "to": last.isoformat(), "format": "pdf"},
        )
        return documents.pdf_response(
            "telephony/report_print.html",
            context,
            f"tahap-perkhidmatan-telefon-{office.code}-{first:%Y%m%d}-{last:%Y%m%d}.pdf",
            request,
        )
    return render(request, "telephony/report.html", context)


HEADER = (
    "call_id",
    "direction",
    "ring_at",
    "answered_at",
    "wait_seconds",
    "operator",
    "caller_number",
    "caller_name",
    "service",
    "transfer_to",
    "transferred_at",
    "officer_answered_at",
    "transfer_returned_at",
    "ended_at",
    "outcome",
    "times_from_exchange",
)


def _local(value: dt.datetime | None) -> str:
    return clock.to_local(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _rows(calls: Any) -> Iterator[list[Any]]:
    for call in calls.iterator(chunk_size=2000):
        wait = (
            round((call.answered_at - call.ring_at).total_seconds(), 1) if call.answered_at else ""
        )
        operator = getattr(call.operator, "staff", None) if call.operator_id else None
        yield [
            call.call_id,
            call.direction,
            _local(call.ring_at),
            _local(call.answered_at),
            wait,
            operator.name if operator else call.operator_extension,
            phone(call.caller_number),
            call.caller_name,
            call.service.code if call.service_id else "",
            call.transfer_to.name if call.transfer_to_id else "",
            _local(call.transferred_at),
            _local(call.officer_answered_at),
            _local(call.transfer_returned_at),
            _local(call.ended_at),
            call.outcome,
            "yes" if call.times_from_exchange else "no",
        ]


@never_cache
@login_required
@require_GET
def call_log(request: HttpRequest) -> HttpResponse:
    """Every call of the chosen days; `?export=csv|xlsx` downloads them (audited)."""
    office = _office(request)
    first, last, error = _range(request)
    calls = selectors.call_log(office, first, last)
    export = request.GET.get("export", "")
    if export in ("csv", "xlsx") and not error:
        log_action(
            "telephony.calls.exported",
            user=request.user,
            office=office,
            data={"format": export, "from": first.isoformat(), "to": last.isoformat()},
        )
        name = f"calls-{office.code}-{first:%Y%m%d}-{last:%Y%m%d}.{export}"
        if export == "csv":
            return documents.csv_response(name, HEADER, _rows(calls))
        return documents.xlsx_response(
            name, [documents.Sheet(title=_("Calls"), header=HEADER, rows=_rows(calls))]
        )
    shown = list(calls[:LOG_ROWS])
    return render(
        request,
        "telephony/log.html",
        {
            "office": office,
            "date_from": first,
            "date_to": last,
            "error": error,
            "calls": shown,
            "more": len(shown) == LOG_ROWS,
            "outcomes": dict(Call.Outcome.choices),
        },
    )


DEFAULT_HANDLE_SECONDS = 180
STAFFING_WEEKS = 4


@never_cache
@login_required
@require_GET
def staffing(request: HttpRequest) -> HttpResponse:
    """Operators needed per hour to answer 90 % of calls within 10 seconds (Erlang C,
    from the last four weeks' calls), beside the operators who actually answered."""
    from weserve.core import erlang

    office = _office(request)
    today = clock.business_day()
    first = today - dt.timedelta(weeks=STAFFING_WEEKS)
    last = today - dt.timedelta(days=1)
    rows = []
    for slot in selectors.hourly_load(office, first, last):
        handle = slot["handle_seconds"] or DEFAULT_HANDLE_SECONDS
        needed = erlang.agents_needed(slot["calls_per_day"], handle, target=0.9, within_seconds=10)
        rows.append({**slot, "handle": handle, "needed": needed, "short": slot["staffed"] < needed})
    chart = None
    if rows:
        chart = documents.bar_chart(
            [f"{r['hour']:02d}:00" for r in rows],
            {
                _("Operators needed"): [r["needed"] for r in rows],
                _("Operators who answered"): [r["staffed"] for r in rows],
            },
            label=_("Operators needed per hour (Erlang C, 90% within 10 seconds) and staffed"),
        )
    return render(
        request,
        "telephony/staffing.html",
        {"office": office, "rows": rows, "chart": chart, "date_from": first, "date_to": last},
    )
