"""System checks that say plainly what is missing before WeServe starts."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, Tags, register

from weserve.core import crypto


@register(Tags.security, deploy=True)
def data_key_present(app_configs: Any, **kwargs: Any) -> list[Error]:
    if crypto.data_key_available():
        return []
    return [
        Error(
            "No data key: personal data cannot be encrypted or read.",
            hint="Set WESERVE_DATA_KEY, or run `weserve demo` to create var/data.key.",
            id="weserve.E001",
        )
    ]
