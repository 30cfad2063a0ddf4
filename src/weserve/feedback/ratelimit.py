"""A per-address limit on the public forms (complaints, and the status look-up that
takes an access code): a counter row per address, form and window in the database, so
every server process counts the same. The address is core's `client_ip`, which believes
`X-Forwarded-For` only from `WESERVE_TRUSTED_PROXIES`.

Every attempt counts, accepted or refused; a repeat with the same Idempotency-Key is
answered by core's middleware before it gets here and does not count.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from weserve.core import clock
from weserve.core.errors import DomainError
from weserve.core.net import client_ip
from weserve.feedback.complaint_models import SubmissionCounter

WINDOW = dt.timedelta(hours=1)
# Attempts per address and hour; settings may lower or raise them.
LIMITS = {"complaint": 10, "complaint_status": 30, "survey": 20}

_BUMP_SQL = """
INSERT INTO {table} (scope, window_start, count) VALUES (%s, %s, 1)
ON CONFLICT (scope, window_start) DO UPDATE SET count = {table}.count + 1
RETURNING count
"""


def limit_of(form: str) -> int:
    return int(getattr(settings, "FEEDBACK_RATE_LIMITS", {}).get(form, LIMITS[form]))


def _window_start(now: dt.datetime) -> dt.datetime:
    seconds = int(WINDOW.total_seconds())
    stamp = int(now.timestamp()) // seconds * seconds
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC)


def check(request: HttpRequest, form: str) -> None:
    """Count this attempt; 429 `rate_limited` once the address is over the form's limit."""
    scope = hashlib.sha256(f"{form}\0{client_ip(request)}".encode()).hexdigest()
    table = connection.ops.quote_name(SubmissionCounter._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_BUMP_SQL.format(table=table), [scope, _window_start(clock.now())])
        count = int(cursor.fetchone()[0])
    if count > limit_of(form):
        raise DomainError(
            "rate_limited",
            _("Too many submissions from your address. Please try again in an hour."),
            status=429,
        )
