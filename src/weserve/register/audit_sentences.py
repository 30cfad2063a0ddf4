"""The sentences of the customer register's audit actions, for the audit log page
(registered in `RegisterConfig.ready()` with `core.audit_text.register_sentences`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from weserve.core.audit_text import MISSING, Sentence


def _recorded(values: Mapping[str, Any]) -> str:
    if values["ticket"] != MISSING:
        return gettext("Visit of ticket %(ticket)s recorded in the register (%(service)s)") % values
    return gettext("Walk-in visit recorded in the register (%(service)s)") % values


def _referred(values: Mapping[str, Any]) -> str:
    if values["ticket"] not in (MISSING, None):
        return gettext("Ticket %(ticket)s referred to %(officer_name)s") % values
    return gettext("Walk-in customer referred to %(officer_name)s") % values


SENTENCES: dict[str, Sentence] = {
    "register.entry.recorded": _recorded,
    "register.referral.created": _referred,
    "register.referral.accepted": _("Referral accepted by %(officer_name)s"),
    "register.referral.closed": _("Referral closed by %(officer_name)s"),
}
