"""`Idempotency-Key` on every POST: a repeat within 24 hours replays the first response.

The key is scoped to the caller (token, device cookie or session user), so two callers
can never see each other's responses. The first request claims the key with an insert
that a unique constraint guards; a repeat arriving while the first still runs gets 409
`request_in_progress` and acts not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from weserve.core import clock
from weserve.core.models import IdempotentResponse

HEADER = "Idempotency-Key"
TTL = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 255


def _json(status: int, code: str, detail: str) -> HttpResponse:
    return HttpResponse(
        json.dumps({"detail": detail, "code": code}),
        status=status,
        content_type="application/json",
    )


def caller_scope(request: HttpRequest) -> str:
    """A stable, non-reversible name for whoever sent the request."""
    auth = request.headers.get("Authorization", "")
    if auth:
        ident = "bearer:" + auth
    elif request.COOKIES.get(settings.DEVICE_COOKIE_NAME):
        ident = "device:" + request.COOKIES[settings.DEVICE_COOKIE_NAME]
    elif getattr(request, "user", None) is not None and request.user.is_authenticated:
        ident = f"user:{request.user.pk}"
    elif request.session.session_key if hasattr(request, "session") else None:
        ident = "session:" + str(request.session.session_key)
    else:
        ident = "anonymous:" + request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(ident.encode()).hexdigest()


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or not key:
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH:
            return _json(422, "invalid", _("The Idempotency-Key header is too long."))
        scope = caller_scope(request)
        method_path = f"{request.method} {request.path}"[:512]
        now = clock.now()
        try:
            with transaction.atomic():
                record = IdempotentResponse.objects.create(
                    scope=scope, key=key, method_path=method_path, created_at=now
                )
        except IntegrityError:
            existing = IdempotentResponse.objects.filter(scope=scope, key=key).first()
            if existing is None:
                return _json(409, "request_in_progress", _("This request is still running."))
            if existing.created_at < now - TTL:
                # An expired key may be used afresh; only one retry can take it over.
                taken = IdempotentResponse.objects.filter(
                    pk=existing.pk, created_at=existing.created_at
                ).update(
                    created_at=now,
                    completed=False,
                    status=None,
                    body=b"",
                    method_path=method_path,
                )
                if not taken:
                    return _json(409, "request_in_progress", _("This request is still running."))
                record = existing
            elif existing.method_path != method_path:
                return _json(
                    422,
                    "idempotency_key_reused",
                    _("This Idempotency-Key was used for a different request."),
                )
            elif not existing.completed:
                return _json(409, "request_in_progress", _("This request is still running."))
            else:
                replay = HttpResponse(
                    bytes(existing.body),
                    status=existing.status or 200,
                    content_type=existing.content_type or None,
                )
                replay["Idempotent-Replayed"] = "true"
                return replay

        response = self.get_response(request)
        if response.status_code >= 500 or response.streaming:
            # Nothing was promised: let a retry run again.
            IdempotentResponse.objects.filter(pk=record.pk).delete()
            return response
        IdempotentResponse.objects.filter(pk=record.pk).update(
            completed=True,
            status=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=response.content,
        )
        return response
