"""Text a person typed, checked the same way everywhere: no control characters (a line
break and a tab are allowed where the field has lines), trimmed, required, not too long.
Each refusal is a translated message on the field, collected in `errors`."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LINE_CHARS = frozenset("\n\r\t")


def has_control_chars(value: str, *, multiline: bool = False) -> bool:
    """Whether the text holds a control character; `multiline` allows line breaks and tabs."""
    allowed = LINE_CHARS if multiline else frozenset()
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in value)


def clean_text(
    errors: dict[str, str | Promise],
    field: str,
    value: Any,
    *,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """The value trimmed; a refusal goes into errors[field] (the first that applies)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = _("Enter text.")
        return ""
    text: str = value.strip()
    if has_control_chars(text, multiline=multiline):
        errors[field] = _("This contains characters that are not allowed.")
    elif required and not text:
        errors[field] = _("This field is required.")
    elif len(text) > max_length:
        errors[field] = _("At most {count} characters.").format(count=max_length)
    return text
