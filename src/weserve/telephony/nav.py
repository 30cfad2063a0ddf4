"""The telephone desk's menu entries: the operator console, and the messages inbox with
its live badge (messages waiting for a call-back)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from weserve.core.navigation import NavItem, register
from weserve.telephony.access import CONSOLE_ROLES, INBOX_ROLES, REPORT_ROLES, staff_of


def message_badge(request: HttpRequest) -> dict[str, Any]:
    """How many of this person's messages wait for a call-back, and where it refreshes."""
    from weserve.telephony.selectors import outstanding_count

    office = getattr(request, "office", None)
    return {
        "template": "telephony/_badge.html",
        "count": outstanding_count(staff_of(request.user)),
        "url": reverse("telephony_badge"),
        "live_path": f"/ws/offices/{office.code}/phone/" if office is not None else "",
    }


def register_menu() -> None:
    register(
        NavItem(label=_("Telephone"), url_name="telephony_console", roles=CONSOLE_ROLES, order=35)
    )
    register(
        NavItem(
            label=_("Telephone report"),
            url_name="telephony_report",
            roles=REPORT_ROLES,
            order=37,
        )
    )
    register(
        NavItem(
            label=_("Messages"),
            url_name="telephony_inbox",
            roles=INBOX_ROLES,
            order=36,
            badge=message_badge,
        )
    )
