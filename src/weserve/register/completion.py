"""Completing a ticket whose customer is not in the register: the console asks, and an
office that requires an entry refuses (registered with queueing/completion.py)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from weserve.queueing.completion import Missing
from weserve.register.models import RegisterEntry


def missing_register_entry(ticket: Any) -> Missing | None:
    if RegisterEntry.objects.filter(ticket_id=ticket.pk).exists():
        return None
    if ticket.office.register_entry_required:
        return Missing(
            code="register_entry_required",
            message=_(
                "Ticket {number} is not in the customer register. This office requires a "
                "register entry before a ticket is completed."
            ).format(number=ticket.number),
            required=True,
        )
    return Missing(
        code="register_entry_missing",
        message=_("Ticket {number} is not in the customer register yet.").format(
            number=ticket.number
        ),
        required=False,
    )
