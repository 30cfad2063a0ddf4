"""Perception survey pages (PY-6.2, PT-4.2).

- The questionnaire (`/survey/<public id>/`): public, for a phone (the period's QR
  link) or the office's tablet (`/feedback/<office>/survey/` leads to the open period;
  a paired `rating` device of the office answers as the tablet). Honeypot, per-address
  limit for the QR link, a one-time submission key, and everything chosen kept when a
  field is refused.
- The supervisor's pages: the office's periods, one period (questionnaire, sampling
  plan with its progress, links and QR code, report status), paper entry (also counter
  staff), and the Perception Survey Data Report as a page, PDF and workbook.
- The head of department's queue of submitted reports, each report's file
  (acknowledge, follow-up actions) and the combined report of the offices below.

Thin: check who calls (feedback.survey_access), call one service, render.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weserve.core import clock, documents
from weserve.core.errors import DomainError
from weserve.core.tokens import resolve_device
from weserve.feedback import ratelimit
from weserve.feedback import survey_services as surveys
from weserve.feedback.services import InvalidInput
from weserve.feedback.survey_access import (
    require_head,
    require_manager,
    require_paper_keyer,
    require_period,
    require_report,
    require_report_reader,
)
from weserve.feedback.survey_models import (
    AgeBand,
    CustomerCategory,
    Likert,
    PeriodState,
    PopulationSource,
    ReportState,
    ResponseChannel,
    SurveyItem,
    SurveyPeriod,
    SurveyReport,
)
from weserve.feedback.survey_nav import inbox_badge
from weserve.feedback.survey_selectors import (
    SCORES,
    Report,
    combined_of,
    plan_of,
    report_of,
    reports_for_head,
)
from weserve.organisation.models import Device, Office, Service
from weserve.queueing.qr import qr_svg

LANGUAGES = ("ms", "en")
HONEYPOT = "website"
# The tablet's thank-you screen stays this long, then shows the questionnaire again.
TABLET_THANKS_SECONDS = 8
DEMOGRAPHICS = ("age_band", "category", "service", "serial")


def _language(request: HttpRequest) -> str:
    requested = request.GET.get("lang")
    if requested in LANGUAGES:
        return requested
    current = translation.get_language() or settings.LANGUAGE_CODE
    return current if current in LANGUAGES else settings.LANGUAGE_CODE


def _tablet_of(request: HttpRequest, office_id: int) -> Device | None:
    """The office's paired rating tablet, if that is who is asking."""
    device = resolve_device(request.COOKIES.get(settings.DEVICE_COOKIE_NAME, ""))
    if device is None or device.office_id != office_id or device.kind != Device.Kind.RATING:
        return None
    return device


def _questionnaire(
    period: SurveyPeriod, chosen: dict[str, str], errors: dict[str, str]
) -> list[dict[str, Any]]:
    english = (translation.get_language() or "ms").startswith("en")
    return [
        {
            "title": section.title_en if english else section.title_ms,
            "items": [
                {
                    "id": item.pk,
                    "name": f"item-{item.pk}",
                    "text": item.text_en if english else item.text_ms,
                    "chosen": chosen.get(f"item-{item.pk}", ""),
                    "error": errors.get(f"item-{item.pk}", ""),
                }
                for item in section.items.all()
            ],
        }
        for section in period.sections.prefetch_related("items").order_by("order")
    ]


def _posted(request: HttpRequest, period: SurveyPeriod) -> tuple[dict[str, str], Any]:
    """What the form sent: every item's choice and the demographics, as typed (cut short,
    so a huge field is refused by the service and not echoed back in full)."""
    chosen = {
        key: str(value)[:10]
        for key, value in request.POST.items()
        if key.startswith("item-") and len(key) < 20
    }
    typed = {name: str(request.POST.get(name, ""))[:100] for name in DEMOGRAPHICS}
    answers = {key[len("item-") :]: value for key, value in chosen.items()}
    given = surveys.ResponseInput(
        answers=answers,
        age_band=typed["age_band"],
        category=typed["category"],
        service=typed["service"],
        serial=str(request.POST.get("serial", ""))[: surveys.SERIAL_MAX + 10],
    )
    return chosen | typed, given


