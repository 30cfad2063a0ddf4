"""The telephone desk in the admin: each office's telephone settings are kept here; calls,
the exchange's events and messages are read-only (each is written by a service with its
audit entry). All show only the offices the administrator may see. Callers' numbers and
names are not shown here: the console and the inbox show them to the people they concern."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from weserve.core.admin_mixins import ReadOnlyAdminMixin
from weserve.core.scoping import for_user
from weserve.organisation.admin import OfficeScopedAdmin
from weserve.telephony.models import Call, CallEvent, HoldUpdate, Message, TelephonySettings


@admin.register(TelephonySettings)
class TelephonySettingsAdmin(OfficeScopedAdmin):
    list_display = ("office", "transfer_timeout_seconds")
    list_select_related = ("office",)


class HoldUpdateInline(admin.TabularInline):
    model = HoldUpdate
    extra = 0
    can_delete = False
    fields = ("at", "by", "note")
    readonly_fields = ("at", "by", "note")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "ring_at",
        "office",
        "call_id",
        "direction",
        "status",
        "outcome",
        "times_from_exchange",
        "operator",
        "transfer_to",
    )
    list_filter = ("status", "outcome", "direction", "times_from_exchange")
    date_hierarchy = "ring_at"
    list_select_related = ("office", "operator", "transfer_to")
    search_fields = ("call_id",)
    inlines = (HoldUpdateInline,)
    exclude = ("caller_number", "caller_name")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return for_user(super().get_queryset(request), request.user)


@admin.register(CallEvent)
class CallEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "office", "event_id", "kind", "call_ref", "extension", "result")
    list_filter = ("kind", "result")
    date_hierarchy = "at"
    list_select_related = ("office",)
    search_fields = ("event_id", "call_ref")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return for_user(super().get_queryset(request), request.user)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "taken_at",
        "office",
        "officer",
        "urgency",
        "call_back_due",
        "called_back_at",
        "call_back_outcome",
        "escalated_at",
    )
    list_filter = ("urgency", "call_back_outcome")
    date_hierarchy = "taken_at"
    list_select_related = ("office", "officer")
    exclude = ("caller_name", "caller_number", "purpose", "call_back_note")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return for_user(super().get_queryset(request), request.user)
