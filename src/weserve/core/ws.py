"""WebSocket authentication: the session, a device cookie, or `Authorization: Bearer`.

Before that, the handshake's `Origin` is checked: a page of another site may not open a
socket with the browser's cookies (cross-site WebSocket hijacking). Programs (the
telephone exchange, a display's player) send no Origin and are let through to the
credential check like any other client.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

from channels.auth import AuthMiddlewareStack, get_user
from channels.db import database_sync_to_async
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from weserve.core.tokens import Principal, resolve_bearer, resolve_device

# A socket refused at the handshake for its Origin or its path; the browser sees the
# handshake fail (HTTP 403), as for any refusal before accept.
CLOSE_REFUSED = 4403


def _principal_from_sync(headers: dict[bytes, bytes], cookies: dict[str, str]) -> Principal | None:
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if auth.lower().startswith("bearer "):
        return resolve_bearer(auth[7:].strip())
    raw = cookies.get(settings.DEVICE_COOKIE_NAME)
    if raw:
        device = resolve_device(raw)
        if device is not None:
            return Principal(device=device, office_ids=frozenset({device.office_id}))
    return None


_principal_from = database_sync_to_async(_principal_from_sync)


def _identity(principal: Principal | None) -> tuple[Any, Any, Any]:
    if principal is None:
        return (None, None, None)
    user_id = principal.user.pk if principal.user is not None else None
    device_id = principal.device.pk if principal.device is not None else None
    return (user_id, device_id, principal.token_id)


async def still_authorised(scope: Mapping[str, Any], *, fresh_session: bool = False) -> bool:
    """Whether the credentials a socket was opened with are still good: the same token,
    device or session resolves to the same caller as at the handshake.

    `fresh_session` reads the session from the store again rather than the copy the
    socket loaded at its handshake: a session ended since (signed out, flushed) counts.
    """
    headers = dict(scope.get("headers", []))
    before = scope.get("principal")
    if before is not None:
        now = await _principal_from(headers, scope.get("cookies", {}))
        if _identity(now) != _identity(before):
            return False
    user = scope.get("user")
    if user is not None and user.is_authenticated:
        if fresh_session:
            key = getattr(scope.get("session"), "session_key", None)
            store = import_module(settings.SESSION_ENGINE).SessionStore
            scope = {**scope, "session": store(session_key=key)}
        # Channels checks the session and its password hash, as Django does per request.
        current = await get_user(scope)  # type: ignore[arg-type]  # a socket's scope
        if not current.is_authenticated or current.pk != user.pk:
            return False
    return True


def origin_allowed(origin: str | None, host: str | None) -> bool:
    """Whether a handshake's Origin is the site's own: the host the socket was opened on
    (when ALLOWED_HOSTS allows it), or a trusted origin (WESERVE_PUBLIC_URL). No Origin at
    all is a program, not a browser page: allowed."""
    if origin is None:
        return True
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    if parsed.scheme not in ("http", "https") or not parsed.netloc or not host:
        return False
    if parsed.netloc.lower() != host.lower():
        return False
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class _HandshakeGuard:
    """Refuses a socket from another site's page, or with a NUL in its path (PostgreSQL
    refuses NUL in text: the consumer's look-up would fail, not answer)."""

    def __init__(self, inner: Any):
        self.inner = inner

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        headers = scope.get("headers", [])
        origin = _header(headers, b"origin")
        host = _header(headers, b"host")
        if "\x00" in scope.get("path", "") or not origin_allowed(origin, host):
            message = await receive()
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": CLOSE_REFUSED})
            return None
        return await self.inner(scope, receive, send)


class _PrincipalMiddleware:
    """Puts `scope["principal"]` beside Channels' `scope["user"]`."""

    def __init__(self, inner: Any):
        self.inner = inner

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        headers = dict(scope.get("headers", []))
        cookies = scope.get("cookies", {})
        scope = dict(scope)
        scope["principal"] = await _principal_from(headers, cookies)
        return await self.inner(scope, receive, send)


def WebSocketAuthMiddleware(inner: Any) -> Any:  # noqa: N802 - reads like a class
    return _HandshakeGuard(AuthMiddlewareStack(_PrincipalMiddleware(inner)))
