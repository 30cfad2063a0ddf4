"""The register's menu entry: the referrals inbox, with its live badge."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from weserve.core import clock
from weserve.core.navigation import NavItem, register
from weserve.register.access import READ_ROLES, RECORD_ROLES, REFERRAL_OFFICER_ROLES


def referral_badge(request: HttpRequest) -> dict[str, Any]:
    """The badge's context: how many referrals need this person, and where it refreshes."""
    from weserve.register.selectors import attention_count

    office = getattr(request, "office", None)
    return {
        "template": "register/nav_badge.html",
        "count": attention_count(request.user, clock.now()),
        "url": reverse("referral_badge"),
        "live_path": f"/ws/offices/{office.code}/referrals/" if office is not None else "",
    }


def register_menu() -> None:
    register(
        NavItem(label=_("Customer register"), url_name="register_home", roles=READ_ROLES, order=28)
    )
    register(
        NavItem(
            label=_("Walk-in customer"), url_name="register_walk_in", roles=RECORD_ROLES, order=29
        )
    )
    register(
        NavItem(
            label=_("Referrals"),
            url_name="referral_inbox",
            roles=REFERRAL_OFFICER_ROLES,
            order=30,
            badge=referral_badge,
        )
    )
