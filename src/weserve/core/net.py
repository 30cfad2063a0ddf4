"""The client's address, believing forwarded headers only from trusted proxies."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"WESERVE_TRUSTED_PROXIES: {entry!r} is not an address or network"
            ) from exc
    return tuple(networks)


def trusted_networks() -> tuple[IPNetwork, ...]:
    """WESERVE_TRUSTED_PROXIES parsed; a bad entry fails loudly instead of being skipped."""
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _parse(addr: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from a header hop, tolerating the ports and brackets some proxies add."""
    addr = addr.strip().strip('"')
    if addr.startswith("["):
        addr = addr[1:].split("]", 1)[0]
    elif addr.count(":") == 1:
        addr = addr.split(":", 1)[0]
    try:
        return ipaddress.ip_address(addr)
    except ValueError:
        return None


def _trusted(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(addr in network for network in trusted_networks())


def client_ip(request: HttpRequest) -> str:
    """The address of whoever sent the request.

    X-Forwarded-For is read right to left, skipping our own trusted proxies, so a client
    cannot claim another address by sending the header itself: only the hop that our
    proxy appended is believed.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104
    remote_addr = _parse(remote)
    if remote_addr is None or not _trusted(remote_addr):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h for h in forwarded.split(",") if h.strip()]
    last_good = str(remote_addr)
    for hop in reversed(hops):
        addr = _parse(hop)
        if addr is None:
            # Garbage in the chain: whatever lies beyond it cannot be trusted either.
            return last_good
        if not _trusted(addr):
            return str(addr)
        last_good = str(addr)
    return last_good


def axes_client_ip(request: HttpRequest) -> str:
    """The address django-axes locks out (AXES_CLIENT_IP_CALLABLE)."""
    return client_ip(request)


class ForwardedProtoMiddleware:
    """X-Forwarded-Proto is believed only from WESERVE_TRUSTED_PROXIES, as X-Forwarded-For
    is: from anyone else it is dropped before Django reads it (SECURE_PROXY_SSL_HEADER),
    so a client cannot say it came over HTTPS. (Behind `weserve serve`, uvicorn has
    already taken the scheme from a trusted proxy's header.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "HTTP_X_FORWARDED_PROTO" in request.META:
            peer = _parse(request.META.get("REMOTE_ADDR", "") or "")
            if peer is None or not _trusted(peer):
                del request.META["HTTP_X_FORWARDED_PROTO"]
        return self.get_response(request)
