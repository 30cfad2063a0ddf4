"""Per-request context: the office a person is working in (`request.office`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from weserve.core.contracts import office_model
from weserve.core.scoping import (
    home_office_id,
    home_office_ids,
    visible_office_ids,
    visible_offices,
)

SESSION_OFFICE_KEY = "weserve_office_id"


def current_office(request: HttpRequest) -> Any:
    """The office chosen in the switcher, else the person's home office, else None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    chosen = request.session.get(SESSION_OFFICE_KEY)
    visible = visible_office_ids(user)
    if chosen in visible:
        return visible_offices(user).filter(pk=chosen).first()
    home = home_office_id(user)
    if home is not None and home in visible:
        return office_model()._default_manager.filter(pk=home).first()
    own = home_office_ids(user) & visible
    pool = own or visible
    return visible_offices(user).filter(pk__in=pool).order_by("code").first()


class OfficeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Pages need it on every render; API and static paths scope per endpoint instead.
        office = None
        if not request.path.startswith(("/api/", "/static/", "/healthz")):
            office = current_office(request)
        request.office = office  # type: ignore[attr-defined]
        return self.get_response(request)


class MalayFirstMiddleware:
    """Malay until the person chooses English: the browser's own language is not asked.

    Counter PCs and kiosk browsers are often set up in English; WeServe's default
    language is Malay, and the switch (kept in a cookie) is the only way to change it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer to a caller with credentials (a signed-in
    person, a device's cookie, a bearer token): such answers hold an office's data or a
    person's, which no browser cache or proxy may keep (a shared counter PC's Back
    button, a proxy's disk). Static files are answered before this (WhiteNoise)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _has_credentials(request):
            patch_cache_control(response, no_store=True)
        return response


def _has_credentials(request: HttpRequest) -> bool:
    if "Authorization" in request.headers or settings.DEVICE_COOKIE_NAME in request.COOKIES:
        return True
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated
