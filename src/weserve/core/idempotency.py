"""`Idempotency-Key` on every POST: a repeat within 24 hours replays the first response.

The key is scoped to the caller (token, device cookie, session user, or for anonymous
callers their address and request body), so two callers can never see each other's
responses. The first request claims the key with an insert that a unique constraint
guards; a repeat arriving while the first still runs gets 409 `request_in_progress` and
acts not at all. The same key sent with another path or another body is refused (422).

A retry after a crash (docs/architecture.md, decision 32) acts once:

- The claim names the attempt holding it (`owner`) and carries a lease the holding
  process renews while the request runs (`_Leases`). A claim whose lease ran out belongs
  to a request that died with its process: a retry takes it over at once (within LEASE
  of the death), and is told so (`Claim.resumed`).
- The view runs in a transaction in which its response is then stored: its effect and
  the stored response commit together or not at all, so a retry either replays or acts
  afresh. Storing checks that the claim is still this attempt's (a fence): an attempt
  whose claim was taken over rolls its effect back.
- A view whose effect commits on its own (the ticket issue's hot path, on a connection
  of its own) is registered with `commits_apart` and runs outside that transaction; it
  names its effect with `Claim.effect_id`, the same for every attempt, so that a resumed
  attempt finds what an earlier one committed and answers with it.

A stored response may hold a secret (POST /api/v1/auth/token answers with a token), so
neither the key nor the response is stored in the clear: the row holds a hash of the key
and the response encrypted with a key derived from the Idempotency-Key and the caller's
credentials, which only the caller has.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from weserve.core import clock
from weserve.core.models import IdempotentResponse
from weserve.core.net import client_ip

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
TTL = dt.timedelta(hours=24)
# A claim's lease: a retry takes a claim over once its lease has run out. The process
# running the request renews it every RENEW_EVERY_SECONDS while the request runs, for
# at most LONGEST_REQUEST (a request still running then is taken to be stuck).
LEASE = dt.timedelta(seconds=6)
RENEW_EVERY_SECONDS = 2.0
LONGEST_REQUEST = dt.timedelta(minutes=5)
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


log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Claim:
    """A request's hold on its Idempotency-Key, as the view may ask for it (`claim_of`)."""

    pk: int
    owner: str
    # An earlier attempt with this key ran and never finished (its process died, or it
    # failed): whatever it committed apart from the request's transaction is there.
    resumed: bool
    _seed: bytes = field(repr=False)

    def effect_id(self, purpose: str) -> str:
        """An unguessable id (192 bits, URL-safe, as secrets.token_urlsafe(24)) for the
        effect `purpose` of this request: the same for every attempt with this key, so a
        resumed attempt finds what an earlier one committed under it."""
        digest = hmac.new(self._seed, purpose.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:24]).decode()


def claim_of(request: HttpRequest) -> Claim | None:
    """The claim of a POST sent with an Idempotency-Key; None without one."""
    return getattr(request, "_idempotency_claim", None)


_APART: set[str] = set()


def commits_apart(*view_names: str) -> None:
    """Register views (by URL name, with its namespace) whose effect commits on its own,
    not in the transaction of the request: they run outside it, and must name their
    effect with `Claim.effect_id` and look for it when `Claim.resumed` (call from an
    AppConfig.ready())."""
    _APART.update(view_names)


def _runs_apart(request: HttpRequest) -> bool:
    if not _APART:
        return False
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return match.view_name in _APART


def _owner() -> str:
    """This attempt's name: where it runs (for an operator reading the table), and a
    random part, so that a claim taken over is never mistaken for the one before."""
    return f"{socket.gethostname()[:50]}:{os.getpid()}:{secrets.token_hex(8)}"


