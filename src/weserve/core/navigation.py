"""The role-aware menu. Apps register their entries here; the shell shows what fits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise

from weserve.core.roles import Role, has_role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: tuple[Role, ...] = ()  # empty: every signed-in person
    order: int = 100
    visible: Callable[[HttpRequest], bool] | None = None
    # A badge beside the entry (e.g. referrals waiting): a callable giving the context
    # of a template of the app's, `{"template": ..., ...}`, or None for no badge.
    badge: Callable[[HttpRequest], dict[str, Any] | None] | None = None


_items: list[NavItem] = []


def register(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in _items):
        _items.append(item)


def menu_for(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    entries: list[dict[str, Any]] = []
    for item in sorted(_items, key=lambda i: i.order):
        if item.roles and not has_role(user, *item.roles):
            continue
        if item.visible is not None and not item.visible(request):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        badge = item.badge(request) if item.badge is not None else None
        entries.append({"label": item.label, "url": url, "active": False, "badge": badge})
    # The current entry is the one whose address is the longest prefix of the page's, so
    # /counter/live/ marks "Live view" and not "Counter" as well.
    matches = [
        e
        for e in entries
        if request.path == e["url"] or (e["url"] != "/" and request.path.startswith(e["url"]))
    ]
    if matches:
        max(matches, key=lambda e: len(e["url"]))["active"] = True
    return entries
