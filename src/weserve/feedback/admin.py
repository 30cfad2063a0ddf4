"""Ratings in the admin: read-only (every rating is written by a service with its audit
entry), only of the offices the administrator may see."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from weserve.core.admin_mixins import ReadOnlyAdminMixin
from weserve.core.scoping import for_user
from weserve.feedback.models import Rating


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "office", "counter", "ticket", "score", "channel", "served_by")
    list_filter = ("day", "score", "channel")
    date_hierarchy = "created_at"
    list_select_related = ("office", "counter", "ticket", "served_by")
    readonly_fields = ("reason_chips",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return for_user(super().get_queryset(request), request.user).prefetch_related("reasons")

    @admin.display(description=_("reasons"))
    def reason_chips(self, obj: Rating) -> str:
        return ", ".join(str(r.get_reason_display()) for r in obj.reasons.all())


# --- Complaints: the office's deadlines are set here; complaints are only viewed -------

from weserve.feedback.complaint_models import Complaint, ComplaintSettings  # noqa: E402
from weserve.organisation.admin import OfficeScopedAdmin  # noqa: E402


@admin.register(ComplaintSettings)
class ComplaintSettingsAdmin(OfficeScopedAdmin):
    list_display = ("office", "acknowledge_days", "reply_days", "resolve_days")
    list_select_related = ("office",)


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The complainant's contact is shown on the audited complaint file, not here."""

    list_display = ("reference", "office", "received_at", "category", "channel", "state")
    list_filter = ("state", "category", "channel")
    date_hierarchy = "received_at"
    list_select_related = ("office",)
    search_fields = ("reference",)
    exclude = ("phone", "email", "name", "access_code_hash", "submission_key")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return for_user(super().get_queryset(request), request.user)


# The items of each office's Customer Satisfaction Form (the office configures them here;
# the six defaults are made on first use). Items already answered are kept: untick
# "asked" to stop asking one.
from weserve.feedback.satisfaction_models import SatisfactionItem  # noqa: E402


@admin.register(SatisfactionItem)
class SatisfactionItemAdmin(admin.ModelAdmin):
    list_display = ("office", "order", "code", "label_ms", "label_en", "is_active")
    list_filter = ("is_active",)
    list_editable = ("order", "is_active")
    list_select_related = ("office",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return for_user(super().get_queryset(request), request.user)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # answers refer to items: stop asking one instead
