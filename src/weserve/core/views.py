"""Core pages: health, the office switcher, the audit log."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import psycopg
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import load_backend
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from weserve.core.middleware import SESSION_OFFICE_KEY
from weserve.core.scoping import visible_office_ids

# How long /healthz waits for PostgreSQL to accept a connection. A load balancer wants its
# answer at once; through the connection pool it would wait out the pool's 10 s timeout.
DATABASE_CHECK_TIMEOUT_SECONDS = 2


def database_check_params(settings_dict: dict[str, Any]) -> dict[str, Any]:
    """What the PostgreSQL check connects with: the connection parameters of the database
    `settings_dict` (an entry of DATABASES) describes, with a short connect_timeout."""
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "healthz")
    params: dict[str, Any] = wrapper.get_connection_params()
    own = int(params.get("connect_timeout") or DATABASE_CHECK_TIMEOUT_SECONDS)
    params["connect_timeout"] = min(own, DATABASE_CHECK_TIMEOUT_SECONDS)
    return params


def database_ok(settings_dict: dict[str, Any]) -> bool:
    """Whether the database answers `SELECT 1`.

    PostgreSQL is asked on a connection of its own, opened with a short connect_timeout
    and closed at once, not through the pool: the pool keeps retrying a database that is
    down until its own timeout. SQLite is a local file: asked on the usual connection.
    """
    try:
        if settings_dict["ENGINE"] == "django.db.backends.postgresql":
            params = database_check_params(settings_dict)
            with psycopg.connect(**params, autocommit=True) as conn:
                return conn.execute("SELECT 1").fetchone() == (1,)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            row: tuple[Any, ...] | None = cursor.fetchone()
            return row == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


async def _channel_round_trip() -> bool:
    layer = get_channel_layer()
    if layer is None:
        return False
    # BaseChannelLayer declares new_channel() without a prefix; the layers WeServe runs
    # on (in-memory, Redis) take one.
    name = await layer.new_channel("healthz.")  # type: ignore[call-arg]
    token = uuid.uuid4().hex
    await layer.send(name, {"type": "healthz", "token": token})
    message = await asyncio.wait_for(layer.receive(name), timeout=2)
    return message.get("token") == token


def _channel_layer_ok() -> bool:
    try:
        return async_to_sync(_channel_round_trip)()
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (Django's admin): the
    site's icon, rather than a 404 in every admin page's console."""
    return HttpResponsePermanentRedirect(static("weserve/img/favicon.svg"))


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the channel layer answer; 503 naming what does not.

    A database that is down is reported within DATABASE_CHECK_TIMEOUT_SECONDS.
    """
    checks = {
        "database": database_ok(connection.settings_dict),
        "channel_layer": _channel_layer_ok(),
    }
    failing = [name for name, ok in checks.items() if not ok]
    status = 503 if failing else 200
    return JsonResponse(
        {"status": "ok" if not failing else "unavailable", "checks": checks, "failing": failing},
        status=status,
    )


@login_required
@require_POST
def switch_office(request: HttpRequest) -> HttpResponse:
    """Choose the office to work in, among those the person may see."""
    try:
        office_id = int(request.POST.get("office", ""))
    except ValueError:
        office_id = -1
    if office_id in visible_office_ids(request.user):
        request.session[SESSION_OFFICE_KEY] = office_id
    else:
        from django.contrib import messages

        messages.error(request, _("You cannot work in that office."))
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)
