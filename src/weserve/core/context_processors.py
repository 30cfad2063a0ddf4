"""What every page's shell needs: the current office, the switcher, the role-aware menu."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from weserve.core.navigation import menu_for
from weserve.core.roles import roles_of
from weserve.core.scoping import visible_offices


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"current_office": None}
    offices = list(visible_offices(user).order_by("code")[:200])
    return {
        "current_office": getattr(request, "office", None),
        "switchable_offices": offices if len(offices) > 1 else [],
        "user_roles": sorted(r.label for r in roles_of(user)),
        "nav_items": menu_for(request),
    }
