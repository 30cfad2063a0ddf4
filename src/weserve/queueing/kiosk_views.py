"""The ticket kiosk: choose a service, say whether priority service is needed, take a slip.

Touch-first and full-screen. A paired kiosk device of the office runs it without a
sign-in; a Penyelia or Pentadbir of the office may open it with their own session to
preview or demonstrate it. The language is chosen per customer with one touch, travels
in the URL (never a cookie, so the next customer starts in Malay again) and becomes the
ticket's language: the slip, the mobile page and the voice call use it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from weserve.core import clock
from weserve.core.errors import DomainError
from weserve.core.roles import Role
from weserve.core.scoping import require_office_role
from weserve.core.tokens import resolve_device
from weserve.organisation.models import Device, Office, Service
from weserve.queueing import services
from weserve.queueing.estimate import estimate_wait_minutes, position_and_estimate
from weserve.queueing.models import PRIORITIES, Priority, Ticket
from weserve.queueing.panels import slip_hints
from weserve.queueing.qr import qr_svg, ticket_url
from weserve.queueing.selectors import waiting_by_service

KIOSK_LANGUAGES = ("ms", "en")
# The slip stays on screen this long, then the kiosk is ready for the next customer.
RESET_SECONDS = 20
# A customer who walks away mid-way: back to the start screen after this long.
IDLE_SECONDS = 60
# How far ahead the closed screen looks for the next opening (long holidays included).
LOOKAHEAD_DAYS = 21

# Short markers for the slip and the priority step; the full labels are on Priority.
PRIORITY_SHORT = {
    Priority.OKU: _("OKU"),
    Priority.ELDERLY: _("Senior citizen (60+)"),
    Priority.PREGNANT: _("Pregnant"),
}


@dataclass(frozen=True)
class Caller:
    """Who runs the kiosk now: its paired device, or a supervisor previewing it."""

    office: Office
    device: Device | None = None
    user: Any = None


@dataclass(frozen=True)
class Period:
    """One opening period of a day, as shown on the closed screen."""

    day: dt.date
    opens: dt.time
    closes: dt.time

    @property
    def closes_label(self) -> str:
        # 00:00 as a closing time means the end of the day.
        return "24:00" if self.closes == dt.time(0, 0) else self.closes.strftime("%H:%M")

    @property
    def opens_label(self) -> str:
        return self.opens.strftime("%H:%M")


def kiosk_caller(request: HttpRequest, office_code: str) -> Caller | None:
    """The kiosk's office and who runs it; None for an anonymous browser (sign in first).

    A paired kiosk of the office, or a Penyelia/Pentadbir of it. Another office's kiosk
    and an unknown office are 404; a display or other device, or any other role, is 403.
    """
    device = resolve_device(request.COOKIES.get(settings.DEVICE_COOKIE_NAME, ""))
    office = (
        Office.objects.prefetch_related("opening_hours", "holidays")
        .filter(code=office_code)
        .first()
    )
    if (
        office is not None
        and device is not None
        and device.office_id == office.pk
        and device.kind == Device.Kind.KIOSK
    ):
        return Caller(office=office, device=device)
    user = request.user
    if user.is_authenticated:
        if office is None:
            raise Http404
        require_office_role(user, office, Role.SUPERVISOR, Role.ADMIN)
        return Caller(office=office, user=user)
    if device is not None:
        if office is None or device.office_id != office.pk:
            raise Http404
        raise PermissionDenied
    return None


def kiosk_language(value: str | None) -> str:
    return value if value in KIOSK_LANGUAGES else settings.LANGUAGE_CODE


def _query(language: str, auto_print: bool) -> str:
    params = {}
    if language != settings.LANGUAGE_CODE:
        params["lang"] = language
    if not auto_print:
        params["print"] = "0"
    return "?" + urlencode(params) if params else ""


def periods_on(office: Office, day: dt.date) -> list[Period]:
    """The office's opening periods on a day: none on its closed days and holidays."""
    if not office.is_working_day(day):
        return []
    return [
        Period(day, h.opens, h.closes)
        for h in sorted(office.opening_hours.all(), key=lambda h: h.opens)
        if h.weekday == day.weekday()
    ]


