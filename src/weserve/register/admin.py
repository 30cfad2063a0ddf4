"""The register in the admin: the office's catalogue of JKM forms is kept here; register
entries are read-only (every entry is written by a service with its audit entry). Both
show only the offices the administrator may see; a MyKad number is shown masked."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from weserve.core.admin_mixins import ReadOnlyAdminMixin
from weserve.core.scoping import for_user
from weserve.organisation.admin import OfficeScopedAdmin
from weserve.register.models import FormHandedOver, JkmForm, Referral, RegisterEntry


class JkmFormForm(forms.ModelForm):
    class Meta:
        model = JkmForm
        fields = ("office", "code", "title", "language", "is_active")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The office is read-only once saved, so the model form's own unique check on
        # (office, code) skips it; check here rather than fail on the constraint.
        office = cleaned.get("office") or getattr(self.instance, "office", None)
        code = cleaned.get("code")
        if office is not None and code:
            taken = JkmForm.objects.filter(office=office, code=code).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("code", _("This office already has a form with this code."))
        return cleaned


@admin.register(JkmForm)
class JkmFormAdmin(OfficeScopedAdmin):
    form = JkmFormForm
    list_display = ("code", "title", "language", "is_active", "office")
    list_filter = ("is_active", "language", ("office", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "title")
    list_select_related = ("office",)


class FormHandedOverInline(admin.TabularInline):
    model = FormHandedOver
    extra = 0
    can_delete = False
    fields = ("form", "quantity")
    readonly_fields = ("form", "quantity")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RegisterEntry)
class RegisterEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "served_at",
        "office",
        "ticket",
        "name",
        "masked_mykad",
        "service",
        "category",
        "action",
        "served_by",
    )
    list_filter = ("day", "category", "action")
    date_hierarchy = "served_at"
    list_select_related = ("office", "ticket", "service", "served_by")
    inlines = (FormHandedOverInline,)
    # The MyKad number itself is never shown here: only its masked form.
    exclude = ("mykad", "mykad_hash")
    readonly_fields = ("masked_mykad",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return for_user(super().get_queryset(request), request.user)

    @admin.display(description=_("MyKad number"))
    def masked_mykad(self, obj: RegisterEntry) -> str:
        return obj.mykad.masked if obj.mykad else ""


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Referrals are read here; officers act on them in their inbox (each change is a
    service with its audit entry)."""

    list_display = ("created_at", "office", "entry", "officer", "status", "accept_by")
    list_filter = ("status",)
    date_hierarchy = "created_at"
    list_select_related = ("office", "entry", "officer")
    fields = (
        "office",
        "entry",
        "officer",
        "referred_by",
        "note",
        "status",
        "created_at",
        "accept_by",
        "accepted_at",
        "closed_at",
        "outcome",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return for_user(super().get_queryset(request), request.user)
