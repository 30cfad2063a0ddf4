"""Queue pages: the mobile ticket page behind the slip's QR code."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from weserve.queueing.models import Ticket
from weserve.queueing.selectors import people_ahead, wait_estimate


@never_cache
def ticket_status(request: HttpRequest, public_id: str) -> HttpResponse:
    """Public: status, people ahead, estimated wait, counter when called. No personal data."""
    ticket = (
        Ticket.objects.select_related("service", "counter", "office")
        .filter(public_id=public_id)
        .first()
    )
    if ticket is None:
        raise Http404
    ahead = people_ahead(ticket)
    return render(
        request,
        "queueing/ticket_status.html",
        {"ticket": ticket, "ahead": ahead, "estimate": wait_estimate(ticket, ahead)},
    )
