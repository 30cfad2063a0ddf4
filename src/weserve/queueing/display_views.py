"""The office TV's display board, and the supervisor's page for its charter and notices.

/display/<code>/ runs on a paired display device of the office (its cookie) without a
sign-in; Penyelia, Pentadbir and counter staff of the office may open it with their own
session to preview it. Another office (or an unknown one) is 404, any other role or
device kind 403; an anonymous browser is sent to sign in. The page starts from the same
snapshot as GET /api/v1/offices/<code>/display and then follows the office's live stream
(static/weserve/js/display.js). The language travels in the URL (?lang=en), as on the
kiosk: a TV has no one to remember a choice for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weserve.core import clock
from weserve.core.errors import DomainError
from weserve.core.forms import within_calendar
from weserve.core.navigation import NavItem, register
from weserve.core.roles import Role
from weserve.core.scoping import require_office_role
from weserve.core.tokens import resolve_device
from weserve.organisation.models import Device, Office, Service
from weserve.queueing import notices, voice
from weserve.queueing.models import Announcement, Priority
from weserve.queueing.selectors import current_call, display_snapshot
from weserve.queueing.unpaired import unpaired_screen

DISPLAY_LANGUAGES = ("ms", "en")
# Staff who may open the board with their own sign-in, to preview it.
PREVIEW_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.COUNTER_STAFF)
NOTICE_ROLES = (Role.SUPERVISOR,)

register(
    NavItem(label=_("Display board"), url_name="display_notices_home", roles=NOTICE_ROLES, order=12)
)


# --- Access --------------------------------------------------------------------------------


def display_office(request: HttpRequest, office_code: str) -> Office | None:
    """The office whose board this browser may show; None for an anonymous browser.

    A paired display of the office, or Penyelia/Pentadbir/counter staff of it. An unknown
    office or another office's device is 404; a kiosk or rating device, or another role
    of the office, is 403.
    """
    office = Office.objects.filter(code=office_code, is_active=True).first()
    device = resolve_device(request.COOKIES.get(settings.DEVICE_COOKIE_NAME, ""))
    if (
        office is not None
        and device is not None
        and device.office_id == office.pk
        and device.kind == Device.Kind.DISPLAY
    ):
        return office
    user = request.user
    if user.is_authenticated:
        if office is None:
            raise Http404
        require_office_role(user, office, *PREVIEW_ROLES)
        return office
    if device is not None:
        if office is None or device.office_id != office.pk:
            raise Http404
        raise PermissionDenied
    if office is None:
        raise Http404
    return None


def display_language(value: str | None) -> str:
    return value if value in DISPLAY_LANGUAGES else settings.LANGUAGE_CODE


# --- What the board shows ----------------------------------------------------------------


def _both(message: Any, **values: Any) -> dict[str, str]:
    """A translatable message in Malay and in English, for the bilingual ticker."""
    out = {}
    for language in DISPLAY_LANGUAGES:
        with translation.override(language):
            out[language] = str(message).format(**values)
    return out


def ticker_items(office: Office, *, at: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The ticker's items in order: the charter, its waiting-time target, announcements.

    Each has both languages and, for announcements, the times it shows between; the page
    shows an item while `from <= now < until`.
    """
    data = notices.ticker_data(office, at=at)
    items: list[dict[str, Any]] = []
    charter = data["charter"]
    if charter:
        label = _both(_("Client charter"))
        items.append(
            {
                "kind": "charter",
                "label_ms": label["ms"],
                "label_en": label["en"],
                "text_ms": charter["text_ms"],
                "text_en": charter["text_en"],
                "from": None,
                "until": None,
            }
        )
        if charter["wait_minutes"]:
            target = _both(
                _("Our target: you are called within {minutes} minutes."),
                minutes=charter["wait_minutes"],
            )
            label = _both(_("Waiting time"))
            items.append(
                {
                    "kind": "target",
                    "label_ms": label["ms"],
                    "label_en": label["en"],
                    "text_ms": target["ms"],
                    "text_en": target["en"],
                    "from": None,
                    "until": None,
                }
            )
    label = _both(_("Announcement"))
    announcements = data["announcements"]
    for a in announcements:
        items.append(
            {
                "kind": "announcement",
                "label_ms": label["ms"],
                "label_en": label["en"],
                "text_ms": a["text_ms"],
                "text_en": a["text_en"],
                "from": a["active_from"],
                "until": a["active_until"],
            }
        )
    if not charter and not announcements:
        # An office that has written nothing yet still gets a line, not an empty band.
        welcome = {}
        for language in DISPLAY_LANGUAGES:
            with translation.override(language):
                welcome[language] = str(
                    _("Welcome to {office}. Please take a number at the kiosk.")
                ).format(office=office.name)
        label = _both(_("Welcome"))
        items.append(
            {
                "kind": "welcome",
                "label_ms": label["ms"],
                "label_en": label["en"],
                "text_ms": welcome["ms"],
                "text_en": welcome["en"],
                "from": None,
                "until": None,
            }
        )
    return items


