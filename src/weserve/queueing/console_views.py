"""The counter console (/counter/): open a counter, then call, serve, transfer, complete.

Views stay thin: they find the counter or ticket inside the current office (another
office's is 404), ask weserve.queueing.access who may act (a wrong role or somebody
else's counter is 403), call one service function and re-render the console. htmx
requests get the console partial back; a DomainError becomes a message in it, with the
rule's status (409), and nothing changes. Every action form carries a fresh one-time
Idempotency-Key, so the core IdempotencyMiddleware replays the first answer to a double
click or a retried request instead of acting twice.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from weserve.core import clock
from weserve.core.errors import DomainError
from weserve.core.scoping import require_office_role, visible_office_ids
from weserve.core.tokens import Principal
from weserve.organisation.models import Counter, Office, Service, StaffMember
from weserve.queueing import services
from weserve.queueing.access import STAFF_ROLES, can_supervise, require_counter_operator
from weserve.queueing.completion import missing_before_completion
from weserve.queueing.models import ACTIVE_STATUSES, CounterSession, Ticket, TicketStatus
from weserve.queueing.panels import ticket_panels
from weserve.queueing.selectors import (
    counter_state,
    counters_with_state,
    recent_no_shows,
    waiting_by_service,
)

# --- The greeting prompt (PT-2.1) -----------------------------------------------------------

# The greeting is a script the staff member says to the customer, shown in both languages
# whatever the screen's language, so its words are fixed per language here rather than
# passed through gettext (which would turn both into the screen's language).
_SALUTATIONS: tuple[tuple[int, str, str], ...] = (
    # (until this local hour, Malay, English)
    (12, "Selamat pagi", "Good morning"),
    (14, "Selamat tengah hari", "Good afternoon"),
    (18, "Selamat petang", "Good afternoon"),
    (19, "Selamat petang", "Good evening"),
    (24, "Selamat malam", "Good evening"),
)


def salutation(at: dt.datetime) -> tuple[str, str]:
    """The time-of-day greeting in Malay and English for an instant (Malaysian time)."""
    hour = clock.to_local(at).hour
    for until, malay, english in _SALUTATIONS:
        if hour < until:
            return malay, english
    return _SALUTATIONS[-1][1], _SALUTATIONS[-1][2]


def greeting(
    name: str, number: str, *, at: dt.datetime, language: str = "ms"
) -> list[dict[str, str]]:
    """What to say when the customer arrives, in Malay and English; the customer's first."""
    malay, english = salutation(at)
    lines = [
        {
            "language": "ms",
            "text": f"Assalamualaikum / {malay}, saya {name}. Nombor {number}, sila duduk.",
        },
        {
            "language": "en",
            "text": f"{english}, my name is {name}. Number {number}, please have a seat.",
        },
    ]
    if language == "en":
        lines.reverse()
    return lines


def person_name(user: Any) -> str:
    """The name a person goes by: the staff directory's, else the account's."""
    staff = getattr(user, "staff", None)
    if staff is not None and staff.name:
        return staff.name
    return user.get_full_name() or user.get_username()


# --- Looking things up within the current office ---------------------------------------------


class OneTimeKeys(dict[str, str]):
    """A fresh Idempotency-Key for each action form of one render (`{{ keys.call }}`)."""

    def __missing__(self, name: str) -> str:
        value = secrets.token_urlsafe(18)
        self[name] = value
        return value


def staff_principal(request: HttpRequest) -> Principal:
    return Principal(user=request.user, office_ids=visible_office_ids(request.user))


def console_office(request: HttpRequest) -> Office:
    """The current office, if the person works its counters; 404 / 403 otherwise."""
    office = getattr(request, "office", None)
    if office is None:
        raise Http404
    require_office_role(request.user, office, *STAFF_ROLES)
    return office


def office_counter(office: Office, counter_id: int) -> Counter:
    counter = (
        Counter.objects.select_related("office")
        .filter(pk=counter_id, office=office, is_active=True)
        .first()
    )
    if counter is None:
        raise Http404
    return counter


