"""Panels other apps show on the counter console while a customer is at the counter
(the customer register's entry form, later referrals).

An app registers its panel from its AppConfig.ready(), as menu entries are, so the queue
imports no app above it. The console draws an empty placeholder per panel that loads the
panel's own page (htmx) and is kept across the console's live refreshes (hx-preserve),
so a live event never wipes what the staff member is typing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from weserve.core.roles import Role, has_role


@dataclass(frozen=True)
class TicketPanel:
    name: str  # unique; part of the placeholder's element id
    url_name: str  # reversed with the ticket's public id
    roles: tuple[Role, ...] = ()  # empty: everyone who works the counter


_panels: list[TicketPanel] = []


def register_ticket_panel(panel: TicketPanel) -> None:
    if all(existing.name != panel.name for existing in _panels):
        _panels.append(panel)


def ticket_panels(user: Any, ticket: Any) -> list[dict[str, str]]:
    """The panels this person sees for the ticket at their counter: `{"id", "url"}`."""
    return [
        {
            "id": f"panel-{panel.name}-{ticket.pk}",
            "url": reverse(panel.url_name, args=[ticket.public_id]),
        }
        for panel in _panels
        if not panel.roles or has_role(user, *panel.roles)
    ]
