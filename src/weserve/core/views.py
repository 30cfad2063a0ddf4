"""Core pages: health, the office switcher, the audit log."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import uuid
from contextlib import closing
from typing import Any

import psycopg
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.migrations.loader import MigrationLoader
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
    """Whether the database answers `SELECT 1`."""
    return database_checks(settings_dict)["database"] is True


def database_checks(settings_dict: dict[str, Any]) -> dict[str, bool | None]:
    """Whether the database answers (`database`), has every migration of this code
    applied (`migrations`) and can be written (`database_writable`); the last two are
    None when the database does not answer at all.

    PostgreSQL is asked on a connection of its own, opened with a short connect_timeout
    and closed at once, not through the pool: the pool keeps retrying a database that is
    down until its own timeout. SQLite is a local file: asked on the usual connection,
    and whether it can be written on a connection of its own, by a write it rolls back
    (a read-only file refuses it; a writer holding the lock shows it can be written).
    """
    checks: dict[str, bool | None] = {
        "database": False,
        "migrations": None,
        "database_writable": None,
    }
    try:
        if settings_dict["ENGINE"] == "django.db.backends.postgresql":
            params = database_check_params(settings_dict)
            with psycopg.connect(**params, autocommit=True) as conn:
                checks["database"] = conn.execute("SELECT 1").fetchone() == (1,)
                read_only = conn.execute("SELECT current_setting('transaction_read_only')")
                checks["database_writable"] = read_only.fetchone() == ("off",)
                try:
                    applied = conn.execute("SELECT app, name FROM django_migrations").fetchall()
                except psycopg.Error:
                    applied = []  # not even the table: nothing was migrated
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                checks["database"] = cursor.fetchone() == (1,)
                applied = []
                if "django_migrations" in connection.introspection.table_names(cursor):
                    cursor.execute("SELECT app, name FROM django_migrations")
                    applied = cursor.fetchall()
            checks["database_writable"] = _sqlite_writable()
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return {"database": False, "migrations": None, "database_writable": None}
    checks["migrations"] = not unapplied_migrations({(app, name) for app, name in applied})
    return checks


@functools.cache
def _migrations_in_code() -> tuple[tuple[tuple[str, str], frozenset[tuple[str, str]]], ...]:
    """Every migration of the code, with those a squashed one replaces (read once)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return tuple(
        (key, frozenset(tuple(r) for r in (loader.graph.nodes[key].replaces or ())))
        for key in loader.graph.nodes
    )


def unapplied_migrations(applied: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """The code's migrations that the database's `django_migrations` rows do not name."""
    return [
        key
        for key, replaces in _migrations_in_code()
        if key not in applied and not (replaces and replaces <= applied)
    ]


def _sqlite_writable() -> bool:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        return True
    try:
        with closing(sqlite3.connect(name, timeout=0.2, isolation_level=None)) as db:
            # A write, rolled back: a read-only file lets the lock be taken (in WAL mode)
            # and refuses only the write.
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("CREATE TABLE weserve_healthz_write_probe (x)")
            finally:
                db.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        # Busy: someone else is writing, so it can be written.
        return "locked" in str(exc) or "busy" in str(exc)
    return True


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
    """200 when the database answers, can be written and has every migration applied,
    and the channel layer answers; 503 naming what does not (`null`: not asked, since
    the database did not answer).

    A database that is down is reported within DATABASE_CHECK_TIMEOUT_SECONDS.
    """
    checks = {**database_checks(connection.settings_dict), "channel_layer": _channel_layer_ok()}
    failing = [name for name, ok in checks.items() if ok is False]
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
