"""The sentences of the queue's audit actions, for the audit log page (registered in
`QueueingConfig.ready()` with `core.audit_text.register_sentences`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from weserve.core.audit_text import MISSING, Sentence
from weserve.queueing.models import ISSUED_ACTION, Priority


def _issued(values: Mapping[str, Any]) -> str:
    text = gettext("Ticket %(number)s issued for service %(service)s") % values
    priority = values["priority"]
    if priority not in (MISSING, Priority.NONE) and priority in Priority.values:
        text += f" ({Priority(priority).label})"
    return text


def _transferred(values: Mapping[str, Any]) -> str:
    if values["to_counter"] != MISSING:
        text = _(
            "Ticket %(number)s transferred from counter %(from_counter)s to counter %(to_counter)s"
        )
    else:
        text = _(
            "Ticket %(number)s transferred from service %(from_service)s to service %(to_service)s"
        )
    return str(text) % values


def _completed(values: Mapping[str, Any]) -> str:
    if values["outcome"] != MISSING:
        return gettext("Ticket %(number)s completed: %(outcome)s") % values
    return gettext("Ticket %(number)s completed") % values


def _counter(with_number: Any, without_number: Any) -> Any:
    # Entries written before the counter's number was logged name no counter.
    def sentence(values: Mapping[str, Any]) -> str:
        if values["counter"] != MISSING:
            return str(with_number) % values
        return str(without_number) % values

    return sentence


SENTENCES: dict[str, Sentence] = {
    ISSUED_ACTION: _issued,
    "queueing.ticket.called": _("Ticket %(number)s called to counter %(counter)s"),
    "queueing.ticket.recalled": _("Ticket %(number)s called again (recall %(recalls)s)"),
    "queueing.ticket.started": _("Service of ticket %(number)s started"),
    "queueing.ticket.no_show": _("Ticket %(number)s marked as not present"),
    "queueing.ticket.reinstated": _("Ticket %(number)s returned to the queue"),
    "queueing.ticket.transferred": _transferred,
    "queueing.ticket.completed": _completed,
    "queueing.ticket.cancelled": _("Ticket %(number)s cancelled"),
    "queueing.counter.opened": _counter(_("Counter %(counter)s opened"), _("A counter opened")),
    "queueing.counter.paused": _counter(
        _("Counter %(counter)s paused: %(reason)s"), _("A counter paused: %(reason)s")
    ),
    "queueing.counter.resumed": _counter(_("Counter %(counter)s resumed"), _("A counter resumed")),
    "queueing.counter.closed": _counter(_("Counter %(counter)s closed"), _("A counter closed")),
    "queueing.charter.saved": _("Client charter saved"),
    "queueing.announcement.created": _("Announcement added: %(text_ms)s"),
    "queueing.announcement.updated": _("Announcement changed"),
    "queueing.announcement.deleted": _("Announcement removed: %(text_ms)s"),
}
