"""The sentences of core's audit actions (registered in `CoreConfig.ready()`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from weserve.core.audit_text import MISSING, Sentence


def _whose(values: Mapping[str, Any]) -> str:
    # Entries written before the user name was logged name the account by its number.
    if values["username"] != MISSING:
        return str(values["username"])
    return f"#{values['target']}"


def _password_changed(values: Mapping[str, Any]) -> str:
    return gettext("Password of %(user)s changed; %(tokens)s API token(s) revoked") % {
        "user": _whose(values),
        "tokens": values["tokens_revoked"],
    }


def _deactivated(values: Mapping[str, Any]) -> str:
    return gettext("Account %(user)s switched off; %(tokens)s API token(s) revoked") % {
        "user": _whose(values),
        "tokens": values["tokens_revoked"],
    }


def _reveal_denied(values: Mapping[str, Any]) -> str:
    reasons = {"office": _("another office's record"), "role": _("role not permitted")}
    reason = reasons.get(values["reason"], values["reason"])
    return gettext("Refused to show a MyKad number in full: %(record)s %(target)s (%(reason)s)") % {
        "record": values["record"],
        "target": values["target"],
        "reason": reason,
    }


SENTENCES: dict[str, Sentence] = {
    "core.user.password_changed": _password_changed,
    "core.user.deactivated": _deactivated,
    "core.token.issued": _("API token issued to %(actor)s"),
    "core.token.revoked": _("API token of %(actor)s revoked"),
    "core.personal.mykad_revealed": _("MyKad number shown in full: %(record)s %(target)s"),
    "core.personal.mykad_reveal_denied": _reveal_denied,
    "core.personal.mykad_lookup": _("Search by MyKad number: %(matches)s record(s) found"),
    "core.personal.viewed": _("Personal data opened: %(record)s %(target)s"),
    "core.personal.exported": _("Personal data exported: %(export)s, %(rows)s row(s)"),
    "core.record.disposed": _("%(record)s %(target)s disposed of: %(reason)s"),
    # Every addition and change made in the administration (core.admin.AuditedAdminMixin).
    "*.created": _("%(record)s %(target)s added in the administration"),
    "*.changed": _("%(record)s %(target)s changed in the administration"),
}
