"""Small template helpers of the telephone desk."""

from __future__ import annotations

import secrets

from django import template

from weserve.core.fields import format_phone

register = template.Library()


@register.simple_tag
def fresh_key() -> str:
    """A one-time Idempotency-Key for one action form (a double click acts once)."""
    return secrets.token_urlsafe(18)


@register.filter
def phone(value: str) -> str:
    """A number as Malaysians write it; an exchange's own digits as they came."""
    if not value:
        return ""
    if value.startswith("+"):
        try:
            return format_phone(value)
        except Exception:  # noqa: BLE001 - shown as stored rather than not at all
            return value
    return value