def _form_context(
    period: SurveyPeriod,
    chosen: dict[str, str],
    *,
    action_url: str,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "period": period,
        "office": period.office,
        "sections": _questionnaire(period, chosen, errors or {}),
        "errors": errors or {},
        "scale": [(value, label) for value, label in Likert.choices],
        "age_bands": AgeBand.choices,
        "categories": CustomerCategory.choices,
        "services": Service.objects.filter(offices=period.office, is_active=True).order_by("code"),
        "typed": chosen,
        "submission": secrets.token_urlsafe(24),
        "honeypot": HONEYPOT,
        "action_url": action_url,
    }


# --- The public questionnaire ------------------------------------------------------------------


def _public_period(public_id: str) -> SurveyPeriod:
    period = (
        SurveyPeriod.objects.select_related("office")
        .filter(public_id=public_id[:40], office__is_active=True)
        .first()
    )
    if period is None or period.state == PeriodState.DRAFT:
        raise Http404
    return period


def _public_url(period: SurveyPeriod, language: str, name: str = "feedback_survey_public") -> str:
    return f"{reverse(name, args=[period.public_id])}?lang={language}"


@never_cache
@require_GET
def office_link(request: HttpRequest, office_code: str) -> HttpResponse:
    """The office's standing link (its tablet's start page): the open period's
    questionnaire, or a notice that no survey is open."""
    office = Office.objects.active().filter(code=office_code).first()
    if office is None:
        raise Http404
    language = _language(request)
    period = SurveyPeriod.objects.filter(office=office, state=PeriodState.OPEN).first()
    if period is not None:
        return redirect(_public_url(period, language))
    with translation.override(language):
        return render(
            request,
            "feedback/survey/closed.html",
            {"office": office, "language": language, "period": None},
        )


@never_cache
@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest, public_id: str) -> HttpResponse:
    """Public: the perception survey questionnaire of a period; no sign-in."""
    period = _public_period(public_id)
    language = _language(request)
    tablet = _tablet_of(request, period.office_id)
    with translation.override(language):
        page = {
            "language": language,
            "toggle_url": _public_url(period, "en" if language == "ms" else "ms"),
            "tablet": tablet is not None,
        }
        if period.state != PeriodState.OPEN:
            return render(
                request,
                "feedback/survey/closed.html",
                {**page, "office": period.office, "period": period},
            )
        action_url = _public_url(period, language)
        if request.method == "GET":
            context = _form_context(period, {}, action_url=action_url)
            return render(request, "feedback/survey/form.html", {**context, **page})
        chosen, given = _posted(request, period)
        context = {**_form_context(period, chosen, action_url=action_url), **page}
        context["submission"] = (
            str(request.POST.get("submission", ""))[:64] or context["submission"]
        )
        if request.POST.get(HONEYPOT):
            context["message"] = _("Your answers could not be sent. Please try again.")
            return render(request, "feedback/survey/form.html", context, status=400)
        try:
            if tablet is None:
                ratelimit.check(request, "survey")
            surveys.record_response(
                period,
                given,
                channel=ResponseChannel.TABLET if tablet else ResponseChannel.QR,
                device=tablet,
                submission_key=f"{period.pk}:{context['submission']}",
            )
        except InvalidInput as exc:
            errors = {k: str(v) for k, v in exc.fields.items()}
            context["errors"] = errors
            context["sections"] = _questionnaire(period, chosen, errors)
            return render(request, "feedback/survey/form.html", context, status=422)
        except DomainError as exc:
            if exc.code != "already_received":
                context["message"] = str(exc.message)
                return render(request, "feedback/survey/form.html", context, status=exc.status)
        return redirect(_public_url(period, language, "feedback_survey_thanks"))


@never_cache
@require_GET
def public_thanks(request: HttpRequest, public_id: str) -> HttpResponse:
    period = _public_period(public_id)
    language = _language(request)
    tablet = _tablet_of(request, period.office_id) is not None
    with translation.override(language):
        return render(
            request,
            "feedback/survey/thanks.html",
            {
                "period": period,
                "office": period.office,
                "language": language,
                "tablet": tablet,
                "again_url": _public_url(period, language),
                "refresh_seconds": TABLET_THANKS_SECONDS,
            },
        )


# --- The supervisor's pages --------------------------------------------------------------------


@require_GET
def survey_home(request: HttpRequest) -> HttpResponse:
    """The menu's entry: the periods of the office the person is working in."""
    office = getattr(request, "office", None)
    if office is None:
        raise Http404
    require_manager(request.user, office.code)
    return redirect("feedback_survey_list", office.code)


