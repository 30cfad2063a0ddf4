"""Panels other apps show on the counter console while a customer is at the counter
(the customer register's entry form, later referrals), and links they offer on the
customer's own ticket page once the visit is complete (feedback's "rate our service").

An app registers its panel from its AppConfig.ready(), as menu entries are, so the queue
imports no app above it. The console draws an empty placeholder per panel that loads the
panel's own page (htmx) and is kept across the console's live refreshes (hx-preserve),
so a live event never wipes what the staff member is typing.
"""

from __future__ import annotations

from collections.abc import Callable
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


@dataclass(frozen=True)
class LiveSection:
    """A part of the supervisor's live view (/counter/live/) that an app above the queue
    draws, e.g. the register's referrals waiting too long for an officer. `context` gets
    the office and the moment of the view and returns the template's context; the section
    is drawn on every refresh of the view (live events, and every 30 s)."""

    name: str  # unique
    template: str
    context: Callable[[Any, Any], dict[str, Any]]


_live_sections: list[LiveSection] = []


def register_live_section(section: LiveSection) -> None:
    if all(existing.name != section.name for existing in _live_sections):
        _live_sections.append(section)


def live_sections(office: Any, now: Any) -> list[dict[str, Any]]:
    """The sections of the live view for this office now: `{"name", "template", ...}`."""
    return [
        {"name": section.name, "template": section.template, **section.context(office, now)}
        for section in _live_sections
    ]
