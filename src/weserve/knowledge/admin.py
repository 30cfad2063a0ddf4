"""The shelf in the admin: an office's administrator writes its articles (with their
sections), its directory of agencies and its emergency contacts. An article is approved
on the shelf's own page (knowledge_approve), which makes it the next version; changing
an approved article here returns it to draft until that edit is approved. Reading
acknowledgements are read-only. Every list shows only the offices the administrator may
see."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from weserve.core.admin_mixins import ReadOnlyAdminMixin
from weserve.core.scoping import for_user
from weserve.knowledge import services
from weserve.knowledge.models import (
    Acknowledgement,
    Agency,
    Article,
    ArticleSection,
    EmergencyContact,
    Status,
)
from weserve.organisation.admin import OfficeScopedAdmin, PartOfParentInline


class ArticleSectionInline(PartOfParentInline):
    model = ArticleSection
    extra = 0
    fields = ("order", "heading_ms", "heading_en", "body_ms", "body_en")


@admin.register(Article)
class ArticleAdmin(OfficeScopedAdmin):
    list_display = ("title_ms", "kind", "office", "status", "version", "review_due", "owner")
    list_filter = ("kind", "status", ("office", admin.RelatedOnlyFieldListFilter))
    search_fields = ("title_ms", "title_en")
    list_select_related = ("office", "owner")
    inlines = (ArticleSectionInline,)
    readonly_fields = ("status", "version", "approved_at", "approved_by", "approve_link")
    fields = (
        "office",
        "kind",
        "service",
        "title_ms",
        "title_en",
        "summary_ms",
        "summary_en",
        "owner",
        "file",
        "status",
        "version",
        "review_due",
        "approved_at",
        "approved_by",
        "approve_link",
    )

    @admin.display(description=_("approval"))
    def approve_link(self, obj: Article) -> str:
        if obj.pk is None or obj.status != Status.DRAFT:
            return ""
        return format_html(
            '<a href="{}">{}</a>',
            reverse("knowledge_approve", args=[obj.pk]),
            _("Approve this draft as the next version"),
        )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("owner", request.user.pk)
        return initial

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        edited = form.has_changed() or any(f.has_changed() for f in formsets)
        if change and edited and form.instance.status == Status.APPROVED:
            services.return_to_draft(form.instance, acting_user=request.user)


@admin.register(Agency)
class AgencyAdmin(OfficeScopedAdmin):
    list_display = ("agency", "service_ms", "phone", "office", "is_active")
    list_filter = ("is_active", ("office", admin.RelatedOnlyFieldListFilter))
    search_fields = ("agency", "service_ms", "service_en")
    list_select_related = ("office",)


@admin.register(EmergencyContact)
class EmergencyContactAdmin(OfficeScopedAdmin):
    list_display = ("name_ms", "phone", "office", "order", "is_active")
    list_filter = ("is_active", ("office", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name_ms", "name_en", "phone")
    list_select_related = ("office",)


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("acknowledged_at", "article", "version", "user", "office")
    list_filter = (("office", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("article", "user", "office")

    def get_queryset(self, request: HttpRequest) -> Any:
        return for_user(super().get_queryset(request), request.user)
