"""The supervisor's live view (/counter/live/): every counter, the queues, the charter.

One page for the Penyelia of the current office: each counter's state, who is at it, its
current ticket and for how long; how many wait per service and the longest wait against
the office's client-charter target, with an alert once a wait passes it. It reads a fixed
number of queries whatever the number of counters (pinned in the tests), and refreshes
itself from the office's live stream with polling as the fallback.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from weserve.core import clock
from weserve.core.errors import DomainError
from weserve.core.roles import Role
from weserve.core.scoping import require_office_role
from weserve.organisation.models import Office, Service, StaffMember
from weserve.queueing import services
from weserve.queueing.access import require_counter_operator
from weserve.queueing.console_views import (
    STATE_LABELS,
    minutes_since,
    office_counter,
    person_name,
    staff_principal,
)
from weserve.queueing.models import TicketStatus
from weserve.queueing.panels import live_sections
from weserve.queueing.selectors import counters_with_state, waiting_by_service


def live_office(request: HttpRequest) -> Office:
    """The current office, if the person supervises it; 404 / 403 otherwise."""
    office = getattr(request, "office", None)
    if office is None:
        raise Http404
    require_office_role(request.user, office, Role.SUPERVISOR)
    return office


def live_context(office: Office) -> dict[str, Any]:
    """Counters, queues and the charter check of one office, in a fixed number of queries."""
    now = clock.now()
    rows = counters_with_state(office)
    names = dict(
        StaffMember.objects.filter(
            user_id__in=[r["session"].user_id for r in rows if r["session"]]
        ).values_list("user_id", "name")
    )
    for row in rows:
        session, ticket = row["session"], row["ticket"]
        row["state_label"] = STATE_LABELS[row["state"]]
        row["person"] = (names.get(session.user_id) or person_name(session.user)) if session else ""
        row["minutes"] = None
        if ticket is not None:
            since = ticket.started_at if ticket.status == TicketStatus.SERVING else ticket.called_at
            row["minutes"] = minutes_since(since, now)
        elif session is not None and session.paused_at is not None:
            row["minutes"] = minutes_since(session.paused_at, now)
        row["close_key"] = secrets.token_urlsafe(18)

    charter = office.charter_wait_minutes
    waiting = waiting_by_service(office)
    offered = list(Service.objects.offered_at(office).order_by("prefix"))
    known = {s.code for s in offered}
    queues = [
        {
            "service": service,
            "code": service.code,
            "name": service.name,
            **_queue(waiting, service.code),
        }
        for service in offered
    ]
    # A ticket whose service was since withdrawn from the office still waits: show it.
    queues += [
        {"service": None, "code": code, "name": code, **_queue(waiting, code)}
        for code in sorted(set(waiting) - known)
    ]
    most = max((q["count"] for q in queues), default=0)
    for queue in queues:
        # Bar lengths in percent of the longest queue, for the server-drawn chart.
        queue["bar"] = round(100 * queue["count"] / most) if most else 0
        queue["over"] = queue["longest"] is not None and queue["longest"] > charter
    longest = max((q["longest"] for q in queues if q["longest"] is not None), default=None)
    over = [q for q in queues if q["over"]]
    states = [row["state"] for row in rows]
    return {
        "office": office,
        "rows": rows,
        "queues": queues,
        "charter_minutes": charter,
        "longest": longest,
        "over": over,
        "waiting_total": sum(q["count"] for q in queues),
        "priority_total": sum(q["priority"] for q in queues),
        "open_count": sum(1 for s in states if s != "closed"),
        "busy_count": sum(1 for s in states if s in ("calling", "serving")),
        "updated_at": now,
        # Parts other apps add (the register: referrals not accepted in time).
        "sections": live_sections(office, now),
    }


def _queue(waiting: dict[str, dict[str, Any]], code: str) -> dict[str, Any]:
    info = waiting.get(code, {})
    return {
        "count": info.get("count", 0),
        "priority": info.get("priority", 0),
        "longest": info.get("longest_wait_minutes"),
    }


def _render(
    request: HttpRequest,
    office: Office,
    *,
    notice: str | Promise | None = None,
    error: str | Promise | None = None,
    status: int = 200,
) -> HttpResponse:
    context = live_context(office)
    context.update(notice=notice, error=error)
    template = "queueing/live_partial.html" if request.htmx else "queueing/live.html"
    return render(request, template, context, status=status)


@never_cache
@login_required
@require_GET
def live(request: HttpRequest) -> HttpResponse:
    """The supervisor's live view of the current office's counters and queues."""
    return _render(request, live_office(request))


@login_required
@require_POST
def close_counter(request: HttpRequest, counter_id: int) -> HttpResponse:
    """Close a counter left open (somebody went home without closing it)."""
    office = live_office(request)
    counter = office_counter(office, counter_id)
    user = require_counter_operator(staff_principal(request), counter)
    try:
        services.close_counter(counter, acting_user=user)
    except DomainError as exc:
        return _render(request, office, error=exc.message, status=409)
    notice = _("Counter {number} is closed.").format(number=counter.number)
    if not request.htmx:
        messages.info(request, notice)
        return redirect("counter_live")
    return _render(request, office, notice=notice)
