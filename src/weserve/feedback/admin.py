"""Ratings in the admin: read-only (every rating is written by a service with its audit
entry), only of the offices the administrator may see."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from weserve.core.admin_mixins import ReadOnlyAdminMixin
from weserve.core.scoping import for_user
from weserve.feedback.models import Rating, RatingReason


class RatingReasonInline(admin.TabularInline):
    model = RatingReason
    extra = 0
    can_delete = False
    fields = ("reason",)
    readonly_fields = ("reason",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "office", "counter", "ticket", "score", "channel", "served_by")
    list_filter = ("day", "score", "channel")
    date_hierarchy = "created_at"
    list_select_related = ("office", "counter", "ticket", "served_by")
    inlines = (RatingReasonInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return for_user(super().get_queryset(request), request.user)
