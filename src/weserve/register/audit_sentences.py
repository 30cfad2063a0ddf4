"""The sentences of the customer register's audit actions, for the audit log page
(registered in `RegisterConfig.ready()` with `core.audit_text.register_sentences`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext

from weserve.core.audit_text import MISSING, Sentence


def _recorded(values: Mapping[str, Any]) -> str:
    if values["ticket"] != MISSING:
        return gettext("Visit of ticket %(ticket)s recorded in the register (%(service)s)") % values
    return gettext("Walk-in visit recorded in the register (%(service)s)") % values


SENTENCES: dict[str, Sentence] = {"register.entry.recorded": _recorded}
