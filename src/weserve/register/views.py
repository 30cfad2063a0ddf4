"""The register entry panel of the counter console: while a ticket is at the counter,
its customer is registered here (the panel queueing's console loads, queueing/panels.py).

Thin: find the ticket in the current office (another office's is 404), ask
weserve.register.access who may record (403), call one service, render the panel. A
refusal re-renders the form with what was typed and a translated message per field.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from weserve.core.errors import DomainError
from weserve.queueing.models import Ticket
from weserve.register import services
from weserve.register.access import recorded_here
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
    data = form.cleaned_data
    try:
        entry = services.record_visit(
            ticket,
            acting_user=user,
            name=data["name"],
            mykad=data["mykad"],
            phone=data["phone"],
            category=data["category"],
            service=form.service_choice(),
            purpose=data["purpose"],
            action=data["action"],
            forms=form.lines(),
            note=data["note"],
        )
    except InvalidEntry as exc:
        form.add_service_errors(exc.fields)
        return _panel(request, ticket, form=form, status=422)
    except DomainError as exc:
        return _panel(request, ticket, form=form, error=str(exc.message), status=409)
    return _panel(
        request, ticket, entry=with_details(RegisterEntry.objects.filter(pk=entry.pk)).get()
    )