def _is_showing(item: dict[str, Any], at: dt.datetime) -> bool:
    return (item["from"] is None or item["from"] <= at) and (
        item["until"] is None or item["until"] > at
    )


def _board_services(office: Office) -> list[Service]:
    return list(Service.objects.offered_at(office).order_by("prefix"))


STATE_LABELS = {
    "closed": _("Closed"),
    "idle": _("Open"),
    "calling": _("Calling"),
    "serving": _("Serving"),
    "paused": _("On break"),
}
PRIORITY_LABELS = {
    Priority.OKU: pgettext_lazy("display priority", "OKU"),
    Priority.ELDERLY: pgettext_lazy("display priority", "Senior citizen"),
    Priority.PREGNANT: pgettext_lazy("display priority", "Pregnant"),
}


def board_context(office: Office, language: str) -> dict[str, Any]:
    """Everything the board renders and hands to display.js, in one language."""
    snapshot = display_snapshot(office)
    now = clock.now()
    with translation.override(language):
        services = [
            {"code": s.code, "prefix": s.prefix, "name": s.name} for s in _board_services(office)
        ]
        waiting = snapshot["waiting"]
        calls = snapshot["calls"]
        # A row shows the ticket its counter serves now, never an earlier one (issue 14).
        counters = [
            {
                **c,
                "label": gettext("Counter {number}").format(number=c["number"]),
                "state_label": str(STATE_LABELS.get(c["state"], "")),
            }
            for c in snapshot["counters"]
        ]
        current = current_call(snapshot["counters"])
        items = ticker_items(office, at=now)
        other = "en" if language == "ms" else "ms"
        page_data = {
            "office": office.code,
            "language": language,
            "snapshot_url": f"/api/v1/offices/{office.code}/display",
            "socket_path": f"/ws/offices/{office.code}/display/",
            "notices_url": reverse("display_notices_json", args=[office.code]),
            "server_time": int(now.timestamp() * 1000),
            "snapshot": snapshot,
            "services": services,
            "ticker": items,
            "voice": {**voice.voice_table(), "urls": voice.clip_urls()},
            "strings": {
                "counter": gettext("Counter {number}"),
                "states": {k: str(v) for k, v in STATE_LABELS.items()},
                "priorities": {k: str(v) for k, v in PRIORITY_LABELS.items()},
            },
        }
        counter_text = gettext("Counter {number}")
        hero = (
            {
                "number": current["ticket"],
                "priority": current["priority"],
                "counter_id": current["id"],
                "counter_label": counter_text.format(number=current["number"]),
            }
            if current
            else None
        )
        earlier = [
            {
                **call,
                "counter_label": counter_text.format(number=call["counter"]["number"])
                if call["counter"]
                else "",
            }
            for call in calls
            if not hero or call["number"] != hero["number"]
        ][:4]
        return {
            "office": office,
            "office_name": office.name,
            "language": language,
            "other_language": other,
            "toggle_url": reverse("display_board", args=[office.code])
            + ("" if other == settings.LANGUAGE_CODE else f"?lang={other}"),
            "hero": hero,
            "previous_calls": earlier,
            "counters": counters,
            "services": [{**s, "waiting": waiting.get(s["code"], 0)} for s in services],
            "ticker": [i for i in items if _is_showing(i, now)],
            "page_data": page_data,
            "priority_labels": PRIORITY_LABELS,
        }


