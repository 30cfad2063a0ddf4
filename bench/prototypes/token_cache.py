"""Measurement prototype, not part of WeServe: bearer tokens remembered for five seconds.

Every API request resolves its bearer token with two queries (a person's token, then a
device's); this remembers a resolved token per process for five seconds, so a revoked
token would keep working that long. A monkeypatch for bench/prototypes/ab_cpu.py.

    uvicorn app strings: token_cache:application, token_cache_one_statement:application
"""

from __future__ import annotations

import threading
import time
from typing import Any

from weserve.asgi import application  # noqa: F401 - the ASGI app this module serves
from weserve.core import api as core_api
from weserve.core import tokens

SECONDS = 5.0
_seen: dict[str, tuple[float, Any]] = {}
_lock = threading.Lock()
_resolve = tokens.resolve_bearer


def resolve_bearer(raw: str) -> Any:
    now = time.monotonic()
    hit = _seen.get(raw)
    if hit is not None and now - hit[0] < SECONDS:
        return hit[1]
    principal = _resolve(raw)
    if principal is not None:
        with _lock:
            _seen[raw] = (now, principal)
    return principal


tokens.resolve_bearer = resolve_bearer
core_api.resolve_bearer = resolve_bearer
