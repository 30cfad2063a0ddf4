"""Queue pages: the mobile ticket page behind the slip's QR code."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from weserve.queueing.kiosk_views import KIOSK_LANGUAGES, PRIORITY_SHORT
from weserve.queueing.models import Ticket
from weserve.queueing.panels import ticket_links
from weserve.queueing.selectors import people_ahead, wait_estimate

# Without JavaScript's live updates (or while they are down) the page asks this often.
POLL_SECONDS = 15


@never_cache
@require_GET
def ticket_status(request: HttpRequest, public_id: str) -> HttpResponse:
    """Public: status, people ahead, estimated wait, counter when called. No personal data.

    The unguessable id in the address is the only key; the page shows this ticket alone,
    in the language chosen at the kiosk unless the reader switches it.
    """
    ticket = (
        Ticket.objects.select_related("service", "counter", "office")
        .filter(public_id=public_id)
        .first()
    )
    requested = request.GET.get("lang")
    if ticket is None:
        language = requested if requested in KIOSK_LANGUAGES else translation.get_language()
        with translation.override(language):
            return render(request, "queueing/ticket_status.html", {"ticket": None}, status=404)
    language = requested if requested in KIOSK_LANGUAGES else ticket.language
    other = "en" if language == "ms" else "ms"
    ahead = people_ahead(ticket)
    page_url = reverse("ticket_status", args=[ticket.public_id])
    with translation.override(language):
        return render(
            request,
            "queueing/ticket_status.html",
            {
                "ticket": ticket,
                "ahead": ahead,
                "estimate": wait_estimate(ticket, ahead),
                "office_name": ticket.office.name,
                "service_name": ticket.service.name,
                "priority_label": PRIORITY_SHORT.get(ticket.priority, ""),
                "language": language,
                "other_language": other,
                "toggle_url": f"{page_url}?lang={other}",
                "api_url": reverse("api:get_ticket", args=[ticket.public_id]),
                "ws_path": f"/ws/tickets/{ticket.public_id}/",
                "poll_seconds": POLL_SECONDS,
                "links": ticket_links(ticket),
            },
        )
