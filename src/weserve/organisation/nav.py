"""The organisation app's menu entries: the home page and, for administrators, the admin."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weserve.core.navigation import NavItem, register
from weserve.core.roles import Role


def register_menu() -> None:
    """Put the organisation pages in the shell's menu (called once from the app's ready)."""
    register(NavItem(label=_("Home"), url_name="home", order=0))
    register(
        NavItem(
            label=_("Administration"),
            url_name="admin:index",
            roles=(Role.ADMIN,),
            order=1000,
        )
    )