@never_cache
@require_GET
def display_board(request: HttpRequest, office_code: str) -> HttpResponse:
    """The full-screen board for the office TV."""
    office = display_office(request, office_code)
    if office is None:
        # An unpaired browser: what this screen is and how to pair it, not the sign-in.
        return unpaired_screen(request, office_code, "display")
    language = display_language(request.GET.get("lang"))
    context = board_context(office, language)
    context["is_preview"] = request.user.is_authenticated and not _is_display_device(
        request, office
    )
    with translation.override(language):
        return render(request, "queueing/display.html", context)


def _is_display_device(request: HttpRequest, office: Office) -> bool:
    device = resolve_device(request.COOKIES.get(settings.DEVICE_COOKIE_NAME, ""))
    return (
        device is not None and device.kind == Device.Kind.DISPLAY and device.office_id == office.pk
    )


@never_cache
@require_GET
def display_notices_json(request: HttpRequest, office_code: str) -> HttpResponse:
    """The ticker's items, refetched by the board when it hears `notices_changed`."""
    office = display_office(request, office_code)
    if office is None:
        return JsonResponse(
            {"detail": gettext("Sign in first."), "code": "unauthenticated"}, status=401
        )
    return JsonResponse({"items": ticker_items(office)})


@login_required
def display_home(request: HttpRequest) -> HttpResponse:
    """The board of the office one is working in (a menu entry needs a URL without a code)."""
    office = getattr(request, "office", None)
    if office is None:
        raise Http404
    require_office_role(request.user, office, *PREVIEW_ROLES)
    return redirect("display_board", office_code=office.code)


@login_required
def notices_home(request: HttpRequest) -> HttpResponse:
    office = getattr(request, "office", None)
    if office is None:
        raise Http404
    require_office_role(request.user, office, *NOTICE_ROLES)
    return redirect("display_notices", office_code=office.code)


# --- Charter and announcements (Penyelia) -------------------------------------------------


class CharterForm(forms.Form):
    text_ms = forms.CharField(
        label=_("Client charter in Malay"),
        max_length=notices.CHARTER_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the client charter in Malay.")},
    )
    text_en = forms.CharField(
        label=_("Client charter in English"),
        max_length=notices.CHARTER_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the client charter in English.")},
    )
    show_wait_target = forms.BooleanField(
        label=_("Show the waiting-time target on the board"), required=False
    )


_DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class AnnouncementForm(forms.Form):
    text_ms = forms.CharField(
        label=_("Text in Malay"),
        max_length=notices.ANNOUNCEMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write the announcement in Malay.")},
    )
    text_en = forms.CharField(
        label=_("Text in English"),
        max_length=notices.ANNOUNCEMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional. Without it the board shows the Malay text only."),
    )
    active_from = forms.DateTimeField(
        label=_("Shown from"),
        required=False,
        widget=_DATETIME_WIDGET,
        input_formats=_DATETIME_FORMATS,
        help_text=_("Empty: from now."),
        validators=[within_calendar],
        error_messages={"invalid": _("Enter a date and time, e.g. 2026-12-01 08:00.")},
    )
    active_until = forms.DateTimeField(
        label=_("Shown until"),
        required=False,
        widget=_DATETIME_WIDGET,
        input_formats=_DATETIME_FORMATS,
        help_text=_("Empty: until you remove it."),
        validators=[within_calendar],
        error_messages={"invalid": _("Enter a date and time, e.g. 2026-12-01 17:00.")},
    )
    order = forms.IntegerField(
        label=_("Order"),
        initial=0,
        min_value=-99,
        max_value=99,
        help_text=_("Smaller numbers come first."),
        error_messages={
            "invalid": _("Enter a whole number."),
            "min_value": _("Enter a number from -99 to 99."),
            "max_value": _("Enter a number from -99 to 99."),
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("active_from"), data.get("active_until")
        if start and end and end <= start:
            self.add_error("active_until", _("The end must come after the start."))
        return data

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "text_ms": data["text_ms"],
            "text_en": data.get("text_en", ""),
            "active_from": data.get("active_from"),
            "active_until": data.get("active_until"),
            "order": data.get("order") or 0,
        }


def _notices_office(request: HttpRequest, office_code: str) -> Office:
    office = Office.objects.filter(code=office_code).first()
    if office is None:
        raise Http404
    require_office_role(request.user, office, *NOTICE_ROLES)
    return office


def _announcement(office: Office, pk: int) -> Announcement:
    announcement = (
        Announcement.objects.select_related("office").filter(office=office, pk=pk).first()
    )
    if announcement is None:
        raise Http404
    return announcement


def _notices_page(
    request: HttpRequest,
    office: Office,
    *,
    charter_form: CharterForm | None = None,
    announcement_form: AnnouncementForm | None = None,
    status: int = 200,
) -> HttpResponse:
    charter = notices.charter_for(office)
    if charter_form is None:
        initial = (
            {
                "text_ms": charter.text_ms,
                "text_en": charter.text_en,
                "show_wait_target": charter.show_wait_target,
            }
            if charter
            else {"show_wait_target": True}
        )
        charter_form = CharterForm(initial=initial)
    now = clock.now()
    announcements = list(
        Announcement.objects.for_office(office)
        .select_related("updated_by")
        .order_by("order", "active_from", "id")
    )
    rows = []
    for a in announcements:
        if a.is_active(now):
            status_label, css = _("Showing now"), "badge-success"
        elif a.active_until is not None and a.active_until <= now:
            status_label, css = _("Ended"), "badge-gray"
        else:
            status_label, css = _("Scheduled"), "badge-warning"
        rows.append({"announcement": a, "status": status_label, "badge": css})
    return render(
        request,
        "queueing/display_notices.html",
        {
            "office": office,
            "charter": charter,
            "charter_form": charter_form,
            "announcement_form": announcement_form or AnnouncementForm(),
            "rows": rows,
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def display_notices(request: HttpRequest, office_code: str) -> HttpResponse:
    """The charter form, the announcements and a form for a new one; POST saves the charter."""
    office = _notices_office(request, office_code)
    if request.method == "GET":
        return _notices_page(request, office)
    form = CharterForm(request.POST)
    if form.is_valid():
        try:
            notices.save_charter(
                office,
                text_ms=form.cleaned_data["text_ms"],
                text_en=form.cleaned_data["text_en"],
                show_wait_target=form.cleaned_data["show_wait_target"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, gettext("The client charter is saved."))
            return redirect("display_notices", office_code=office.code)
    return _notices_page(request, office, charter_form=form, status=422)


@login_required
@require_POST
def announcement_create(request: HttpRequest, office_code: str) -> HttpResponse:
    office = _notices_office(request, office_code)
    form = AnnouncementForm(request.POST)
    if form.is_valid():
        try:
            notices.create_announcement(office, acting_user=request.user, **form.values())
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, gettext("The announcement is added."))
            return redirect("display_notices", office_code=office.code)
    return _notices_page(request, office, announcement_form=form, status=422)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def announcement_edit(request: HttpRequest, office_code: str, pk: int) -> HttpResponse:
    office = _notices_office(request, office_code)
    announcement = _announcement(office, pk)
    if request.method == "POST":
        form = AnnouncementForm(request.POST)
        if form.is_valid():
            try:
                notices.update_announcement(announcement, acting_user=request.user, **form.values())
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, gettext("The announcement is saved."))
                return redirect("display_notices", office_code=office.code)
        status = 422
    else:
        form = AnnouncementForm(
            initial={
                "text_ms": announcement.text_ms,
                "text_en": announcement.text_en,
                "active_from": clock.to_local(announcement.active_from)
                if announcement.active_from
                else None,
                "active_until": clock.to_local(announcement.active_until)
                if announcement.active_until
                else None,
                "order": announcement.order,
            }
        )
        status = 200
    return render(
        request,
        "queueing/display_announcement_form.html",
        {"office": office, "announcement": announcement, "form": form},
        status=status,
    )


@login_required
@require_POST
def announcement_delete(request: HttpRequest, office_code: str, pk: int) -> HttpResponse:
    office = _notices_office(request, office_code)
    announcement = _announcement(office, pk)
    notices.delete_announcement(announcement, acting_user=request.user)
    messages.success(request, gettext("The announcement is removed."))
    return redirect("display_notices", office_code=office.code)
