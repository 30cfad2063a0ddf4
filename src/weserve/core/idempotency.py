"""`Idempotency-Key` on every POST: a repeat within 24 hours replays the first response.

The key is scoped to the caller (token, device cookie, session user, or for anonymous
callers their address and request body), so two callers can never see each other's
responses. The first request claims the key with an insert that a unique constraint
guards; a repeat arriving while the first still runs gets 409 `request_in_progress` and
acts not at all. The same key sent with another path or another body is refused (422).

A stored response may hold a secret (POST /api/v1/auth/token answers with a token), so
neither the key nor the response is stored in the clear: the row holds a hash of the key
and the response encrypted with a key derived from the Idempotency-Key and the caller's
credentials, which only the caller has.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from weserve.core import clock
from weserve.core.models import IdempotentResponse
from weserve.core.net import client_ip

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL = dt.timedelta(hours=24)
# A claim never completed this long after it was made belongs to a request that died
# (a killed worker); a retry may take it over instead of waiting out the whole TTL.
ABANDONED_AFTER = dt.timedelta(minutes=5)
MAX_KEY_LENGTH = 255
_METHOD_PATH_LENGTH = 512
_FINGERPRINT_PREFIX = " sha256:"

# Responses that say the request was not let in to act are not kept: a retry after
# signing in again, waiting out a lockout or reloading the CSRF token must run afresh.
_NOT_STORED = frozenset({401, 403, 408, 425, 429})
# Response headers a replay repeats; cookies are not among them.
_REPLAYED_HEADERS = frozenset(
    {"content-type", "location", "content-language", "content-disposition", "cache-control"}
)


def _json(status: int, code: str, detail: str) -> HttpResponse:
    return HttpResponse(
        json.dumps({"detail": detail, "code": code}),
        status=status,
        content_type="application/json",
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _body_fingerprint(request: HttpRequest) -> str | None:
    """A hash of the request body; "-" for uploads (not read here); None if too big."""
    if (request.content_type or "").startswith("multipart/"):
        return "-"
    try:
        return _sha256(request.body)
    except RequestDataTooBig:
        return None


def _caller_ident(request: HttpRequest, fingerprint: str) -> str:
    """Who sent the request, in the clear; never stored, only hashed or used as a key."""
    auth = request.headers.get("Authorization", "")
    if auth:
        return "bearer:" + auth
    device = request.COOKIES.get(settings.DEVICE_COOKIE_NAME)
    if device:
        return "device:" + device
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    session: SessionBase | None = getattr(request, "session", None)
    if session is not None and session.session_key:
        return "session:" + session.session_key
    # Several people can share an address (an office behind one router): the body keeps
    # one person's answer, a new token say, from replaying to another.
    return f"anonymous:{client_ip(request)}:{fingerprint}"


def caller_scope(request: HttpRequest) -> str:
    """A stable, non-reversible name for whoever sent the request."""
    return _sha256(_caller_ident(request, _body_fingerprint(request) or "").encode())


def _cipher(ident: str, key: str) -> Fernet:
    secret = hashlib.sha256(f"weserve-idempotency\0{ident}\0{key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(secret))


def _seal(cipher: Fernet, response: HttpResponse) -> bytes:
    headers = {k: v for k, v in response.items() if k.lower() in _REPLAYED_HEADERS}
    headers.update({k: v for k, v in response.items() if k.lower().startswith("hx-")})
    envelope = {"headers": headers, "body": base64.b64encode(response.content).decode()}
    return cipher.encrypt(json.dumps(envelope).encode())


def _unseal(cipher: Fernet, record: IdempotentResponse) -> HttpResponse | None:
    try:
        envelope: dict[str, Any] = json.loads(cipher.decrypt(bytes(record.body)))
    except (InvalidToken, ValueError):
        return None
    response = HttpResponse(base64.b64decode(envelope["body"]), status=record.status or 200)
    for name, value in envelope["headers"].items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete responses older than the TTL (run periodically); returns how many."""
    cutoff = (now or clock.now()) - TTL
    deleted, _by_model = IdempotentResponse.objects.filter(created_at__lt=cutoff).delete()
    return deleted


class IdempotencyMiddleware:
    """Replays the first response to a POST repeated with the same Idempotency-Key."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or not key:
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH:
            return _json(422, "invalid", _("The Idempotency-Key header is too long."))
        fingerprint = _body_fingerprint(request)
        if fingerprint is None:
            # Too big to read here; the view refuses it anyway.
            return self.get_response(request)
        ident = _caller_ident(request, fingerprint)
        scope = _sha256(ident.encode())
        key_hash = _sha256(key.encode())
        cipher = _cipher(ident, key)
        path_room = _METHOD_PATH_LENGTH - len(_FINGERPRINT_PREFIX) - len(fingerprint)
        method_path = f"{request.method} {request.path}"[:path_room]
        method_path += _FINGERPRINT_PREFIX + fingerprint
        now = clock.now()
        try:
            with transaction.atomic():
                record = IdempotentResponse.objects.create(
                    scope=scope, key=key_hash, method_path=method_path, created_at=now
                )
        except IntegrityError:
            existing = IdempotentResponse.objects.filter(scope=scope, key=key_hash).first()
            if existing is None:
                return _json(409, "request_in_progress", _("This request is still running."))
            expired = existing.created_at <= now - TTL
            abandoned = not existing.completed and existing.created_at <= now - ABANDONED_AFTER
            if expired or abandoned:
                # The key may be used afresh; only one retry can take it over.
                taken = IdempotentResponse.objects.filter(
                    pk=existing.pk, created_at=existing.created_at
                ).update(
                    created_at=now,
                    completed=False,
                    status=None,
                    content_type="",
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
                replay = _unseal(cipher, existing)
                if replay is None:
                    return _json(
                        422,
                        "idempotency_key_reused",
                        _("This Idempotency-Key was used for a different request."),
                    )
                return replay

        response = self.get_response(request)
        if response.status_code >= 500 or response.status_code in _NOT_STORED or response.streaming:
            # Nothing was promised: let a retry run again.
            IdempotentResponse.objects.filter(pk=record.pk).delete()
            return response
        IdempotentResponse.objects.filter(pk=record.pk).update(
            completed=True,
            status=response.status_code,
            content_type=response.get("Content-Type", "")[:100],
            body=_seal(cipher, response),
        )
        return response