@never_cache
@require_GET
def period_list(request: HttpRequest, office_code: str) -> HttpResponse:
    office = require_manager(request.user, office_code)
    periods = list(SurveyPeriod.objects.filter(office=office).select_related("report")[:100])
    rows = [{"period": p, "plan": plan_of(p)} for p in periods]
    return render(request, "feedback/survey/list.html", {"office": office, "rows": rows})


@never_cache
@require_http_methods(["GET", "POST"])
def period_create(request: HttpRequest, office_code: str) -> HttpResponse:
    office = require_manager(request.user, office_code)
    year = clock.business_day(clock.now()).year
    typed = {
        "title": _("Perception survey {year}").format(year=year),
        "starts_on": f"{year}-01-01",
        "ends_on": f"{year}-12-31",
        "copy_default": "on",
    }
    if request.method == "POST":
        typed = {k: str(request.POST.get(k, ""))[:300] for k in typed}
        try:
            period = surveys.create_period(
                office,
                title=typed["title"],
                starts_on=_parse_date(typed["starts_on"]),
                ends_on=_parse_date(typed["ends_on"]),
                copy_default=bool(typed["copy_default"]),
                acting_user=request.user,
            )
        except InvalidInput as exc:
            errors = {k: str(v) for k, v in exc.fields.items()}
            return render(
                request,
                "feedback/survey/create.html",
                {"office": office, "typed": typed, "errors": errors},
                status=422,
            )
        return redirect("feedback_survey_detail", office.code, period.pk)
    return render(request, "feedback/survey/create.html", {"office": office, "typed": typed})


def _parse_date(value: str) -> Any:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return value


