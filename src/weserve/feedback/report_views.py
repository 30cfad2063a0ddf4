"""The feedback reports as pages with charts, PDFs for printing and presenting, and XLSX
workbooks: the Customer Satisfaction Analysis Report and the Customer Feedback Report
(SMP16), for any period and office; for a head, every office below theirs too.

Thin: check who calls (feedback.report_access), read the period, ask
feedback.report_selectors for the figures (computed in the database), draw the charts
with core.documents, render. A period that cannot be read is a 422 page saying why.

The SMP16 PDF is printed from `feedback/reports/smp16.html` unless the office supplies
its own layout as `feedback/reports/smp16_<OFFICE CODE>.html` (any template directory):
JKM's SMP16 layout is not public, and the printed footer says which layout was used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from weserve.core import clock, documents
from weserve.core.audit import log_action
from weserve.core.roles import has_role
from weserve.feedback import report_selectors as figures
from weserve.feedback.box_models import RemarkChannel, RemarkTopic
from weserve.feedback.complaint_models import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintState,
    EventKind,
)
from weserve.feedback.models import Channel, Reason, Score
from weserve.feedback.report_access import (
    READER_ROLES,
    may_keep_box,
    may_key_forms,
    require_reader,
)
from weserve.feedback.report_selectors import Period
from weserve.organisation.models import Office

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)
LONGEST_DAYS = 3 * 366 + 1  # three years


class BadPeriod(Exception):
    pass


def _parse_day(raw: str | None, default: dt.date) -> dt.date:
    if raw is None or raw == "":
        return default
    try:
        day = dt.date.fromisoformat(raw.strip()[:10])
    except ValueError as exc:
        raise BadPeriod(_("Enter dates as YYYY-MM-DD.")) from exc
    if not EARLIEST <= day <= LATEST:
        raise BadPeriod(_("Enter dates from 2000 to 2100."))
    return day


def read_period(request: HttpRequest) -> Period:
    """The period asked for (`start`, `end`); by default this month up to today."""
    today = clock.business_day()
    start = _parse_day(request.GET.get("start"), today.replace(day=1))
    end = _parse_day(request.GET.get("end"), today)
    if end < start:
        raise BadPeriod(_("The period's end is before its start."))
    if (end - start).days + 1 > LONGEST_DAYS:
        raise BadPeriod(_("A report covers at most three years."))
    return Period(start=start, end=end)


def _query(period: Period) -> str:
    return f"?start={period.start.isoformat()}&end={period.end.isoformat()}"


# --- The hub -------------------------------------------------------------------------------


@never_cache
@require_GET
def hub_home(request: HttpRequest) -> HttpResponse:
    """The menu's entry: the feedback hub of the office one is working in."""
    if not has_role(request.user, *READER_ROLES):
        raise PermissionDenied
    office = getattr(request, "office", None)
    if office is None:
        return render(request, "feedback/reports/no_office.html", status=404)
    return redirect("feedback_hub", office.code)


@never_cache
@require_GET
def hub(request: HttpRequest, office_code: str) -> HttpResponse:
    office = require_reader(request.user, office_code)
    context = {
        "office": office,
        "may_key_forms": may_key_forms(request.user),
        "may_keep_box": may_keep_box(request.user),
    }
    return render(request, "feedback/reports/hub.html", context)


# --- Labels ---------------------------------------------------------------------------------


def _labels(choices: Any) -> dict[str, str]:
    return {str(code): str(label) for code, label in choices}


