"""System checks that say plainly what is missing before WeServe starts."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import Error, Tags, register

from weserve.core import crypto
from weserve.core.contracts import REQUIRED_METHODS


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


@register()
def contracts_fulfilled(app_configs: Any, **kwargs: Any) -> list[Error]:
    errors = []
    for setting, methods in REQUIRED_METHODS.items():
        label = getattr(settings, setting, None)
        try:
            # An unset setting is None, on which get_model fails with AttributeError.
            model = apps.get_model(label) if isinstance(label, str) else None
        except (LookupError, ValueError, TypeError):
            model = None
        if model is None:
            errors.append(
                Error(
                    f"{setting} = {label!r} names no installed model.",
                    hint="Name it as app_label.ModelName (docs/architecture.md).",
                    id="weserve.E002",
                )
            )
            continue
        missing = [m for m in methods if not callable(getattr(model._default_manager, m, None))]
        if missing:
            errors.append(
                Error(
                    f"{setting}: {label}'s default manager has no {', '.join(missing)}.",
                    hint="weserve.core.contracts says what core calls.",
                    id="weserve.E003",
                )
            )
    return errors
