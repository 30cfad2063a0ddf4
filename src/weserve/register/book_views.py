"""The register's pages for the people who read it (issue 15 item 4, PT-1.8): search and
filter an office's register, export what was found (CSV, XLSX), print a day of it as the
paper book (PDF).

Who: the supervisor and administrator of the office, and heads of department over the
offices below theirs (weserve.register.access.READ_ROLES). Counter staff keep the register
from the console but neither search nor export it (403): the duty lists give monitoring
to the supervisor (PY-2.2) and reports to the head (MISSION.md), and an export carries
every customer of the range. Another office's register is 404, whatever the role.

Exports mask MyKad numbers; a person whose role may reveal a number (core.roles,
MYKAD_REVEAL_ROLES) may ask for full numbers, and every export, masked or not, is written
to the audit log (core.personal.log_export) before the first row leaves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from weserve.core import clock
from weserve.core.documents import Sheet, csv_response, pdf_response, xlsx_response
from weserve.core.net import client_ip
from weserve.core.personal import can_reveal_mykad, log_export
from weserve.core.roles import MYKAD_REVEAL_ROLES, has_role
from weserve.organisation.models import Office
from weserve.register.access import page_caller, require_reader
from weserve.register.search import (
    PAGE_SIZE,
    RegisterFilterForm,
    export_header,
    export_rows,
    initials,
    register_offices,
    search,
    today_filters,
    with_list_details,
)

EXPORT_NAME = "register"
_FILTER_KEYS = ("date_from", "date_to", "office", "service", "staff", "action", "category", "q")


def _office(request: HttpRequest, code: str) -> tuple[Office, Any]:
    """The office of the page, if this person reads its register (404 / 403 otherwise)."""
    office = Office.objects.filter(code=code[:40]).first() if "\x00" not in code else None
    if office is None:
        raise Http404
    user = require_reader(page_caller(request), office)
    return office, user


def _form(request: HttpRequest, user: Any, office: Office) -> RegisterFilterForm:
    offices = register_offices(user, office)
    data = request.GET if any(key in request.GET for key in _FILTER_KEYS) else today_filters()
    form = RegisterFilterForm(data, offices=offices, auto_id="register-filter-%s")
    form.is_valid()
    return form


def _filters(form: RegisterFilterForm) -> dict[str, Any]:
    """The filters as the audit log keeps them (dates as text)."""
    return {
        key: value.isoformat() if isinstance(value, dt.date) else value
        for key, value in form.cleaned_data.items()
        if value not in (None, "")
    }


def _may_export_full(user: Any) -> bool:
    return has_role(user, *MYKAD_REVEAL_ROLES)


def _page(
    request: HttpRequest,
    office: Office,
    user: Any,
    form: RegisterFilterForm,
    status: int = 200,
    error: Any = "",
) -> HttpResponse:
    entries = (
        with_list_details(search(form.chosen_offices(), form.cleaned_data))
        if form.is_valid()
        else None
    )
    page = Paginator(entries if entries is not None else [], PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    may_reveal = bool(rows) and can_reveal_mykad(user, rows[0])
    for entry in rows:
        entry.staff_name = _staff_name(entry)
    query = request.GET.urlencode() if any(k in request.GET for k in _FILTER_KEYS) else ""
    if not query:
        query = "&".join(f"{k}={v}" for k, v in today_filters().items())
    query = "&".join(p for p in query.split("&") if not p.startswith("page="))
    day = form.cleaned_data.get("date_from") if form.is_valid() else None
    context = {
        "office": office,
        "form": form,
        "page": page,
        "entries": rows,
        "many_offices": len(form.offices) > 1,
        "may_reveal": may_reveal,
        "may_export_full": _may_export_full(user),
        "query": query,
        "csv_url": reverse("register_export_csv", args=[office.code]),
        "xlsx_url": reverse("register_export_xlsx", args=[office.code]),
        "print_url": reverse("register_print_day", args=[office.code]),
        "print_day": day or clock.business_day(),
        "search_url": reverse("register_search", args=[office.code]),
        "error": error,
    }
    return render(request, "register/search.html", context, status=status)


def _staff_name(entry: Any) -> str:
    staff = getattr(entry.served_by, "staff", None)
    return staff.name if staff is not None else entry.served_by.get_username()


@login_required
@require_GET
def register_home(request: HttpRequest) -> HttpResponse:
    """The menu's entry: the register of the office the person is working in."""
    office = getattr(request, "office", None)
    if office is None:
        raise Http404
    require_reader(page_caller(request), office)
    return redirect("register_search", office.code)