def next_opening(office: Office, at: dt.datetime) -> Period | None:
    """The next period the office opens in, after `at`; None if none in the next weeks."""
    local = clock.to_local(at)
    for offset in range(LOOKAHEAD_DAYS):
        day = local.date() + dt.timedelta(days=offset)
        for period in periods_on(office, day):
            if offset or period.opens > local.time():
                return period
    return None


def closed_reason(office: Office, day: dt.date) -> str:
    """The holiday's name when the office is closed today for one, else ""."""
    override = next((h for h in office.holiday_overrides() if h.date == day), None)
    if override is not None:
        return "" if override.is_open else override.name
    return office.public_holiday_name(day) or ""


def is_open_now(office: Office) -> bool:
    return office.is_active and office.is_open(clock.now())


def offered_services(office: Office) -> list[Service]:
    """Services the office offers that at least one of its active counters serves."""
    return list(
        Service.objects.offered_at(office)
        .filter(counters__office=office, counters__is_active=True)
        .distinct()
        .order_by("prefix")
    )


class KioskPage:
    """Renders one kiosk screen: the full page on a load, the screen alone for htmx."""

    def __init__(self, request: HttpRequest, caller: Caller, language: str) -> None:
        self.request = request
        self.caller = caller
        self.office = caller.office
        self.language = language
        self.auto_print = request.GET.get("print") != "0"

    def url(self, name: str, *args: str, language: str | None = None) -> str:
        lang = self.language if language is None else language
        return reverse(name, args=[self.office.code, *args]) + _query(lang, self.auto_print)

    def render(self, screen: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
        other = "en" if self.language == "ms" else "ms"
        toggle_args = context.pop("toggle_args", ())
        base = {
            "office": self.office,
            "screen_template": f"queueing/kiosk_{screen}.html",
            "language": self.language,
            "other_language": other,
            "toggle_url": self.url(
                context.pop("toggle_view", "kiosk"), *toggle_args, language=other
            ),
            "start_url": self.url("kiosk", language=settings.LANGUAGE_CODE),
            "home_url": self.url("kiosk"),
            "auto_print": self.auto_print,
            "reset_seconds": RESET_SECONDS,
            "idle_seconds": IDLE_SECONDS,
            "is_preview": self.caller.device is None,
            "show_toggle": screen in ("services", "priority"),
        }
        base.update(context)
        template = base["screen_template"] if self.request.htmx else "queueing/kiosk.html"
        with translation.override(self.language):
            return render(self.request, template, base, status=status)

    def closed(self, *, message: str = "", status: int = 200) -> HttpResponse:
        now = clock.now()
        today = clock.business_day(now)
        return self.render(
            "closed",
            {
                "today": today,
                "today_periods": periods_on(self.office, today),
                "holiday": closed_reason(self.office, today),
                "next_opening": next_opening(self.office, now),
                "message": message,
            },
            status=status,
        )

    def message(self, message: str, *, status: int) -> HttpResponse:
        return self.render("message", {"message": message}, status=status)


def _page(request: HttpRequest, office_code: str, language: str) -> KioskPage | HttpResponse:
    caller = kiosk_caller(request, office_code)
    if caller is None:
        return redirect_to_login(request.get_full_path())
    return KioskPage(request, caller, language)


@never_cache
@require_GET
def kiosk(request: HttpRequest, office_code: str) -> HttpResponse:
    """Step 1: the services open now, as big buttons; or "closed", in both languages."""
    page = _page(request, office_code, kiosk_language(request.GET.get("lang")))
    if isinstance(page, HttpResponse):
        return page
    office = page.office
    if not is_open_now(office):
        return page.closed()
    waiting = waiting_by_service(office)
    rows = []
    with translation.override(page.language):
        for service in offered_services(office):
            count = waiting.get(service.code, {}).get("count", 0)
            rows.append(
                {
                    "service": service,
                    "name": service.name,
                    "waiting": count,
                    # A new customer has everyone already waiting for it ahead of them.
                    "estimate": estimate_wait_minutes(office, service, count),
                    "url": page.url("kiosk_priority", service.code),
                }
            )
    return page.render("services", {"services": rows})


@never_cache
@require_GET
def kiosk_priority(request: HttpRequest, office_code: str, service_code: str) -> HttpResponse:
    """Step 2: "Do you need priority service?", one form with a one-time request key."""
    page = _page(request, office_code, kiosk_language(request.GET.get("lang")))
    if isinstance(page, HttpResponse):
        return page
    if not is_open_now(page.office):
        return page.closed()
    service = next((s for s in offered_services(page.office) if s.code == service_code), None)
    if service is None:
        raise Http404
    options = [
        {"value": Priority.NONE, "label": _("No"), "hint": _("Normal queue"), "icon": "none"},
        {
            "value": Priority.OKU,
            "label": PRIORITY_SHORT[Priority.OKU],
            "hint": _("Person with disabilities"),
            "icon": "oku",
        },
        {
            "value": Priority.ELDERLY,
            "label": PRIORITY_SHORT[Priority.ELDERLY],
            "hint": _("Aged 60 and over"),
            "icon": "elderly",
        },
        {
            "value": Priority.PREGNANT,
            "label": PRIORITY_SHORT[Priority.PREGNANT],
            "hint": _("Expecting a baby"),
            "icon": "pregnant",
        },
    ]
    return page.render(
        "priority",
        {
            "service": service,
            "options": options,
            # One key per rendered form: a double tap or a retry replays the first answer
            # (IdempotencyMiddleware), so one visit to this screen issues one ticket.
            "request_key": secrets.token_urlsafe(18),
            "issue_url": page.url("kiosk_issue"),
            "toggle_view": "kiosk_priority",
            "toggle_args": (service.code,),
        },
    )


def slip_context(
    ticket: Ticket, waiting: dict[tuple[int, bool], int] | None = None
) -> dict[str, Any]:
    """What a slip shows; call inside the ticket's language. `waiting` is what the issue
    read (services.IssuedTicket.waiting) when the slip is the answer to it."""
    ahead, estimate = position_and_estimate(ticket, waiting)
    url = ticket_url(ticket)
    return {
        "ticket": ticket,
        "service_name": ticket.service.name,
        "office_name": ticket.office.name,
        "priority_label": PRIORITY_SHORT.get(ticket.priority, ""),
        "ahead": ahead,
        "estimate": estimate,
        "ticket_url": url,
        "qr": qr_svg(url, label=str(_("QR code of your ticket's page: {url}").format(url=url))),
        "slip_hints": slip_hints(),
    }


@never_cache
@require_POST
def kiosk_issue(request: HttpRequest, office_code: str) -> HttpResponse:
    """Step 3: issue the ticket and show its slip, which the kiosk then prints."""
    language = kiosk_language(request.POST.get("language"))
    page = _page(request, office_code, language)
    if isinstance(page, HttpResponse):
        return page
    service = Service.objects.filter(code=request.POST.get("service", "")).first()
    priority = request.POST.get("priority", "")
    with translation.override(language):
        if service is None or priority not in PRIORITIES:
            return page.message(
                str(_("Please choose your service again.")),
                status=422,
            )
        options = {"priority": priority, "language": language}
        try:
            if page.caller.device is not None:
                issued = services.issue_ticket_at_kiosk(
                    page.caller.device, page.office, service, **options
                )
            else:
                issued = services.issue_ticket_by_staff(
                    page.caller.user, page.office, service, **options
                )
        except DomainError as exc:
            if exc.code == "office_closed":
                return page.closed(message=str(exc.message), status=exc.status)
            return page.message(str(exc.message), status=exc.status)
        context = slip_context(issued.ticket, issued.waiting)
    return page.render("issued", context, status=201)
