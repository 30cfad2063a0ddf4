"""QR codes for ticket slips and the mobile page: segno, rendered as inline SVG.

Inline SVG needs no image request and no data: URL, prints sharply on a thermal printer
at any resolution, and the page's Content-Security-Policy allows it.
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from weserve.queueing.models import Ticket


def ticket_url(ticket: Ticket) -> str:
    """The public address of a ticket's mobile page, as printed on the slip."""
    return settings.PUBLIC_URL + reverse("ticket_status", args=[ticket.public_id])


def qr_svg(data: str, *, label: str, css_class: str = "qr-code", scale: int = 4) -> SafeString:
    """An accessible inline <svg> QR code for `data`; `label` names it for screen readers.

    Error correction M survives a crease or a smudge on a paper slip; the four-module
    quiet zone is what phone scanners expect around a code.
    """
    code = segno.make(data, error="m", micro=False)
    # segno writes the markup itself from module coordinates: nothing of `data` is in it.
    svg = code.svg_inline(
        scale=scale,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass="block h-auto w-full",
    )
    return format_html(
        '<span class="{}" role="img" aria-label="{}" data-qr-url="{}">{}</span>',
        css_class,
        label,
        data,
        mark_safe(svg),  # noqa: S308 - segno's own output, no user input in it
    )
