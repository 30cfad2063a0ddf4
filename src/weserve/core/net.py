"""The client's address, believing forwarded headers only from trusted proxies."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _trusted(addr: str) -> bool:
    for entry in settings.TRUSTED_PROXIES:
        try:
            if ipaddress.ip_address(addr) in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request: HttpRequest) -> str:
    """The address of whoever sent the request.

    X-Forwarded-For is read right to left, skipping our own trusted proxies, so a client
    cannot claim another address by sending the header itself.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104
    if not settings.TRUSTED_PROXIES or not _trusted(remote):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop):
            return hop
    return hops[0] if hops else remote


def axes_client_ip(request: HttpRequest) -> str:
    return client_ip(request)
