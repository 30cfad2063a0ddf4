"""The Django admin: who reaches it, the audit log (read-only), role groups.

Only active staff accounts that hold the Administrator (Pentadbir) role, and superusers,
reach /admin/. An administrator sees the records of the offices `visible_office_ids`
gives them; an administrator at HQ (the root of the office tree) and a superuser see
every office. Nothing is deleted through the admin (see `admin_mixins`), and every
addition or change made there is written to the audit log as well as to Django's own
admin history.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any, TypeVar, cast

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponseBase

from weserve.core.admin_mixins import NoDeleteAdminMixin, ReadOnlyAdminMixin
from weserve.core.audit import log_action
from weserve.core.models import AuditLog
from weserve.core.roles import Role, has_role
from weserve.core.scoping import home_office_ids, office_model, visible_office_ids


def admin_site_permission(request: HttpRequest) -> bool:
    """Administrators and superusers only; `is_staff` alone is not enough."""
    user = request.user
    return bool(
        user.is_active and user.is_staff and (user.is_superuser or has_role(user, Role.ADMIN))
    )


# The default site stays Django's own (other apps register on it); only its door changes.
admin.site.has_permission = admin_site_permission  # type: ignore[method-assign]
_django_admin_view = admin.site.admin_view
_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


def _admin_view(view: _View, cacheable: bool = False) -> _View:
    """A signed-in person without the administrator role gets 403, as on every other page;
    Django's admin would send them to its own sign-in form instead."""
    inner = _django_admin_view(view, cacheable)

    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not admin.site.has_permission(request):
            raise PermissionDenied
        return inner(request, *args, **kwargs)

    # guarded takes what the view takes and hands it on, so it stands for the view.
    return cast(_View, update_wrapper(guarded, inner))


admin.site.admin_view = _admin_view  # type: ignore[method-assign]


def sees_all_offices(user: Any) -> bool:
    """Superusers, and administrators whose office is the top of the tree (HQ)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    if not has_role(user, Role.ADMIN):
        return False
    cached: bool | None = getattr(user, "_weserve_sees_all", None)
    if cached is None:
        cached = (
            office_model()
            ._default_manager.filter(pk__in=home_office_ids(user), parent__isnull=True)
            .exists()
        )
        user._weserve_sees_all = cached
    return cached


class AuditedAdminMixin:
    """Write each admin addition and change to WeServe's audit log too."""

    def audit_office(self, obj: Model) -> Any:
        return getattr(obj, "office", None)

    def _audit(self, request: HttpRequest, obj: Model, verb: str, message: Any) -> None:
        # The admin's change message is a JSON-ready list of the fields touched.
        log_action(
            f"{obj._meta.app_label}.{obj._meta.model_name}.{verb}",
            user=request.user,
            office=self.audit_office(obj),
            target=obj,
            data={"admin": message} if message else {},
            ip=request.META.get("REMOTE_ADDR"),
        )

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        self._audit(request, obj, "created", message)
        return super().log_addition(request, obj, message)  # type: ignore[misc]

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        self._audit(request, obj, "changed", message)
        return super().log_change(request, obj, message)  # type: ignore[misc]


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "action", "actor", "office_code", "target_type", "target_id", "ip")
    list_filter = ("action",)
    search_fields = ("action", "actor", "office_code", "target_id")
    date_hierarchy = "at"
    list_select_related = ("user",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditLog]:
        queryset = super().get_queryset(request)
        if sees_all_offices(request.user):
            return queryset
        # Entries that belong to no office (sign-ins, tokens) are HQ's business.
        return queryset.filter(office_id__in=visible_office_ids(request.user))


# Django's auth admin registers the Group admin; it is replaced with one that cannot
# delete a role group (the groups are kept in step with the code after every migrate).
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(NoDeleteAdminMixin, auth_admin.GroupAdmin):
    pass
