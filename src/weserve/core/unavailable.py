"""The database out of reach is a 503 with Retry-After, never a 500.

While PostgreSQL restarts or fails over, or the connection pool has no connection to give
within its timeout, every request that needs the database fails with Django's
OperationalError or InterfaceError. That is not a fault of the server or of the request:
the answer is 503 with `Retry-After`, so a kiosk retries its ticket (with the same
Idempotency-Key) and a person reads "try again in a moment", not "something went wrong".
The API's handler (weserve.core.api) and the server-error view of every other request
(`server_error`, Django's handler500, which also sees what the middleware raises) both
answer so (bench/faults.py, "postgresql restarted").
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from weserve.core.guards import api_error, is_api

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether an error says the database could not be reached (or stopped answering)."""
    return isinstance(exc, OperationalError | InterfaceError)


def unavailable_message() -> str:
    return _("WeServe cannot reach its database just now. Try again in a few seconds.")


def api_unavailable() -> HttpResponse:
    response = api_error(503, "database_unavailable", unavailable_message())
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: a 503 when the database is out of reach, else Django's 500."""
    exc = sys.exc_info()[1]
    if not database_unavailable(exc):
        return defaults.server_error(request)
    log.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
    if is_api(request):
        return api_unavailable()
    # Rendered without the request: context processors would ask the database again.
    page = loader.get_template("503.html").render()
    response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
