"""Admin mixins that keep operational records from being deleted or rewritten.

Records are never hard-deleted by the application: retention and disposal follow an
approved schedule and go through `weserve.core.disposal.dispose`, which keeps the row,
records who disposed of it and why, and writes an audit entry. The Django admin must
not offer a shortcut around that.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse


class NotFoundAdminMixin:
    """Another office's record answers 404, as everywhere else in WeServe.

    Django's admin redirects to its index with a "doesn't exist" message instead, which
    hides nothing but answers differently from every other page and endpoint.
    """

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> HttpResponse:
        raise Http404


class NoDeleteAdminMixin(NotFoundAdminMixin):
    """No delete permission and no "delete selected" bulk action, even for superusers."""

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions: dict[str, Any] = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions


class ReadOnlyAdminMixin(NoDeleteAdminMixin):
    """Operational records (tickets, calls, audit entries) are viewed, never edited here."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