@never_cache
@login_required
@require_GET
def register_search(request: HttpRequest, office_code: str) -> HttpResponse:
    """Search and filter the register, 50 a page, newest first (today's when first opened)."""
    office, user = _office(request, office_code)
    form = _form(request, user, office)
    return _page(request, office, user, form, status=200 if form.is_valid() else 400)


def _export(request: HttpRequest, office_code: str, fmt: str) -> HttpResponse:
    office, user = _office(request, office_code)
    full = request.GET.get("mykad") == "full"
    if full and not _may_export_full(user):
        raise PermissionDenied
    form = _form(request, user, office)
    if not form.is_valid():
        # Malformed filters: the page with their messages, not an unfiltered export.
        return _page(request, office, user, form, status=400)
    entries = search(form.chosen_offices(), form.cleaned_data)
    count = entries.count()
    log_export(
        user=user,
        office=office,
        export=EXPORT_NAME,
        rows=count,
        fmt=fmt,
        fields=["name", "mykad" if full else "mykad_masked", "purpose", "note"],
        filters=_filters(form),
        ip=client_ip(request),
    )
    english = (get_language() or "ms").startswith("en")
    rows = export_rows(entries, full_mykad=full, english=english)
    stamp = clock.business_day().isoformat()
    filename = f"daftar-pelanggan-{office.code}-{stamp}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, export_header(), rows)
    sheet = Sheet(
        title=str(_("Customer register")),
        header=export_header(),
        rows=rows,
        widths=[12, 11, 7, 9, 28, 16, 18, 10, 28, 40, 22, 22, 30],
    )
    return xlsx_response(filename, [sheet])


@never_cache
@login_required
@require_GET
def export_csv(request: HttpRequest, office_code: str) -> HttpResponse:
    """The filtered register as CSV, streamed row by row (audited)."""
    return _export(request, office_code, "csv")


@never_cache
@login_required
@require_GET
def export_xlsx(request: HttpRequest, office_code: str) -> HttpResponse:
    """The filtered register as XLSX, written without holding every row (audited)."""
    return _export(request, office_code, "xlsx")


def day_books(offices: list[Office], day: dt.date) -> list[dict[str, Any]]:
    """One day's register of each office, as the paper book lists it: in the order the
    visits were recorded, with the staff member's initials (one query)."""
    entries = with_list_details(search(offices, {"date_from": day, "date_to": day})).order_by(
        "office__code", "served_at", "pk"
    )
    by_office: dict[int, list[Any]] = {o.pk: [] for o in offices}
    for entry in entries:
        entry.staff_initials = initials(_staff_name(entry))
        by_office[entry.office_id].append(entry)
    return [{"office": each, "entries": by_office[each.pk]} for each in offices]


@never_cache
@login_required
@require_GET
def print_day(request: HttpRequest, office_code: str) -> HttpResponse:
    """One day of the register as the paper book: landscape A4, one section per office,
    MyKad numbers masked (the printout leaves the system; a reveal does not)."""
    office, user = _office(request, office_code)
    offices = register_offices(user, office)
    form = RegisterFilterForm(
        {"date_from": request.GET.get("date", ""), "office": request.GET.get("office", "")},
        offices=offices,
    )
    day = form.cleaned_data.get("date_from") if form.is_valid() else None
    if day is None:
        error = _("Choose a valid day to print (YYYY-MM-DD, between 1900 and 2999).")
        return _page(request, office, user, _form(request, user, office), 400, error)
    chosen = form.chosen_offices()
    books = day_books(chosen, day)
    count = sum(len(b["entries"]) for b in books)
    log_export(
        user=user,
        office=office,
        export=EXPORT_NAME,
        rows=count,
        fmt="pdf",
        fields=["name", "mykad_masked"],
        filters={"date": day.isoformat(), "offices": [o.code for o in chosen]},
        ip=client_ip(request),
    )
    context = {"title": _("Customer register"), "office": office, "day": day, "books": books}
    return pdf_response(
        "register/print_day.html",
        context,
        f"daftar-pelanggan-{office.code}-{day.isoformat()}.pdf",
        request,
        inline=True,
    )
