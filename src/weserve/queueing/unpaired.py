"""The page an unpaired kiosk or display browser shows (issue 14, item 6)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from weserve.organisation.models import Office

# The screens a browser is paired as, as the unpaired page names them (both languages).
UNPAIRED_SCREENS = ("kiosk", "display")


def unpaired_screen(request: HttpRequest, office_code: str, screen: str) -> HttpResponse:
    """What an unpaired kiosk or display browser shows instead of the staff sign-in: what
    this screen is and how to pair it, in Malay and English at once (nobody has chosen a
    language yet). Staff may still sign in from it to preview the screen."""
    if screen not in UNPAIRED_SCREENS:
        raise ValueError(screen)
    office = Office.objects.filter(code=office_code, is_active=True).first()
    if office is None:
        raise Http404
    login = reverse("login") + "?" + urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
    return render(
        request,
        "queueing/unpaired.html",
        {
            "office": office,
            "screen": screen,
            "pair_url": request.build_absolute_uri(reverse("pair")),
            "pair_path": reverse("pair"),
            "login_url": login,
        },
    )