def _seed(ident: str, key: str, pk: int, created_at: dt.datetime) -> bytes:
    since = (created_at - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
    message = f"weserve-idempotency-effect\0{ident}\0{key}\0{pk}\0{since}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()


class _Leases:
    """The claims this process holds, their leases renewed while their requests run.

    A thread of its own, started with the first claim, renews every RENEW_EVERY_SECONDS
    the claims held longer than that (a quick request never costs a write), for at most
    LONGEST_REQUEST. Only a live process renews: a killed one's claims lapse within LEASE.
    """

    def __init__(self) -> None:
        self._held: dict[int, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def hold(self, claim: Claim) -> None:
        with self._lock:
            self._held[claim.pk] = (claim.owner, time.monotonic())
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="idempotency-leases", daemon=True
                )
                self._thread.start()

    def release(self, claim: Claim) -> None:
        with self._lock:
            self._held.pop(claim.pk, None)

    def renew(self, older_than: float = RENEW_EVERY_SECONDS) -> int:
        """Renew the leases of the claims held longer than `older_than` seconds (and
        less than LONGEST_REQUEST); how many were renewed."""
        now = time.monotonic()
        longest = LONGEST_REQUEST.total_seconds()
        with self._lock:
            due = [
                (pk, owner)
                for pk, (owner, since) in self._held.items()
                if older_than <= now - since < longest
            ]
        if not due:
            return 0
        held = Q()
        for pk, owner in due:
            held |= Q(pk=pk, owner=owner)
        return IdempotentResponse.objects.filter(held, completed=False).update(
            lease_until=clock.now() + LEASE
        )

    def _run(self) -> None:
        while True:
            time.sleep(RENEW_EVERY_SECONDS)
            try:
                self.renew()
            except Exception:  # noqa: BLE001 - try again next time; the lease has room
                log.warning("renewing idempotency leases failed", exc_info=True)
            finally:
                connection.close()  # this thread's own


_leases = _Leases()


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
        cipher = _cipher(ident, key)
        path_room = _METHOD_PATH_LENGTH - len(_FINGERPRINT_PREFIX) - len(fingerprint)
        method_path = f"{request.method} {request.path}"[:path_room]
        method_path += _FINGERPRINT_PREFIX + fingerprint
        claimed = _claim(ident, key, method_path, cipher)
        if isinstance(claimed, HttpResponse):
            return claimed
        request._idempotency_claim = claimed  # type: ignore[attr-defined]
        _leases.hold(claimed)
        try:
            if _runs_apart(request):
                response = self.get_response(request)
                _finish(claimed, response, cipher)
                return response
            return self._in_transaction(request, claimed, cipher)
        except BaseException:
            _release(claimed)
            raise
        finally:
            _leases.release(claimed)

    def _in_transaction(self, request: HttpRequest, claim: Claim, cipher: Fernet) -> HttpResponse:
        """The view and the stored response, committed together."""
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)  # nothing half-done stays
            elif not _finish(claim, response, cipher):
                transaction.set_rollback(True)
                return _json(409, "request_in_progress", _("This request is still running."))
        if response.status_code >= 500:
            _release(claim)
        return response


def _claim(ident: str, key: str, method_path: str, cipher: Fernet) -> Claim | HttpResponse:
    """The key claimed for this request, or the answer to give instead (a replay, 409
    while another attempt runs, 422 for another request under the same key)."""
    scope = _sha256(ident.encode())
    key_hash = _sha256(key.encode())
    now = clock.now()
    owner = _owner()
    try:
        with transaction.atomic():
            record = IdempotentResponse.objects.create(
                scope=scope,
                key=key_hash,
                method_path=method_path,
                created_at=now,
                owner=owner,
                lease_until=now + LEASE,
            )
        return Claim(record.pk, owner, False, _seed(ident, key, record.pk, now))
    except IntegrityError:
        pass
    existing = IdempotentResponse.objects.filter(scope=scope, key=key_hash).first()
    in_progress = _json(409, "request_in_progress", _("This request is still running."))
    if existing is None:
        return in_progress
    reused = _json(
        422, "idempotency_key_reused", _("This Idempotency-Key was used for a different request.")
    )
    if existing.created_at <= now - TTL:
        # Expired: the key may be used afresh, for any request; only one retry gets it.
        taken = IdempotentResponse.objects.filter(
            pk=existing.pk, created_at=existing.created_at
        ).update(
            created_at=now,
            completed=False,
            status=None,
            content_type="",
            body=b"",
            method_path=method_path,
            owner=owner,
            lease_until=now + LEASE,
        )
        if not taken:
            return in_progress
        return Claim(existing.pk, owner, False, _seed(ident, key, existing.pk, now))
    if existing.method_path != method_path:
        return reused
    if existing.completed:
        replay = _unseal(cipher, existing)
        return reused if replay is None else replay
    if existing.lease_until is not None and existing.lease_until > now:
        return in_progress
    # Its attempt died with its process, or failed: this one takes over.
    taken = IdempotentResponse.objects.filter(
        pk=existing.pk, owner=existing.owner, completed=False
    ).update(owner=owner, lease_until=now + LEASE)
    if not taken:
        return in_progress
    return Claim(existing.pk, owner, True, _seed(ident, key, existing.pk, existing.created_at))


def _finish(claim: Claim, response: HttpResponse, cipher: Fernet) -> bool:
    """Store the response as the key's answer, or let the key go; False if the claim is
    no longer this attempt's (taken over)."""
    mine = IdempotentResponse.objects.filter(pk=claim.pk, owner=claim.owner, completed=False)
    if response.status_code >= 500:
        _release(claim)  # nothing was promised: a retry runs again (resumed)
        return True
    if response.status_code in _NOT_STORED or response.streaming:
        # Not let in to act: a retry must run afresh.
        return bool(mine.delete()[0])
    return bool(
        mine.update(
            completed=True,
            status=response.status_code,
            content_type=response.get("Content-Type", "")[:100],
            body=_seal(cipher, response),
            lease_until=None,
        )
    )


def _release(claim: Claim) -> None:
    """Let a retry take the claim over at once."""
    IdempotentResponse.objects.filter(pk=claim.pk, owner=claim.owner, completed=False).update(
        lease_until=None
    )