def _ticket_at(counter: Counter, public_id: str) -> Ticket:
    """A ticket of this counter (called, serving, or recently not come); 404 otherwise."""
    ticket = (
        Ticket.objects.select_related("service", "counter", "office")
        .filter(public_id=public_id, office_id=counter.office_id, counter=counter)
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def own_session(user: Any) -> CounterSession | None:
    return (
        CounterSession.objects.filter(user=user, closed_at__isnull=True)
        .select_related("counter__office")
        .first()
    )


# --- Rendering ------------------------------------------------------------------------------

STATE_LABELS: dict[str, Promise] = {
    "closed": _("Closed"),
    "idle": _("Ready"),
    "calling": _("Calling"),
    "serving": _("Serving"),
    "paused": _("On a break"),
}


def minutes_since(at: dt.datetime | None, now: dt.datetime) -> int | None:
    if at is None:
        return None
    return max(0, int((now - at).total_seconds() // 60))


def _chooser_context(request: HttpRequest, office: Office) -> dict[str, Any]:
    rows = counters_with_state(office)
    names = dict(
        StaffMember.objects.filter(
            user_id__in=[r["session"].user_id for r in rows if r["session"]]
        ).values_list("user_id", "name")
    )
    for row in rows:
        session = row["session"]
        row["state_label"] = STATE_LABELS[row["state"]]
        row["person"] = (names.get(session.user_id) or person_name(session.user)) if session else ""
        row["mine"] = session is not None and session.user_id == request.user.pk
        row["open_key"] = secrets.token_urlsafe(18)
    mine = own_session(request.user)
    return {
        "mode": "choose",
        "rows": rows,
        "elsewhere": mine if mine and mine.counter.office_id != office.pk else None,
        "refresh_url": reverse("counter_console"),
    }


def _counter_context(request: HttpRequest, office: Office, counter: Counter) -> dict[str, Any]:
    now = clock.now()
    session = (
        CounterSession.objects.filter(counter=counter, closed_at__isnull=True)
        .select_related("user__staff")
        .first()
    )
    ticket = (
        Ticket.objects.filter(counter=counter, status__in=ACTIVE_STATUSES)
        .select_related("service")
        .first()
    )
    state = counter_state(counter, session, ticket)
    # In the order the counter calls them: its rank-1 services first.
    links = list(counter.service_links.select_related("service"))
    served = [link.service for link in links]
    waiting = waiting_by_service(office)
    queue = []
    for link in links:
        service = link.service
        info = waiting.get(service.code, {})
        queue.append(
            {
                "service": service,
                "rank": link.rank,
                "count": info.get("count", 0),
                "priority": info.get("priority", 0),
                "longest": info.get("longest_wait_minutes"),
            }
        )
    longest = max((row["longest"] for row in queue if row["longest"] is not None), default=None)
    named = Ticket.objects.filter(
        office=office, status=TicketStatus.WAITING, target_counter=counter
    ).count()
    no_shows = recent_no_shows(counter, minutes=services.REINSTATE_MINUTES)
    for missed in no_shows:
        missed.idempotency_key = secrets.token_urlsafe(18)
        missed.minutes_left = max(
            0, services.REINSTATE_MINUTES - (minutes_since(missed.no_show_at, now) or 0)
        )
    at_counter = session.user if session else None
    is_mine = session is not None and session.user_id == request.user.pk
    context: dict[str, Any] = {
        "mode": "counter",
        "counter": counter,
        "session": session,
        "state": state,
        "state_label": STATE_LABELS[state],
        "person": person_name(at_counter) if at_counter else "",
        "is_mine": is_mine,
        "ticket": ticket,
        "queue": queue,
        "queue_ranked": len({link.rank for link in links}) > 1,
        "waiting_total": sum(row["count"] for row in queue),
        "longest": longest,
        "charter_minutes": office.charter_wait_minutes,
        "named_waiting": named,
        "no_shows": no_shows,
        "reinstate_minutes": services.REINSTATE_MINUTES,
        "service_codes": ",".join(s.code for s in served),
        # Staff refresh "their" console, which follows them if a supervisor closes it.
        "refresh_url": reverse("counter_console")
        if is_mine
        else reverse("counter_console_for", args=[counter.pk]),
    }
    if ticket is not None:
        context["ticket_minutes"] = minutes_since(
            ticket.started_at if ticket.status == TicketStatus.SERVING else ticket.called_at, now
        )
        context["ticket_waited"] = minutes_since(ticket.queued_at, ticket.called_at or now)
        if ticket.status == TicketStatus.CALLED and at_counter is not None:
            context["greeting"] = greeting(
                person_name(at_counter), ticket.number, at=now, language=ticket.language
            )
        context["transfer_services"] = list(
            Service.objects.offered_at(office).exclude(pk=ticket.service_id).order_by("prefix")
        )
        context["transfer_counters"] = list(
            Counter.objects.active().filter(office=office).exclude(pk=counter.pk)
        )
        context["ticket_panels"] = ticket_panels(request.user, ticket)
    return context


def render_console(
    request: HttpRequest,
    office: Office,
    counter: Counter | None = None,
    *,
    notice: str | Promise | None = None,
    error: str | Promise | None = None,
    status: int = 200,
    confirm_complete: dict[str, Any] | None = None,
) -> HttpResponse:
    """The console (full page, or its partial for htmx) for a counter or the chooser."""
    if counter is None:
        mine = own_session(request.user)
        if mine is not None and mine.counter.office_id == office.pk:
            counter = mine.counter
    if counter is None:
        context = _chooser_context(request, office)
    else:
        context = _counter_context(request, office, counter)
    context.update(
        office=office,
        notice=notice,
        error=error,
        keys=OneTimeKeys(),
        can_supervise=can_supervise(request.user),
        confirm_complete=confirm_complete,
    )
    template = "queueing/console_partial.html" if request.htmx else "queueing/console.html"
    return render(request, template, context, status=status)


def _respond(
    request: HttpRequest,
    office: Office,
    counter: Counter,
    act: Callable[[], str | Promise | None],
) -> HttpResponse:
    """Run one action; re-render the console with its notice, or its rule's message."""
    was_mine = CounterSession.objects.filter(
        counter=counter, user=request.user, closed_at__isnull=True
    ).exists()
    try:
        notice = act()
    except DomainError as exc:
        # Any refusal is a message in the page; a "not found" among the choices offered
        # is an invalid field (422) rather than a missing page.
        status = 422 if exc.status in (404, 422) else 409
        return render_console(request, office, counter, error=exc.message, status=status)
    # The person's own counter follows them (after closing it, the list of counters);
    # a supervisor looking after someone else's counter stays on that counter.
    after = None if was_mine or not can_supervise(request.user) else counter
    if not request.htmx:
        if notice:
            messages.info(request, notice)
        if after is None:
            return redirect("counter_console")
        return redirect("counter_console_for", after.pk)
    return render_console(request, office, after, notice=notice)


# --- Pages ------------------------------------------------------------------------------------


@never_cache
@login_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    """The person's own counter, or the list of counters to open one."""
    office = console_office(request)
    return render_console(request, office)


@never_cache
@login_required
@require_GET
def console_for(request: HttpRequest, counter_id: int) -> HttpResponse:
    """One counter's console: its supervisor, or the staff member who opened it."""
    office = console_office(request)
    counter = office_counter(office, counter_id)
    require_counter_operator(staff_principal(request), counter)
    return render_console(request, office, counter)


# --- Counter actions ----------------------------------------------------------------------


@login_required
@require_POST
def open_counter(request: HttpRequest) -> HttpResponse:
    office = console_office(request)
    try:
        counter_id = int(request.POST.get("counter", ""))
    except ValueError as exc:
        raise Http404 from exc
    counter = office_counter(office, counter_id)
    user = require_counter_operator(staff_principal(request), counter, opening=True)

    def act() -> str:
        services.open_counter(counter, acting_user=user)
        return str(_("You are now at counter {number}.").format(number=counter.number))

    try:
        notice = act()
    except DomainError as exc:
        return render_console(request, office, None, error=exc.message, status=409)
    if not request.htmx:
        messages.info(request, notice)
        return redirect("counter_console")
    return render_console(request, office, counter, notice=notice)


def _counter_action(
    request: HttpRequest, counter_id: int, run: Callable[[Counter, Any], str | Promise | None]
) -> HttpResponse:
    office = console_office(request)
    counter = office_counter(office, counter_id)
    user = require_counter_operator(staff_principal(request), counter)
    return _respond(request, office, counter, lambda: run(counter, user))


@login_required
@require_POST
def call_next(request: HttpRequest, counter_id: int) -> HttpResponse:
    def run(counter: Counter, user: Any) -> str:
        ticket = services.call_next(counter, acting_user=user)
        if ticket is None:
            return str(_("Nobody is waiting for this counter."))
        return str(_("Called {number}.").format(number=ticket.number))

    return _counter_action(request, counter_id, run)


@login_required
@require_POST
def pause(request: HttpRequest, counter_id: int) -> HttpResponse:
    def run(counter: Counter, user: Any) -> str:
        services.pause_counter(counter, acting_user=user)
        return str(_("The counter is on a break. No one will be called to it."))

    return _counter_action(request, counter_id, run)


@login_required
@require_POST
def resume(request: HttpRequest, counter_id: int) -> HttpResponse:
    def run(counter: Counter, user: Any) -> str:
        services.resume_counter(counter, acting_user=user)
        return str(_("Welcome back. The counter is ready."))

    return _counter_action(request, counter_id, run)


@login_required
@require_POST
def close(request: HttpRequest, counter_id: int) -> HttpResponse:
    def run(counter: Counter, user: Any) -> str:
        services.close_counter(counter, acting_user=user)
        return str(_("Counter {number} is closed.").format(number=counter.number))

    return _counter_action(request, counter_id, run)


# --- Ticket actions -----------------------------------------------------------------------


def _ticket_action(
    request: HttpRequest,
    counter_id: int,
    public_id: str,
    run: Callable[[Ticket, Any], str | Promise | None],
) -> HttpResponse:
    office = console_office(request)
    counter = office_counter(office, counter_id)
    ticket = _ticket_at(counter, public_id)
    user = require_counter_operator(staff_principal(request), counter)
    return _respond(request, office, counter, lambda: run(ticket, user))


@login_required
@require_POST
def recall(request: HttpRequest, counter_id: int, public_id: str) -> HttpResponse:
    def run(ticket: Ticket, user: Any) -> str:
        done = services.recall(ticket, acting_user=user)
        return str(_("Called {number} again.").format(number=done.number))

    return _ticket_action(request, counter_id, public_id, run)


@login_required
@require_POST
def start(request: HttpRequest, counter_id: int, public_id: str) -> HttpResponse:
    def run(ticket: Ticket, user: Any) -> str:
        done = services.start_service(ticket, acting_user=user)
        return str(_("Serving {number}.").format(number=done.number))

    return _ticket_action(request, counter_id, public_id, run)


@login_required
@require_POST
def no_show(request: HttpRequest, counter_id: int, public_id: str) -> HttpResponse:
    def run(ticket: Ticket, user: Any) -> str:
        done = services.mark_no_show(ticket, acting_user=user)
        return str(
            _("{number} did not come. You may reinstate it within {minutes} minutes.").format(
                number=done.number, minutes=services.REINSTATE_MINUTES
            )
        )

    return _ticket_action(request, counter_id, public_id, run)


@login_required
@require_POST
def reinstate(request: HttpRequest, counter_id: int, public_id: str) -> HttpResponse:
    def run(ticket: Ticket, user: Any) -> str:
        done = services.reinstate(ticket, acting_user=user)
        return str(_("{number} is back in the queue, near the front.").format(number=done.number))

    return _ticket_action(request, counter_id, public_id, run)


@login_required
@require_POST
def complete(request: HttpRequest, counter_id: int, public_id: str) -> HttpResponse:
    """Complete the ticket; first ask to confirm when something an app expects is missing
    (no register entry yet; queueing/completion.py). What an office requires is refused
    by the service itself, whoever calls it."""
    outcome = request.POST.get("outcome", "").strip()[:200]
    office = console_office(request)
    counter = office_counter(office, counter_id)
    ticket = _ticket_at(counter, public_id)
    user = require_counter_operator(staff_principal(request), counter)
    if request.POST.get("confirmed") != "1" and ticket.status in ACTIVE_STATUSES:
        missing = missing_before_completion(ticket)
        if missing and not any(m.required for m in missing):
            return render_console(
                request,
                office,
                counter,
                confirm_complete={"missing": missing, "outcome": outcome},
            )

    def run() -> str:
        done = services.complete(ticket, acting_user=user, outcome=outcome)
        return str(_("{number} is done.").format(number=done.number))

    return _respond(request, office, counter, run)


@login_required
@require_POST
def transfer(request: HttpRequest, counter_id: int, public_id: str) -> HttpResponse:
    """Transfer to a service (`to=service:<code>`) or a named counter (`to=counter:<id>`)."""
    office = console_office(request)
    choice = request.POST.get("to", "")
    kind, _sep, value = choice.partition(":")

    def run(ticket: Ticket, user: Any) -> str:
        if kind == "service":
            service = Service.objects.offered_at(office).filter(code=value).first()
            if service is None:
                raise DomainError(
                    "invalid_transfer", _("Choose a service offered here."), status=422
                )
            done = services.transfer(ticket, acting_user=user, to_service=service)
            return str(
                _("{number} was transferred to {service}.").format(
                    number=done.number, service=service.name
                )
            )
        if kind == "counter" and value.isdigit():
            target = Counter.objects.active().filter(office=office, pk=int(value)).first()
            if target is None:
                raise DomainError(
                    "invalid_transfer", _("Choose a counter of this office."), status=422
                )
            done = services.transfer(ticket, acting_user=user, to_counter=target)
            return str(
                _("{number} was transferred to counter {counter}.").format(
                    number=done.number, counter=target.number
                )
            )
        raise DomainError("invalid_transfer", _("Choose a service or a counter."), status=422)

    return _ticket_action(request, counter_id, public_id, run)
