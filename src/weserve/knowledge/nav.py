"""The shelf's menu entry: every member of staff reads the reference shelf."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from weserve.core.navigation import NavItem, register
from weserve.knowledge.access import SHELF_ROLES


def register_menu() -> None:
    """Put the shelf in the shell's menu (called once from the app's ready)."""
    register(
        NavItem(label=_("Reference shelf"), url_name="knowledge_shelf", roles=SHELF_ROLES, order=40)
    )
