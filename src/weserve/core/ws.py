"""WebSocket authentication: the session, a device cookie, or `Authorization: Bearer`."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.conf import settings

from weserve.core.tokens import Principal, resolve_bearer, resolve_device


@database_sync_to_async
def _principal_from(headers: dict[bytes, bytes], cookies: dict[str, str]) -> Principal | None:
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if auth.lower().startswith("bearer "):
        return resolve_bearer(auth[7:].strip())
    raw = cookies.get(settings.DEVICE_COOKIE_NAME)
    if raw:
        device = resolve_device(raw)
        if device is not None:
            return Principal(device=device, office_ids=frozenset({device.office_id}))
    return None


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
    return AuthMiddlewareStack(_PrincipalMiddleware(inner))
