"""Panels other apps show on the counter console while a customer is at the counter
(the customer register's entry form, later referrals), and links they offer on the
customer's own ticket page once the visit is complete (feedback's "rate our service").

An app registers its panel from its AppConfig.ready(), as menu entries are, so the queue
imports no app above it. The console draws an empty placeholder per panel that loads the
panel's own page (htmx) and is kept across the console's live refreshes (hx-preserve),
so a live event never wipes what the staff member is typing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise

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


@dataclass(frozen=True)
class TicketLink:
    """A link the mobile ticket page shows when the visit is complete, and the line the
    printed slip carries about it (the slip's QR code opens that page)."""

    name: str  # unique
    url_name: str  # reversed with the ticket's public id
    label: str | Promise
    slip_hint: str | Promise = ""


_links: list[TicketLink] = []


def register_ticket_link(link: TicketLink) -> None:
    if all(existing.name != link.name for existing in _links):
        _links.append(link)


def ticket_links(ticket: Any) -> list[dict[str, str]]:
    """The links of the ticket's page, in the current language: `{"name", "url", "label"}`."""
    return [
        {
            "name": link.name,
            "url": reverse(link.url_name, args=[ticket.public_id]),
            "label": str(link.label),
        }
        for link in _links
    ]


def slip_hints() -> list[str]:
    """The lines a slip prints about those links, in the current language."""
    return [str(link.slip_hint) for link in _links if link.slip_hint]
