"""Queue records in the admin: read-only (every change goes through a service with its
audit entry), and only those of the offices the administrator may see."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from weserve.core.admin_mixins import ReadOnlyAdminMixin
from weserve.core.scoping import for_user
from weserve.queueing.models import Announcement, ClientCharter, CounterSession, Ticket


class OfficeReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    office_field = "office"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return for_user(super().get_queryset(request), request.user, self.office_field)


@admin.register(Ticket)
class TicketAdmin(OfficeReadOnlyAdmin):
    list_display = (
        "number",
        "day",
        "office",
        "service",
        "priority",
        "status",
        "counter",
        "issued_at",
        "called_at",
        "completed_at",
    )
    list_filter = ("status", "priority", "day")
    search_fields = ("number",)
    date_hierarchy = "issued_at"
    list_select_related = ("office", "service", "counter")
    exclude = ("public_id",)  # opens the customer's mobile page: not shown to anyone


@admin.register(CounterSession)
class CounterSessionAdmin(OfficeReadOnlyAdmin):
    office_field = "counter__office"
    list_display = ("counter", "user", "opened_at", "paused_at", "closed_at")
    date_hierarchy = "opened_at"
    list_select_related = ("counter", "user")


@admin.register(ClientCharter)
class ClientCharterAdmin(OfficeReadOnlyAdmin):
    list_display = ("office",)


@admin.register(Announcement)
class AnnouncementAdmin(OfficeReadOnlyAdmin):
    list_display = ("office", "text_ms", "active_from", "active_until")
