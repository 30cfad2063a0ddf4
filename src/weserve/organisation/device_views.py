"""Device pages: the administrator's list, create, pairing-code and revoke pages, and
/pair/, where a kiosk, display or rating browser types its pairing code.

Tokens and pairing codes are shown once, on the response to the POST that made them,
never stored in the clear and never put in a URL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from weserve.core.errors import DomainError
from weserve.core.navigation import NavItem, register
from weserve.core.net import client_ip
from weserve.core.roles import Role
from weserve.core.scoping import get_for_user, require_office_role
from weserve.organisation.devices import (
    BROWSER_KINDS,
    NAME_MAX_LENGTH,
    create_device,
    create_pairing_code,
    redeem_pairing_code,
    resolve_device_token,
    revoke_device,
)
from weserve.organisation.models import Counter, Device, Office

# Browsers cap a cookie's lifetime at 400 days; a paired screen lasts that long unpaired.
DEVICE_COOKIE_MAX_AGE = int(dt.timedelta(days=400).total_seconds())

register(NavItem(label=_("Devices"), url_name="device_list", roles=(Role.ADMIN,), order=850))


def device_home_url(device: Device) -> str:
    """Where a freshly paired browser goes; the kiosk, display and rating pages take over."""
    if device.kind == Device.Kind.KIOSK:
        return reverse("kiosk", args=[device.office.code])
    if device.kind == Device.Kind.DISPLAY:
        return reverse("display_board", args=[device.office.code])
    if device.kind == Device.Kind.RATING and device.counter is not None:
        return reverse("feedback_tablet", args=[device.office.code, device.counter.number])
    return reverse("device_paired")


def set_device_cookie(response: HttpResponse, raw_token: str) -> None:
    """Give a browser its device token: httpOnly, never readable by page scripts."""
    response.set_cookie(
        settings.DEVICE_COOKIE_NAME,
        raw_token,
        max_age=DEVICE_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.HTTPS,
    )


def device_from_cookie(request: HttpRequest) -> Device | None:
    """The live device this browser is paired as, or None."""
    return resolve_device_token(request.COOKIES.get(settings.DEVICE_COOKIE_NAME, ""))


def _admin_office(request: HttpRequest) -> Office:
    """The office being worked in, if the person administers it; 403 otherwise."""
    office = getattr(request, "office", None)
    if office is None:
        raise PermissionDenied
    require_office_role(request.user, office, Role.ADMIN)
    return office


def _device_of(request: HttpRequest, office: Office, pk: int) -> Device:
    """A device of the current office; 404 for any other office's device."""
    devices = Device.objects.select_related("office", "counter").filter(office=office)
    return get_for_user(devices, request.user, pk=pk)


class CounterChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.label} — {obj.name}" if obj.name else obj.label


class DeviceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Device.Kind.choices)
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        required=False,
        help_text=_("Where it stands, e.g. “Kiosk at the entrance”. Optional."),
    )
    counter = CounterChoiceField(
        label=_("Counter"),
        queryset=Counter.objects.none(),
        required=False,
        help_text=_("Rating tablets only: the counter the tablet stands at."),
    )

    def __init__(self, *args: Any, office: Office, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["counter"].queryset = Counter.objects.active().filter(office=office)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, counter = data.get("kind"), data.get("counter")
        if kind == Device.Kind.RATING and counter is None:
            self.add_error("counter", _("A rating tablet must be bound to a counter."))
        elif kind and kind != Device.Kind.RATING and counter is not None:
            self.add_error("counter", _("Only rating tablets are bound to a counter."))
        return data


class PairForm(forms.Form):
    code = forms.CharField(
        label=_("Pairing code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


@login_required
def device_list(request: HttpRequest) -> HttpResponse:
    """Every device of the current office, revoked ones included."""
    office = _admin_office(request)
    devices = (
        Device.objects.filter(office=office).select_related("counter").order_by("kind", "name")
    )
    return render(
        request,
        "organisation/devices/list.html",
        {"office": office, "devices": devices, "browser_kinds": BROWSER_KINDS},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def device_create(request: HttpRequest) -> HttpResponse:
    """Add a device; the response to the POST shows its token, once."""
    office = _admin_office(request)
    form = DeviceForm(request.POST if request.method == "POST" else None, office=office)
    if request.method == "POST" and form.is_valid():
        try:
            device, token = create_device(
                office,
                form.cleaned_data["kind"],
                form.cleaned_data["name"],
                counter=form.cleaned_data["counter"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            return render(
                request,
                "organisation/devices/created.html",
                {
                    "office": office,
                    "device": device,
                    "token": token,
                    "can_pair": device.kind in BROWSER_KINDS,
                },
            )
    status = 422 if form.is_bound else 200
    return render(
        request, "organisation/devices/form.html", {"office": office, "form": form}, status=status
    )


@never_cache
@login_required
@require_POST
def device_pairing_code(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a one-time pairing code for a device; shown once, valid for a few minutes."""
    office = _admin_office(request)
    device = _device_of(request, office, pk)
    try:
        code = create_pairing_code(device, acting_user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("device_list")
    return render(
        request,
        "organisation/devices/pairing_code.html",
        {
            "office": office,
            "device": device,
            # Shown in two halves: easier to read out across a room and to type.
            "code": f"{code[:4]}-{code[4:]}",
            "ttl_minutes": settings.PAIRING_CODE_TTL_MINUTES,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def device_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then revoke a device: its token and its browser's cookie stop working."""
    office = _admin_office(request)
    device = _device_of(request, office, pk)
    if request.method == "POST":
        if revoke_device(device, acting_user=request.user):
            messages.success(request, gettext("{name} is revoked.").format(name=device.name))
        return redirect("device_list")
    return render(request, "organisation/devices/revoke.html", {"office": office, "device": device})


@never_cache
@require_http_methods(["GET", "POST"])
def pair(request: HttpRequest) -> HttpResponse:
    """A kiosk, display or rating browser types its pairing code here; no sign-in."""
    form = PairForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                device, token = redeem_pairing_code(
                    form.cleaned_data["code"], ip=client_ip(request)
                )
            except DomainError as exc:
                status = exc.status
                form.add_error("code", str(exc.message))
            else:
                response = HttpResponseRedirect(device_home_url(device))
                set_device_cookie(response, token)
                return response
    return render(
        request,
        "organisation/pair.html",
        {"form": form, "current_device": device_from_cookie(request)},
        status=status,
    )


@never_cache
def paired(request: HttpRequest) -> HttpResponse:
    """Which device and office this browser is paired as, if any."""
    return render(
        request, "organisation/devices/paired.html", {"device": device_from_cookie(request)}
    )