def _parse_int(value: str) -> Any:
    text = value.strip().replace(",", "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else text


def _detail(
    request: HttpRequest, office: Office, period: SurveyPeriod, *, status: int = 200, **extra: Any
) -> HttpResponse:
    report = (
        SurveyReport.objects.filter(period=period).select_related("acknowledged_by__staff").first()
    )
    public_url = request.build_absolute_uri(
        reverse("feedback_survey_public", args=[period.public_id])
    )
    context = {
        "office": office,
        "period": period,
        "plan": plan_of(period),
        "sections": period.sections.prefetch_related("items").order_by("order"),
        "editable": period.state == PeriodState.DRAFT,
        "public_url": public_url,
        "office_url": request.build_absolute_uri(
            reverse("feedback_survey_office", args=[office.code])
        ),
        "qr": qr_svg(public_url, label=_("QR code of the survey's link"), scale=4)
        if period.state != PeriodState.DRAFT
        else "",
        "report": report,
        "follow_ups": report.follow_ups.select_related("recorded_by__staff") if report else [],
        "sources": PopulationSource.choices,
        **extra,
    }
    return render(request, "feedback/survey/detail.html", context, status=status)


@never_cache
@require_GET
def period_detail(request: HttpRequest, office_code: str, pk: int) -> HttpResponse:
    office = require_manager(request.user, office_code)
    return _detail(request, office, require_period(office, pk))


@never_cache
@require_POST
def period_act(request: HttpRequest, office_code: str, pk: int, action: str) -> HttpResponse:
    """One action on a period: open, close, the sampling plan, the questionnaire, submit."""
    office = require_manager(request.user, office_code)
    period = require_period(office, pk)
    post = request.POST
    user = request.user
    try:
        if action == "open":
            surveys.open_period(period, acting_user=user)
        elif action == "close":
            surveys.close_period(period, acting_user=user)
        elif action == "population":
            surveys.set_population(
                period,
                source=str(post.get("source", ""))[:20],
                number=_parse_int(str(post.get("number", ""))[:30]),
                note=post.get("note", ""),
                acting_user=user,
            )
        elif action == "add_section":
            surveys.add_section(
                period,
                title_ms=post.get("title_ms", ""),
                title_en=post.get("title_en", ""),
                acting_user=user,
            )
        elif action == "add_item":
            section = period.sections.filter(
                pk=_parse_int(str(post.get("section", ""))[:12]) or 0
            ).first()
            if section is None:
                raise InvalidInput({"section": _("Choose a section of this questionnaire.")})
            surveys.add_item(
                section,
                text_ms=post.get("text_ms", ""),
                text_en=post.get("text_en", ""),
                acting_user=user,
            )
        elif action == "remove_item":
            item = SurveyItem.objects.filter(
                section__period=period, pk=_parse_int(str(post.get("item", ""))[:12]) or 0
            ).first()
            if item is None:
                raise Http404
            surveys.remove_item(item, acting_user=user)
        elif action == "remove_section":
            section = period.sections.filter(
                pk=_parse_int(str(post.get("section", ""))[:12]) or 0
            ).first()
            if section is None:
                raise Http404
            surveys.remove_section(section, acting_user=user)
        elif action == "submit":
            surveys.submit_report(period, note=post.get("note", ""), acting_user=user)
        else:
            raise Http404
    except InvalidInput as exc:
        errors = {k: str(v) for k, v in exc.fields.items()}
        return _detail(
            request,
            office,
            period,
            status=422,
            errors=errors,
            failed=action,
            typed=dict(post.items()),
        )
    except DomainError as exc:
        return _detail(request, office, period, status=exc.status, message=str(exc.message))
    return redirect("feedback_survey_detail", office.code, period.pk)


@never_cache
@require_http_methods(["GET", "POST"])
def paper_entry(request: HttpRequest, office_code: str, pk: int) -> HttpResponse:
    """Staff key in a paper questionnaire with its serial number."""
    office = require_paper_keyer(request.user, office_code)
    period = require_period(office, pk)
    action_url = reverse("feedback_survey_paper", args=[office.code, period.pk])
    page = {"paper": True, "language": translation.get_language()}
    if period.state != PeriodState.OPEN:
        return render(
            request,
            "feedback/survey/closed.html",
            {**page, "office": office, "period": period},
            status=409,
        )
    if request.method == "GET":
        context = _form_context(period, {}, action_url=action_url)
        saved = request.GET.get("saved", "")[:30]
        return render(request, "feedback/survey/paper.html", {**context, **page, "saved": saved})
    chosen, given = _posted(request, period)
    context = {**_form_context(period, chosen, action_url=action_url), **page}
    context["submission"] = str(request.POST.get("submission", ""))[:64] or context["submission"]
    try:
        response = surveys.record_response(
            period,
            given,
            channel=ResponseChannel.PAPER,
            acting_user=request.user,
            submission_key=f"{period.pk}:{context['submission']}",
        )
    except InvalidInput as exc:
        errors = {k: str(v) for k, v in exc.fields.items()}
        context["errors"] = errors
        context["sections"] = _questionnaire(period, chosen, errors)
        return render(request, "feedback/survey/paper.html", context, status=422)
    except DomainError as exc:
        if exc.code == "already_received":
            return redirect(action_url)
        context["message"] = str(exc.message)
        return render(request, "feedback/survey/paper.html", context, status=exc.status)
    return redirect(f"{action_url}?saved={response.serial}")


# --- The report ----------------------------------------------------------------------------------


def _charts(report: Report) -> dict[str, Any]:
    dims = [d.figures for d in report.dimensions if d.figures.n]
    if not dims:
        return {}
    labels = [d.label for d in dims]
    height = max(2.2, 0.5 * len(labels) + 1)
    charts = {
        "means": documents.bar_chart(
            labels,
            {_("Mean score (1-5)"): [d.mean or 0 for d in dims]},
            label=_("Mean score of each dimension"),
            ylabel=_("Mean score (1-5)"),
            horizontal=True,
            height=height,
            most=5,
        ),
        "satisfied": documents.bar_chart(
            labels,
            {_("Satisfied (4-5), %"): [d.satisfied_percent or 0 for d in dims]},
            label=_("Share satisfied of each dimension"),
            ylabel=_("Satisfied (4-5), %"),
            horizontal=True,
            height=height,
            most=100,
        ),
        # The answers of every statement by point of the scale (each dimension's counts
        # are in the table below): one series, no legend to cover the bars.
        "distribution": documents.bar_chart(
            [f"{value} {label}" for value, label in Likert.choices],
            {_("Answers"): report.overall.counts},
            label=_("Distribution of answers, all statements"),
            ylabel=_("Answers"),
            height=2.8,
        ),
    }
    return charts


def _report_context(request: HttpRequest, office_code: str, pk: int) -> dict[str, Any]:
    office = require_report_reader(request.user, office_code)
    period = require_period(office, pk)
    report = report_of(period)
    return {
        "office": office,
        "period": period,
        "report": report,
        "scores": SCORES,
        "scale": Likert.choices,
        "submitted": SurveyReport.objects.filter(period=period).first(),
        "title": _("Perception Survey Data Report"),
        "generated_at": clock.now(),
    }


@never_cache
@require_GET
def report_page(request: HttpRequest, office_code: str, pk: int) -> HttpResponse:
    context = _report_context(request, office_code, pk)
    context["charts"] = _charts(context["report"])
    return render(request, "feedback/survey/report.html", context)


@never_cache
@require_GET
def report_pdf(request: HttpRequest, office_code: str, pk: int) -> HttpResponse:
    context = _report_context(request, office_code, pk)
    context["charts"] = _charts(context["report"])
    period = context["period"]
    return documents.pdf_response(
        "feedback/survey/report_print.html",
        context,
        f"laporan-tinjauan-persepsi-{period.office.code}-{period.starts_on:%Y}.pdf",
        request,
    )


def _summary_rows(report: Report, office: Office) -> Iterator[list[Any]]:
    plan = report.plan
    yield [_("Office"), office.name]
    yield [_("Survey period"), report.period.title]
    yield [_("From"), report.period.starts_on]
    yield [_("To"), report.period.ends_on]
    yield [_("Population"), plan.population]
    yield [_("Sample size required (Krejcie & Morgan)"), plan.target]
    yield [_("Responses received"), plan.achieved]
    yield [_("Adequacy"), plan.statement]
    yield [_("Mean score (1-5)"), report.overall.mean]
    yield [_("Satisfied (4-5), %"), report.overall.satisfied_percent]


def _figure_rows(report: Report, *, items: bool) -> Iterator[list[Any]]:
    for dimension in report.dimensions:
        rows = dimension.items if items else [dimension.figures]
        for figures in rows:
            mean = round(figures.mean, 2) if figures.mean is not None else None
            head = [dimension.figures.label, figures.label] if items else [figures.label]
            yield [*head, figures.n, mean, *figures.counts, figures.satisfied_percent]


def _breakdown_rows(report: Report) -> Iterator[list[Any]]:
    for breakdown in report.breakdowns:
        for label, count in breakdown.rows:
            yield [breakdown.label, label, count]


@never_cache
@require_GET
def report_xlsx(request: HttpRequest, office_code: str, pk: int) -> HttpResponse:
    context = _report_context(request, office_code, pk)
    report: Report = context["report"]
    office: Office = context["office"]
    counts = [str(score) for score in SCORES]
    figure_header = [_("Answers"), _("Mean score (1-5)"), *counts, _("Satisfied (4-5), %")]
    sheets = [
        documents.Sheet(
            _("Summary"), [_("Figure"), _("Value")], _summary_rows(report, office), [44, 60]
        ),
        documents.Sheet(
            _("Dimensions"),
            [_("Dimension"), *figure_header],
            _figure_rows(report, items=False),
            [40],
        ),
        documents.Sheet(
            _("Statements"),
            [_("Dimension"), _("Statement"), *figure_header],
            _figure_rows(report, items=True),
            [30, 60],
        ),
        documents.Sheet(
            _("Respondents"),
            [_("Breakdown"), _("Group"), _("Responses")],
            _breakdown_rows(report),
            [24, 40],
        ),
    ]
    period = context["period"]
    return documents.xlsx_response(
        f"laporan-tinjauan-persepsi-{period.office.code}-{period.starts_on:%Y}.xlsx", sheets
    )


# --- The head of department ----------------------------------------------------------------------


@never_cache
@require_GET
def report_inbox(request: HttpRequest) -> HttpResponse:
    """The head's queue: reports submitted by the offices below, waiting ones first."""
    office_ids = require_head(request.user)
    reports = list(reports_for_head(office_ids)[:200])
    return render(
        request,
        "feedback/survey/inbox.html",
        {
            "reports": reports,
            "waiting": sum(1 for r in reports if r.state == ReportState.SUBMITTED),
        },
    )


@never_cache
@require_GET
def report_badge(request: HttpRequest) -> HttpResponse:
    """The head's menu badge alone, for its live refresh."""
    require_head(request.user)
    return render(request, "feedback/survey/nav_badge.html", {"badge": inbox_badge(request)})


def _report_file(
    request: HttpRequest, report: SurveyReport, *, status: int = 200, **extra: Any
) -> HttpResponse:
    period = report.period
    context = {
        "report": report,
        "period": period,
        "office": period.office,
        "plan": plan_of(period),
        "follow_ups": report.follow_ups.select_related("recorded_by__staff"),
        **extra,
    }
    return render(request, "feedback/survey/report_file.html", context, status=status)


@never_cache
@require_GET
def report_file(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_file(request, require_report(request.user, pk))


@never_cache
@require_POST
def report_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    report = require_report(request.user, pk)
    try:
        if action == "acknowledge":
            surveys.acknowledge_report(report, acting_user=request.user)
        elif action == "follow_up":
            surveys.record_follow_up(
                report, action=request.POST.get("action", ""), acting_user=request.user
            )
        else:
            raise Http404
    except InvalidInput as exc:
        errors = {k: str(v) for k, v in exc.fields.items()}
        typed = str(request.POST.get("action", ""))[:3000]
        return _report_file(request, report, status=422, errors=errors, typed=typed)
    except DomainError as exc:
        return _report_file(request, report, status=exc.status, message=str(exc.message))
    return redirect("feedback_survey_report_file", report.pk)


def _combined_context(request: HttpRequest) -> dict[str, Any]:
    office_ids = require_head(request.user)
    raw = request.GET.get("year", "")
    this_year = clock.business_day(clock.now()).year
    year = int(raw) if raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2100 else this_year
    reports = reports_for_head(office_ids).filter(period__starts_on__year=year)
    combined = combined_of(reports)
    dims = [d for d in combined.dimensions if d.n]
    charts = {}
    if dims:
        labels = [d.label for d in dims]
        charts["means"] = documents.bar_chart(
            labels,
            {_("Mean score (1-5)"): [d.mean or 0 for d in dims]},
            label=_("Mean score of each dimension, all offices"),
            ylabel=_("Mean score (1-5)"),
            horizontal=True,
            height=max(2.2, 0.5 * len(labels) + 1),
            most=5,
        )
    offices = [row for row in combined.offices if row.figures.n]
    if offices:
        charts["offices"] = documents.bar_chart(
            [row.office.code for row in offices],
            {_("Satisfied (4-5), %"): [row.figures.satisfied_percent or 0 for row in offices]},
            label=_("Share satisfied of each office"),
            ylabel=_("Satisfied (4-5), %"),
            horizontal=True,
            height=max(2.2, 0.5 * len(offices) + 1),
            most=100,
        )
    return {
        "year": year,
        "years": list(range(this_year, this_year - 6, -1)),
        "combined": combined,
        "scores": SCORES,
        "charts": charts,
        "title": _("Perception Survey Data Report: offices combined"),
        "office": None,
        "generated_at": clock.now(),
    }


@never_cache
@require_GET
def combined_page(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/survey/combined.html", _combined_context(request))


@never_cache
@require_GET
def combined_pdf(request: HttpRequest) -> HttpResponse:
    context = _combined_context(request)
    return documents.pdf_response(
        "feedback/survey/combined_print.html",
        context,
        f"laporan-tinjauan-persepsi-gabungan-{context['year']}.pdf",
        request,
    )


@never_cache
@require_GET
def combined_xlsx(request: HttpRequest) -> HttpResponse:
    context = _combined_context(request)
    combined = context["combined"]

    def office_rows() -> Iterator[list[Any]]:
        for row in combined.offices:
            f = row.figures
            mean = round(f.mean, 2) if f.mean is not None else None
            yield [
                row.office.code,
                row.office.name,
                row.period.title,
                row.target,
                row.achieved,
                _("Adequate") if row.adequate else _("Not yet adequate"),
                mean,
                f.satisfied_percent,
            ]

    def dimension_rows() -> Iterator[list[Any]]:
        for f in [*combined.dimensions, combined.overall]:
            mean = round(f.mean, 2) if f.mean is not None else None
            yield [f.label, f.n, mean, *f.counts, f.satisfied_percent]

    counts = [str(score) for score in SCORES]
    sheets = [
        documents.Sheet(
            _("Offices"),
            [
                _("Code"),
                _("Office"),
                _("Survey period"),
                _("Sample size required (Krejcie & Morgan)"),
                _("Responses received"),
                _("Adequacy"),
                _("Mean score (1-5)"),
                _("Satisfied (4-5), %"),
            ],
            office_rows(),
            [12, 36, 30],
        ),
        documents.Sheet(
            _("Dimensions"),
            [_("Dimension"), _("Answers"), _("Mean score (1-5)"), *counts, _("Satisfied (4-5), %")],
            dimension_rows(),
            [40],
        ),
    ]
    return documents.xlsx_response(
        f"laporan-tinjauan-persepsi-gabungan-{context['year']}.xlsx", sheets
    )
