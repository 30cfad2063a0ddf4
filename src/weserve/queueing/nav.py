"""The queue's menu entries: the counter console and the supervisor's live view."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weserve.core.navigation import NavItem, register
from weserve.core.roles import Role


def register_menu() -> None:
    """Put the queue pages in the shell's menu (called once from the app's ready)."""
    register(
        NavItem(
            label=_("Counter"),
            url_name="counter_console",
            roles=(Role.COUNTER_STAFF, Role.SUPERVISOR),
            order=10,
        )
    )
    register(
        NavItem(
            label=_("Live view"),
            url_name="counter_live",
            roles=(Role.SUPERVISOR,),
            order=11,
        )
    )
