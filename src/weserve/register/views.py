"""The register entry panel of the counter console: while a ticket is at the counter,
its customer is registered here (the panel queueing's console loads, queueing/panels.py).

Thin: find the ticket in the current office (another office's is 404), ask
weserve.register.access who may record (403), call one service, render the panel. A
refusal re-renders the form with what was typed and a translated message per field.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from weserve.core.errors import DomainError
from weserve.core.net import client_ip
from weserve.core.personal import log_personal_view
from weserve.queueing.models import Ticket
from weserve.register import services
from weserve.register.access import page_caller, recorded_here, require_recorder
from weserve.register.forms import EntryForm
from weserve.register.models import RegisterEntry
from weserve.register.referral_views import referral_context
from weserve.register.selectors import with_details
from weserve.register.services import InvalidEntry


def _panel(
    request: HttpRequest,
    ticket: Ticket,
    *,
    form: EntryForm | None = None,
    entry: RegisterEntry | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "ticket": ticket,
        "form": form,
        "entry": entry,
        # Once the customer is in the register, they can be referred to an officer.
        "ref": referral_context(entry) if entry is not None else None,
        "error": error,
        "action": reverse("register_ticket_entry", args=[ticket.public_id]),
        "key": secrets.token_urlsafe(18),
    }
    return render(request, "register/console_entry.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def ticket_entry(request: HttpRequest, public_id: str) -> HttpResponse:
    """The register entry of the ticket at the counter: the form, or the saved entry."""
    ticket, user = recorded_here(
        request, Ticket.objects.select_related("office", "service").filter(public_id=public_id)
    )
    office = ticket.office
    saved = with_details(RegisterEntry.objects.filter(ticket=ticket)).first()
    if saved is not None:
        return _panel(request, ticket, entry=saved)
    if request.method == "GET":
        return _panel(
            request,
            ticket,
            form=EntryForm(office, initial={"service": ticket.service.code}, auto_id="register-%s"),
        )
    form = EntryForm(office, request.POST, auto_id="register-%s")
    if not form.is_valid():
        return _panel(request, ticket, form=form, status=422)
    try:
        entry = services.record_visit(ticket, acting_user=user, **form.entry())
    except InvalidEntry as exc:
        form.add_service_errors(exc.fields)
        return _panel(request, ticket, form=form, status=422)
    except DomainError as exc:
        return _panel(request, ticket, form=form, error=str(exc.message), status=409)
    return _panel(
        request, ticket, entry=with_details(RegisterEntry.objects.filter(pk=entry.pk)).get()
    )


# --- A walk-in: a customer served without a ticket ------------------------------------------


def _walk_in_office(request: HttpRequest) -> tuple[Any, Any]:
    office = getattr(request, "office", None)
    if office is None:
        raise Http404
    return office, require_recorder(page_caller(request), office)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def walk_in(request: HttpRequest) -> HttpResponse:
    """Register a customer served without a ticket at the current office; once saved, the
    entry's page, where the customer can be referred to an officer (PT-2.5)."""
    office, user = _walk_in_office(request)
    context: dict[str, Any] = {
        "office": office,
        "action": reverse("register_walk_in"),
        "key": secrets.token_urlsafe(18),
    }
    if request.method == "GET":
        context["form"] = EntryForm(office, auto_id="register-%s")
        return render(request, "register/walk_in.html", context)
    form = EntryForm(office, request.POST, auto_id="register-%s")
    context["form"] = form
    if not form.is_valid():
        return render(request, "register/walk_in.html", context, status=422)
    try:
        entry = services.record_walk_in(office, acting_user=user, **form.entry())
    except InvalidEntry as exc:
        form.add_service_errors(exc.fields)
        return render(request, "register/walk_in.html", context, status=422)
    except DomainError as exc:
        context["error"] = str(exc.message)
        return render(request, "register/walk_in.html", context, status=409)
    messages.success(request, _("The visit is saved in the register."))
    return redirect("register_entry", entry.pk)


@never_cache
@login_required
@require_GET
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    """One visit of the current office's register, with its referrals: where a walk-in
    customer is referred to an officer. Opening it is recorded (personal data)."""
    entry, user = recorded_here(request, with_details(RegisterEntry.objects.filter(pk=entry_id)))
    log_personal_view(
        entry, user=user, ip=client_ip(request), fields=["name", "mykad", "phone", "purpose"]
    )
    context = {"entry": entry, "ref": referral_context(entry), "office": entry.office}
    return render(request, "register/entry_detail.html", context)


@never_cache
@login_required
@require_http_methods(["POST"])
def returning_customer(request: HttpRequest) -> HttpResponse:
    """Earlier visits at the current office of the customer whose MyKad number was typed
    (PT-1.8): an exact match on the keyed hash, shown masked, audited. POST only, so the
    number never travels in a URL; the console's register panel and the walk-in page
    load the answer into the form with htmx."""
    office, user = _walk_in_office(request)
    mykad = request.POST.get("mykad", "")
    context: dict[str, Any] = {"office": office, "visits": None, "error": None}
    try:
        context["visits"] = services.find_returning_customer(office, mykad, acting_user=user)
    except InvalidEntry as refused:
        context["error"] = refused.fields.get("mykad") or _("Enter a valid MyKad number.")
        return render(request, "register/returning.html", context, status=422)
    return render(request, "register/returning.html", context)