def _step_labels() -> dict[str, str]:
    return {
        "acknowledge": _("Acknowledge"),
        "reply": _("Reply"),
        "resolve": _("Resolve"),
    }


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _mean(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


# --- Customer Satisfaction Analysis Report ---------------------------------------------------


def _satisfaction_context(request: HttpRequest, office: Office, period: Period) -> dict[str, Any]:
    offices = figures.offices_in_scope(request.user, office)
    data = figures.satisfaction(offices, period)
    faces = [str(label) for _v, label in Score.choices]
    reasons = _labels(Reason.choices)
    for row in data["reasons"]:
        row["label"] = reasons.get(row["reason"], row["reason"])
    channels = _labels(Channel.choices)
    for row in data["by_channel"]:
        row["label"] = channels.get(row["channel"], row["channel"])
    english = (request.LANGUAGE_CODE or "ms").startswith("en")
    for row in data["by_service"]:
        row["name"] = (row["name_en"] if english else row["name_ms"]) or row[
            "ticket__service__code"
        ]
    for row in data["items"]:
        row["label"] = (row["label_en"] if english else row["label_ms"]) or row["item__code"]
    charts: dict[str, Any] = {}
    summary = data["summary"]
    if summary["count"]:
        charts["distribution"] = documents.bar_chart(
            faces,
            {_("Ratings"): summary["distribution"]},
            label=_("Ratings by score"),
            ylabel=_("Ratings"),
        )
        charts["trend"] = documents.line_chart(
            [row["bucket"] for row in data["trend"]],
            {_("Mean score"): [row["mean"] for row in data["trend"]]},
            label=_("Mean score over the period"),
            ylabel=_("Mean score (1-5)"),
            ylim=(1, 5),
        )
        if data["by_counter"]:
            charts["counters"] = documents.bar_chart(
                [f"{r['office__code']} · {r['counter__number']}" for r in data["by_counter"]],
                {_("Mean score"): [r["mean"] for r in data["by_counter"]]},
                label=_("Mean score by counter"),
                ylabel=_("Mean score (1-5)"),
                most=5,
            )
    if data["reasons"]:
        charts["reasons"] = documents.bar_chart(
            [row["label"] for row in data["reasons"]],
            {_("Times chosen"): [row["count"] for row in data["reasons"]]},
            label=_("Reasons chosen with ratings"),
            horizontal=True,
        )
    if data["items"]:
        charts["form_items"] = documents.bar_chart(
            [row["label"] for row in data["items"]],
            {_("Mean score"): [row["mean"] for row in data["items"]]},
            label=_("Satisfaction form: mean score by item"),
            horizontal=True,
            most=5,
        )
    return {
        "office": office,
        "offices": offices,
        "several": len(offices) > 1,
        "period": period,
        "data": data,
        "charts": charts,
        "faces": faces,
        "summary_share": _pct(summary["satisfied_share"]),
        "title": _("Customer Satisfaction Analysis Report"),
        "query": _query(period),
        "generated_at": clock.now(),
    }


def _bad_period(request: HttpRequest, office: Office, message: str, template: str) -> HttpResponse:
    today = clock.business_day()
    context = {
        "office": office,
        "period": Period(start=today.replace(day=1), end=today),
        "period_error": message,
        "start_typed": str(request.GET.get("start", ""))[:30],
        "end_typed": str(request.GET.get("end", ""))[:30],
        "empty": True,
    }
    return render(request, template, context, status=422)


def _exported(request: HttpRequest, office: Office, report: str, fmt: str, period: Period) -> None:
    log_action(
        "feedback.report.exported",
        user=request.user,
        office=office,
        data={
            "report": report,
            "format": fmt,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
    )


def _filename(report: str, office: Office, period: Period, ext: str) -> str:
    return f"{report}-{office.code}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{ext}"


@dataclass(frozen=True)
class _Report:
    """What tells one report's page, PDF and workbook apart."""

    name: str  # as audited
    page: str  # the page's template
    filename: str
    context: Callable[[HttpRequest, Office, Period], dict[str, Any]]
    print_template: Callable[[dict[str, Any]], str]
    sheets: Callable[[dict[str, Any]], list[documents.Sheet]]


def _report(request: HttpRequest, office_code: str, fmt: str, report: _Report) -> HttpResponse:
    """A report as a page, a PDF or an XLSX workbook (the downloads audited)."""
    office = require_reader(request.user, office_code)
    try:
        period = read_period(request)
    except BadPeriod as exc:
        return _bad_period(request, office, str(exc), report.page)
    context = report.context(request, office, period)
    if fmt in ("pdf", "xlsx"):
        _exported(request, office, report.name, fmt, period)
        filename = _filename(report.filename, office, period, fmt)
        if fmt == "pdf":
            return documents.pdf_response(
                report.print_template(context), context, filename, request
            )
        return documents.xlsx_response(filename, report.sheets(context))
    return render(request, report.page, context)


@never_cache
@require_GET
def satisfaction_report(request: HttpRequest, office_code: str, fmt: str = "html") -> HttpResponse:
    return _report(request, office_code, fmt, SATISFACTION)


def _score_header(first: list[str], faces: list[str]) -> list[str]:
    return [*first, _("Ratings"), _("Mean score"), _("Satisfied (4-5) %"), *faces]


def _score_cells(row: dict[str, Any]) -> list[Any]:
    share = row["satisfied_share"]
    return [
        row["count"],
        round(row["mean"], 2) if row["mean"] is not None else None,
        round(share, 1) if share is not None else None,
        *row["distribution"],
    ]


def _satisfaction_sheets(context: dict[str, Any]) -> list[documents.Sheet]:
    data, faces, period = context["data"], context["faces"], context["period"]
    office = context["office"]
    summary = [
        (_("Report"), context["title"]),
        (_("Office"), f"{office.code} {office.name}"),
        (_("Offices covered"), ", ".join(o.code for o in context["offices"])),
        (_("Period"), f"{period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}"),
        (_("Ratings"), data["summary"]["count"]),
        (_("Mean score"), _mean(data["summary"]["mean"])),
        (_("Satisfied (4-5) %"), _pct(data["summary"]["satisfied_share"])),
        (_("Satisfaction forms"), data["forms"]["count"]),
        (_("Comments read for themes"), data["comment_count"]),
    ]
    return [
        documents.Sheet(_("Summary"), [_("Item"), _("Value")], summary, widths=[30, 50]),
        documents.Sheet(
            _("By office"),
            _score_header([_("Office"), _("Name")], faces),
            ([r["office__code"], r["name"], *_score_cells(r)] for r in data["by_office"]),
        ),
        documents.Sheet(
            _("By counter"),
            _score_header([_("Office"), _("Counter")], faces),
            (
                [r["office__code"], r["counter__number"], *_score_cells(r)]
                for r in data["by_counter"]
            ),
        ),
        documents.Sheet(
            _("By staff"),
            _score_header([_("Office"), _("Staff member")], faces),
            ([r["office__code"], r["name"] or "", *_score_cells(r)] for r in data["by_staff"]),
        ),
        documents.Sheet(
            _("By service"),
            _score_header([_("Service"), _("Name")], faces),
            ([r["ticket__service__code"], r["name"], *_score_cells(r)] for r in data["by_service"]),
        ),
        documents.Sheet(
            _("Trend"),
            [_("Month") if period.monthly else _("Day"), _("Ratings"), _("Mean score")],
            (
                [r["bucket"], r["count"], round(r["mean"], 2) if r["mean"] else None]
                for r in data["trend"]
            ),
        ),
        documents.Sheet(
            _("Reasons"),
            [_("Reason"), _("Times chosen")],
            ([r["label"], r["count"]] for r in data["reasons"]),
        ),
        documents.Sheet(_("Comment words"), [_("Word"), _("Comments using it")], data["words"]),
        documents.Sheet(
            _("Form items"),
            _score_header([_("Item")], faces),
            ([r["label"], *_score_cells(r)] for r in data["items"]),
        ),
    ]


# --- Customer Feedback Report (SMP16) ---------------------------------------------------------


def _feedback_context(request: HttpRequest, office: Office, period: Period) -> dict[str, Any]:
    offices = figures.offices_in_scope(request.user, office)
    data = figures.feedback(offices, period)
    labels = {
        "category": _labels(ComplaintCategory.choices),
        "channel": _labels(ComplaintChannel.choices),
        "state": _labels(ComplaintState.choices),
        "kind": _labels(EventKind.choices),
        "topic": _labels(RemarkTopic.choices),
        "remark_channel": _labels(RemarkChannel.choices),
    }
    for key, rows in (
        ("category", data["by_category"]),
        ("channel", data["by_channel"]),
        ("state", data["by_state"]),
        ("kind", data["actions_by_kind"]),
    ):
        for row in rows:
            row["label"] = labels[key].get(row[key], row[key])
    for row in data["remarks_by_topic"]:
        row["label"] = labels["topic"].get(row["topic"], row["topic"])
    for row in data["remarks_by_channel"]:
        row["label"] = labels["remark_channel"].get(row["channel"], row["channel"])
    steps = _step_labels()
    for row in data["deadlines"]:
        row["label"] = steps[row["step"]]
    charts: dict[str, Any] = {}
    if data["by_category"]:
        charts["category"] = documents.bar_chart(
            [r["label"] for r in data["by_category"]],
            {_("Complaints"): [r["count"] for r in data["by_category"]]},
            label=_("Complaints by category"),
            horizontal=True,
        )
    if data["totals"]["count"]:
        charts["deadlines"] = documents.bar_chart(
            [r["label"] for r in data["deadlines"]],
            {
                _("Within the deadline"): [r["met"] for r in data["deadlines"]],
                _("Late"): [r["late"] for r in data["deadlines"]],
                _("Overdue"): [r["overdue"] for r in data["deadlines"]],
                _("Not yet due"): [r["pending"] for r in data["deadlines"]],
            },
            label=_("Complaints handled within each deadline"),
            stacked=True,
            # Within green, late amber, overdue red, not yet due grey.
            colours=("#2e8b57", "#e08a1e", "#b03a2e", "#9aa5b1"),
        )
    if data["remarks_by_topic"]:
        charts["remarks"] = documents.bar_chart(
            [r["label"] for r in data["remarks_by_topic"]],
            {
                _("Suggestions"): [r["suggestions"] for r in data["remarks_by_topic"]],
                _("Compliments"): [r["compliments"] for r in data["remarks_by_topic"]],
            },
            label=_("Suggestions and compliments by topic"),
        )
    template = select_template(
        [f"feedback/reports/smp16_{office.code}.html", "feedback/reports/smp16.html"]
    )
    layout = template.template.name  # type: ignore[attr-defined]
    return {
        "office": office,
        "offices": offices,
        "several": len(offices) > 1,
        "period": period,
        "data": data,
        "charts": charts,
        "title": _("Customer Feedback Report (SMP16)"),
        "query": _query(period),
        "generated_at": clock.now(),
        "layout": layout,
        "office_layout": layout != "feedback/reports/smp16.html",
    }


@never_cache
@require_GET
def feedback_report(request: HttpRequest, office_code: str, fmt: str = "html") -> HttpResponse:
    return _report(request, office_code, fmt, SMP16)


def _feedback_sheets(context: dict[str, Any]) -> list[documents.Sheet]:
    data, period, office = context["data"], context["period"], context["office"]
    totals = data["totals"]
    summary = [
        (_("Report"), context["title"]),
        (_("Office"), f"{office.code} {office.name}"),
        (_("Offices covered"), ", ".join(o.code for o in context["offices"])),
        (_("Period"), f"{period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}"),
        (_("Complaints received"), totals["count"]),
        (_("Complaints still open"), totals["open"]),
        (_("Complaints overdue now"), data["overdue_count"]),
        (_("Suggestions"), data["remarks"]["suggestions"]),
        (_("Compliments"), data["remarks"]["compliments"]),
        (_("Box openings"), data["box"]["openings"]),
        (_("Slips found"), data["box"]["stated"]),
        (_("Slips keyed in"), data["box"]["keyed"]),
        (_("Layout"), context["layout"]),
    ]
    count_header = [_("Complaints")]
    return [
        documents.Sheet(_("Summary"), [_("Item"), _("Value")], summary, widths=[30, 50]),
        documents.Sheet(
            _("By office"),
            [
                _("Office"),
                _("Name"),
                _("Complaints"),
                _("Open"),
                _("Overdue steps"),
                _("Resolved within the deadline %"),
                _("Suggestions"),
                _("Compliments"),
            ],
            (
                [
                    r["code"],
                    r["name"],
                    r["complaints"],
                    r["open"],
                    r["overdue_steps"],
                    round(r["resolve_share"], 1) if r["resolve_share"] is not None else None,
                    r["suggestions"],
                    r["compliments"],
                ]
                for r in data["by_office"]
            ),
        ),
        documents.Sheet(
            _("By category"),
            [_("Category"), *count_header],
            ([r["label"], r["count"]] for r in data["by_category"]),
        ),
        documents.Sheet(
            _("By channel"),
            [_("Channel"), *count_header],
            ([r["label"], r["count"]] for r in data["by_channel"]),
        ),
        documents.Sheet(
            _("By state"),
            [_("State"), *count_header],
            ([r["label"], r["count"]] for r in data["by_state"]),
        ),
        documents.Sheet(
            _("Deadlines"),
            [
                _("Step"),
                _("Within the deadline"),
                _("Late"),
                _("Overdue"),
                _("Not yet due"),
                _("Within the deadline %"),
            ],
            (
                [
                    r["label"],
                    r["met"],
                    r["late"],
                    r["overdue"],
                    r["pending"],
                    round(r["share"], 1) if r["share"] is not None else None,
                ]
                for r in data["deadlines"]
            ),
        ),
        documents.Sheet(
            _("Overdue"),
            [_("Reference"), _("Received"), _("Category"), _("State")],
            (
                [c.reference, c.received_at, c.get_category_display(), c.get_state_display()]
                for c in data["overdue_items"]
            ),
        ),
        documents.Sheet(
            _("Actions"),
            [_("Reference"), _("Time"), _("Action"), _("Note")],
            ([e.complaint.reference, e.at, e.get_kind_display(), e.note] for e in data["actions"]),
        ),
        documents.Sheet(
            _("Suggestions and compliments"),
            [_("Topic"), _("Suggestions"), _("Compliments")],
            ([r["label"], r["suggestions"], r["compliments"]] for r in data["remarks_by_topic"]),
        ),
        documents.Sheet(
            _("Remark actions"),
            [_("Office"), _("Date received"), _("Kind"), _("Text"), _("Action taken")],
            (
                [r.office.code, r.received_on, r.get_kind_display(), r.text, r.action]
                for r in data["remark_actions"]
            ),
        ),
    ]


SATISFACTION = _Report(
    name="satisfaction",
    page="feedback/reports/satisfaction.html",
    filename="kepuasan-pelanggan",
    context=_satisfaction_context,
    print_template=lambda _context: "feedback/reports/satisfaction_print.html",
    sheets=_satisfaction_sheets,
)
SMP16 = _Report(
    name="smp16",
    page="feedback/reports/feedback.html",
    filename="smp16",
    context=_feedback_context,
    # The office's own layout when it supplied one.
    print_template=lambda context: context["layout"],
    sheets=_feedback_sheets,
)


def report_url(name: str, office: Office, period: Period, fmt: str = "") -> str:
    suffix = f"_{fmt}" if fmt else ""
    return reverse(f"feedback_{name}_report{suffix}", args=[office.code]) + _query(period)
