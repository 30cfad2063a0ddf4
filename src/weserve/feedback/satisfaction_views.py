"""Customer Satisfaction Form pages: the form on the counter's tablet (a paired rating
device; it names the ticket just completed at its counter when there is one), staff
keying in a paper form by its serial number, and the filed forms: a list with filters,
each form's page and its printable PDF.

Thin: check who calls (feedback.access, feedback.report_access), call one service,
render. A refused form keeps every answer and the comment, with a message per field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Avg
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from weserve.core import documents
from weserve.core.audit import log_action
from weserve.core.errors import DomainError
from weserve.feedback import satisfaction_services as forms
from weserve.feedback.models import Score
from weserve.feedback.report_access import may_key_forms, require_form_keyer, require_reader
from weserve.feedback.satisfaction_models import FormChannel, SatisfactionForm
from weserve.feedback.selectors import ticket_for_form
from weserve.feedback.services import InvalidInput
from weserve.feedback.views import _language, _not_paired, _tablet
from weserve.organisation.models import Counter, Office, Service

PAGE_SIZE = 50
# The form's thank-you on the tablet stays this long, then the faces come back.
FORM_THANKS_SECONDS = 8


def _scale() -> list[tuple[int, str]]:
    return [(int(value), str(label)) for value, label in Score.choices]


def _posted_answers(request: HttpRequest, items: list[Any]) -> dict[str, str]:
    return {item.code: str(request.POST.get(f"item_{item.code}", ""))[:3] for item in items}


def _item_rows(
    items: list[Any], answers: dict[str, str], errors: dict[str, str]
) -> list[dict[str, Any]]:
    return [
        {
            "item": item,
            "name": f"item_{item.code}",
            "value": answers.get(item.code, ""),
            "error": errors.get(f"item_{item.code}", ""),
        }
        for item in items
    ]


# --- Staff: a paper form keyed in ----------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def form_new(request: HttpRequest, office_code: str) -> HttpResponse:
    office = require_form_keyer(request.user, office_code)
    items = forms.items_for(office)
    typed = {"serial": "", "filled_on": "", "counter": "", "service": "", "comment": ""}
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    message = ""
    status = 200
    if request.method == "POST":
        typed = {key: str(request.POST.get(key, ""))[:2100] for key in typed}
        answers = _posted_answers(request, items)
        try:
            form = forms.file_paper_form(
                office,
                forms.FormInput(
                    answers=answers,
                    comment=typed["comment"],
                    serial=typed["serial"],
                    filled_on=typed["filled_on"],
                    counter=typed["counter"],
                    service=typed["service"],
                ),
                acting_user=request.user,
            )
        except InvalidInput as exc:
            errors = {k: str(v) for k, v in exc.fields.items()}
            status = 422
        except DomainError as exc:
            message = str(exc.message)
            status = exc.status
        else:
            return redirect(
                reverse("feedback_form_detail", args=[office.code, form.pk]) + "?filed=1"
            )
    context = {
        "office": office,
        "rows": _item_rows(items, answers, errors),
        "scale": _scale(),
        "typed": typed,
        "errors": errors,
        "message": message,
        "counters": Counter.objects.filter(office=office).order_by("number"),
        "services": Service.objects.filter(offices=office).order_by("code"),
    }
    return render(request, "feedback/forms/new.html", context, status=status)


# --- The filed forms ----------------------------------------------------------------------------


def _filters(request: HttpRequest) -> tuple[dict[str, str], dict[str, Any], list[str]]:
    typed = {
        key: str(request.GET.get(key, ""))[:30] for key in ("start", "end", "channel", "serial")
    }
    lookups: dict[str, Any] = {}
    problems: list[str] = []
    for key, lookup in (("start", "filled_on__gte"), ("end", "filled_on__lte")):
        if typed[key]:
            try:
                lookups[lookup] = dt.date.fromisoformat(typed[key])
            except ValueError:
                problems.append(_("Enter dates as YYYY-MM-DD."))
    if typed["channel"] in FormChannel.values:
        lookups["channel"] = typed["channel"]
    if typed["serial"]:
        lookups["serial__startswith"] = typed["serial"].strip().upper().replace("\x00", "")
    return typed, lookups, problems


@never_cache
@require_GET
def form_list(request: HttpRequest, office_code: str) -> HttpResponse:
    office = require_reader(request.user, office_code)
    typed, lookups, problems = _filters(request)
    found = (
        SatisfactionForm.objects.filter(office=office, **lookups)
        .select_related("counter", "service", "keyed_by__staff")
        .annotate(mean=Avg("answers__score"))
        .order_by("-filled_on", "-pk")
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = "&".join(f"{k}={v}" for k, v in typed.items() if v)
    context = {
        "office": office,
        "page": page,
        "typed": typed,
        "problems": problems,
        "channels": FormChannel.choices,
        "query": query,
        "may_key": may_key_forms(request.user),
    }
    return render(request, "feedback/forms/list.html", context, status=422 if problems else 200)


def _form(office: Office, pk: int) -> SatisfactionForm:
    form = (
        SatisfactionForm.objects.select_related(
            "office", "counter", "service", "ticket", "keyed_by__staff", "served_by__staff"
        )
        .filter(office=office, pk=pk)
        .first()
    )
    if form is None:
        raise Http404
    return form


def _form_context(office: Office, form: SatisfactionForm) -> dict[str, Any]:
    answers = list(form.answers.select_related("item").order_by("item__order", "item__pk"))
    return {
        "office": office,
        "form": form,
        "answers": answers,
        "scale": _scale(),
        "title": _("Customer Satisfaction Form"),
    }


@never_cache
@require_GET
def form_detail(request: HttpRequest, office_code: str, pk: int) -> HttpResponse:
    office = require_reader(request.user, office_code)
    context = _form_context(office, _form(office, pk))
    context["filed"] = request.GET.get("filed") == "1"
    return render(request, "feedback/forms/detail.html", context)


@never_cache
@require_GET
def form_pdf(request: HttpRequest, office_code: str, pk: int) -> HttpResponse:
    office = require_reader(request.user, office_code)
    form = _form(office, pk)
    log_action(
        "feedback.satisfaction_form.printed",
        user=request.user,
        office=office,
        target=form,
        data={"serial": form.serial or f"#{form.pk}"},
    )
    name = f"borang-kepuasan-{office.code}-{form.serial or form.pk}.pdf"
    return documents.pdf_response(
        "feedback/forms/print.html", _form_context(office, form), name, request, inline=True
    )


# --- The counter's tablet -------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def tablet_form(request: HttpRequest, office_code: str, number: int) -> HttpResponse:
    """The full form on the counter's rating tablet, for the customer."""
    tablet = _tablet(request, office_code, number)
    if tablet is None:
        return _not_paired(request)
    language = _language(request.GET.get("lang"))
    page_url = reverse("feedback_tablet_form", args=[office_code, number])
    # Back to the faces (the tablet's own screen), which greet the next customer in Malay.
    tablet_url = reverse("feedback_tablet", args=[office_code, number])
    with translation.override(language):
        items = forms.items_for(tablet.office)
        ticket = ticket_for_form(tablet.counter)
        answers: dict[str, str] = {}
        errors: dict[str, str] = {}
        message = ""
        status = 200
        comment = ""
        if request.method == "POST":
            answers = _posted_answers(request, items)
            comment = str(request.POST.get("comment", ""))[:2100]
            try:
                forms.file_tablet_form(
                    tablet.device,
                    forms.FormInput(
                        answers=answers,
                        comment=comment,
                        ticket=str(request.POST.get("ticket", ""))[:70],
                    ),
                )
            except InvalidInput as exc:
                errors = {k: str(v) for k, v in exc.fields.items()}
                status = 422
            except DomainError as exc:
                message = str(exc.message)
                status = exc.status
            else:
                context = {
                    "office": tablet.office,
                    "counter": tablet.counter,
                    "thanks": True,
                    "language": language,
                    "tablet_url": tablet_url,
                    "refresh_seconds": FORM_THANKS_SECONDS,
                }
                return render(request, "feedback/forms/tablet.html", context, status=201)
        other = "en" if language == "ms" else "ms"
        context = {
            "office": tablet.office,
            "counter": tablet.counter,
            "ticket": ticket,
            "rows": _item_rows(items, answers, errors),
            "scale": _scale(),
            "errors": errors,
            "message": message,
            "comment": comment,
            "language": language,
            "toggle_url": f"{page_url}?lang={other}",
            "action_url": f"{page_url}?lang={language}",
            "tablet_url": tablet_url,
        }
        return render(request, "feedback/forms/tablet.html", context, status=status)
