"""The configuration admin for administrators (Pentadbir), scoped to their offices.

An administrator of a district office sees and edits that office's records only: its
sections, staff, counters, devices, hours and holidays, and the accounts of its people.
Administrators at HQ and superusers see every office, and only they may create offices
and edit the service catalogue, which every office shares. A record of another office
is never listed, and opening it by its address lands on the admin index as an unknown
record. Choices of an office (or of a record of one) offer only offices one may see.
Nothing is deleted here; devices are created and paired elsewhere and can only be
looked at and revoked.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from weserve.core.accounts import acting
from weserve.core.admin import AuditedAdminMixin, sees_all_offices
from weserve.core.admin_mixins import NamedInputsAdminMixin, NoDeleteAdminMixin
from weserve.core.models import User
from weserve.core.net import client_ip
from weserve.core.roles import Role
from weserve.core.scoping import for_user, visible_office_ids, visible_offices
from weserve.organisation.devices import revoke_device
from weserve.organisation.forms import (
    BaseCounterServiceFormSet,
    CounterForm,
    CounterServiceForm,
    OfficeForm,
    OfficeHolidayForm,
    OpeningHoursForm,
    SectionForm,
    ServiceForm,
    StaffMemberForm,
)
from weserve.organisation.models import (
    Counter,
    CounterService,
    Device,
    Office,
    OfficeHoliday,
    OpeningHours,
    Section,
    Service,
    StaffMember,
    services_in_order,
)


class ScopedChoicesMixin:
    """Offer only offices, sections and counters of offices the person may see."""

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        scoped = _scoped_choices(db_field.related_model, request)
        if scoped is not None:
            kwargs["queryset"] = scoped
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        scoped = _scoped_choices(db_field.related_model, request)
        if scoped is not None:
            kwargs["queryset"] = scoped
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


def _scoped_choices(model: type[Model], request: HttpRequest) -> QuerySet | None:
    if model is Office:
        return visible_offices(request.user)
    if model is Section:
        return for_user(Section.objects.select_related("office"), request.user)
    if model is Counter:
        return for_user(Counter.objects.select_related("office"), request.user)
    return None


class OfficeScopedAdmin(
    AuditedAdminMixin,
    NoDeleteAdminMixin,
    NamedInputsAdminMixin,
    ScopedChoicesMixin,
    admin.ModelAdmin,
):
    """A model admin whose records belong to one office, named by `office_field`."""

    office_field = "office"
    # Moving a record to another office would rewrite its history; it is set once.
    readonly_on_change: tuple[str, ...] = ("office",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return for_user(super().get_queryset(request), request.user, self.office_field)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += tuple(f for f in self.readonly_on_change if f not in fields)
        return fields

    def audit_office(self, obj: Model) -> Any:
        return getattr(obj, self.office_field, None)


class PartOfParentInline(NamedInputsAdminMixin, admin.TabularInline):
    """Rows that are part of the record they are shown in (an office's hours and holiday
    overrides, a counter's services): whoever may change that record may add, change and
    remove them. The record itself is never deleted, and a removal is audited with the
    record's change (the admin's change message names what was deleted)."""

    def _parent_perm(self, request: HttpRequest, verb: str) -> bool:
        opts = self.parent_model._meta
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename(verb, opts)}")

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._parent_perm(request, "view") or self._parent_perm(request, "change")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._parent_perm(request, "change" if obj is not None else "add")

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._parent_perm(request, "change" if obj is not None else "add")

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return obj is not None and self._parent_perm(request, "change")


class OpeningHoursInline(PartOfParentInline):
    model = OpeningHours
    form = OpeningHoursForm
    extra = 0


class OfficeHolidayInline(PartOfParentInline):
    model = OfficeHoliday
    form = OfficeHolidayForm
    extra = 0


@admin.register(Office)
class OfficeAdmin(
    AuditedAdminMixin,
    NoDeleteAdminMixin,
    NamedInputsAdminMixin,
    ScopedChoicesMixin,
    admin.ModelAdmin,
):
    form = OfficeForm
    inlines = [OpeningHoursInline, OfficeHolidayInline]
    list_display = ("code", "name_ms", "kind", "parent", "state", "follows_state_calendar")
    list_filter = ("kind", "state", "is_active")
    search_fields = ("code", "name_ms", "name_en")
    list_select_related = ("parent",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Office]:
        return super().get_queryset(request).filter(pk__in=visible_office_ids(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A new office would fall outside a district administrator's own scope.
        return super().has_add_permission(request) and sees_all_offices(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Office | None = None) -> Any:
        if obj is not None and not sees_all_offices(request.user):
            # Where an office sits in the tree decides who sees it: only HQ moves it.
            return ("code", "kind", "parent")
        return ()

    def audit_office(self, obj: Model) -> Any:
        return obj


@admin.register(Section)
class SectionAdmin(OfficeScopedAdmin):
    form = SectionForm
    list_display = ("code", "name_ms", "name_en", "office")
    list_filter = (("office", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("code", "name_ms", "name_en")
    list_select_related = ("office",)


@admin.register(StaffMember)
class StaffMemberAdmin(OfficeScopedAdmin):
    form = StaffMemberForm
    office_field = "home_office"
    readonly_on_change = ("user",)
    list_display = ("name", "position", "section", "home_office", "extension", "presence")
    list_filter = (
        ("home_office", admin.RelatedOnlyFieldListFilter),
        "presence",
        "is_active",
    )
    search_fields = ("name", "position", "extension")
    list_select_related = ("section", "home_office")
    filter_horizontal = ("services",)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if not sees_all_offices(request.user):
            # Accounts are linked when they are created (Users); other offices are granted
            # by HQ, since a district administrator could only offer their own.
            fields += tuple(f for f in ("user", "offices") if f not in fields)
        return fields

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "user":
            accounts = User.objects.filter(staff__isnull=True)
            if not request.user.is_superuser:
                accounts = accounts.filter(is_superuser=False)
            kwargs["queryset"] = accounts
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Service)
class ServiceAdmin(
    AuditedAdminMixin,
    NoDeleteAdminMixin,
    NamedInputsAdminMixin,
    ScopedChoicesMixin,
    admin.ModelAdmin,
):
    """The catalogue every office shares: HQ edits it, office administrators read it."""

    form = ServiceForm
    list_display = ("prefix", "code", "name_ms", "name_en", "typical_minutes", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "prefix", "name_ms", "name_en")
    filter_horizontal = ("offices",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and sees_all_offices(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_change_permission(request, obj) and sees_all_offices(request.user)

    def audit_office(self, obj: Model) -> Any:
        return None


class CounterServiceInline(PartOfParentInline):
    """The services of a counter with their order: part of the counter."""

    model = CounterService
    form = CounterServiceForm
    formset = BaseCounterServiceFormSet
    extra = 1
    verbose_name = _("service")
    verbose_name_plural = _("services, in the order the counter calls them")

    def get_formset(self, request: HttpRequest, obj: Counter | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:
            # The office's services, and any it no longer offers that the counter still
            # has (so they show, and the formset says to remove them).
            formset.form.base_fields["service"].queryset = Service.objects.filter(
                Q(offices=obj.office) | Q(counter_links__counter=obj)
            ).distinct()
        return formset


@admin.register(Counter)
class CounterAdmin(OfficeScopedAdmin):
    form = CounterForm
    inlines = [CounterServiceInline]
    list_display = ("__str__", "name", "office", "kind", "service_prefixes", "is_active")
    list_filter = (("office", admin.RelatedOnlyFieldListFilter), "kind", "is_active")
    search_fields = ("name",)
    list_select_related = ("office",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Counter]:
        return super().get_queryset(request).prefetch_related(services_in_order())

    @admin.display(description=_("services, in the order called"))
    def service_prefixes(self, obj: Counter) -> str:
        # "A H › F › K": A and H are called first, then F, then K.
        tiers: dict[int, list[str]] = {}
        for link in obj.service_links.all():
            tiers.setdefault(link.rank, []).append(link.service.prefix)
        return " › ".join(" ".join(prefixes) for _rank, prefixes in sorted(tiers.items()))


@admin.register(Device)
class DeviceAdmin(OfficeScopedAdmin):
    """Look and revoke only: devices are created and paired on the office's device page."""

    exclude = ("token_hash",)
    list_display = ("name", "kind", "office", "counter", "status", "last_seen_at", "created_at")
    list_filter = (("office", admin.RelatedOnlyFieldListFilter), "kind")
    search_fields = ("name",)
    list_select_related = ("office", "counter")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # The list needs it for the revoke action; a device's own page is read-only.
        if obj is not None:
            return False
        return super().has_change_permission(request)

    @admin.display(description=_("status"))
    def status(self, obj: Device) -> str:
        if obj.revoked_at is not None:
            return str(_("Revoked"))
        if obj.token_hash:
            return str(_("Active"))
        return str(_("Not paired"))

    @admin.action(description=_("Revoke the selected devices"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        live = queryset.filter(revoked_at__isnull=True).select_related("office")
        count = sum(revoke_device(device, acting_user=request.user) for device in live)
        self.message_user(
            request,
            ngettext("{count} device revoked.", "{count} devices revoked.", count).format(
                count=count
            ),
        )


class AccountCreationForm(AdminUserCreationForm):
    """A new sign-in account and its staff directory entry, in one step."""

    # Set per request by UserAdmin.get_form: the offices the administrator may see.
    office_choices: QuerySet[Office] | None = None

    home_office = forms.ModelChoiceField(
        label=_("home office"), queryset=Office.objects.none(), required=True
    )
    position = forms.CharField(label=_("position"), max_length=200, required=False)

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "last_name")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if "home_office" in self.fields and self.office_choices is not None:
            self.fields["home_office"].queryset = self.office_choices


class AccountChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class UserAdmin(AuditedAdminMixin, NoDeleteAdminMixin, NamedInputsAdminMixin, DjangoUserAdmin):
    """Sign-in accounts; an office administrator sees those of their offices' people."""

    form = AccountChangeForm
    add_form = AccountCreationForm
    filter_horizontal = ()
    list_display = ("username", "first_name", "last_name", "home_office", "roles", "is_active")
    list_filter = ("is_active", "groups")
    list_select_related = ("staff__home_office",)
    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "username",
                    "first_name",
                    "last_name",
                    "home_office",
                    "position",
                    "usable_password",
                    "password1",
                    "password2",
                )
            },
        ),
        (_("Roles"), {"fields": ("groups",)}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> Any:
        if obj is None:
            return self.add_fieldsets
        access: tuple[str, ...] = ("is_active", "groups")
        if request.user.is_superuser:
            access += ("is_superuser",)
        return (
            (None, {"fields": ("username", "password")}),
            (
                _("Personal info"),
                {"fields": ("first_name", "last_name", "email", "preferred_language")},
            ),
            (_("Roles"), {"fields": access}),
            (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return ("last_login", "date_joined") if obj is not None else ()

    def get_form(self, request: HttpRequest, obj: Model | None = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            # A class per request: the choices must not leak between administrators.
            return type(form.__name__, (form,), {"office_choices": visible_offices(request.user)})
        return form

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        queryset = super().get_queryset(request).prefetch_related("groups")
        user = request.user
        if not user.is_superuser:
            # Nobody but a superuser may change a superuser's password or roles.
            queryset = queryset.filter(is_superuser=False)
        if sees_all_offices(user):
            return queryset
        return queryset.filter(staff__home_office__in=visible_office_ids(user))

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.filter(name__in=[r.value for r in Role])
            kwargs["widget"] = forms.CheckboxSelectMultiple
            kwargs["label"] = _("roles")
            kwargs["help_text"] = ""
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # Switching an account off ends its tokens and sockets (weserve.core.accounts).
        with acting(request.user, client_ip(request)):
            super().save_model(request, obj, form, change)
        if not change:
            StaffMember.objects.create(
                user=obj,
                name=obj.get_full_name() or obj.get_username(),
                position=form.cleaned_data.get("position", ""),
                home_office=form.cleaned_data["home_office"],
            )

    def user_change_password(
        self,
        request: HttpRequest,
        id: str,
        form_url: str = "",  # noqa: A002 - Django's name
    ) -> HttpResponse:
        """Django's password page; a new password also ends the person's tokens and
        sockets (weserve.core.accounts)."""
        with acting(request.user, client_ip(request)):
            return super().user_change_password(request, id, form_url)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        user = form.instance
        # The admin's door checks is_staff, so it follows the Administrator role.
        wanted = user.is_superuser or user.groups.filter(name=Role.ADMIN.value).exists()
        if user.is_staff != wanted:
            user.is_staff = wanted
            user.save(update_fields=["is_staff"])

    def audit_office(self, obj: Model) -> Any:
        staff = StaffMember.objects.filter(user=obj).select_related("home_office").first()
        return staff.home_office if staff else None

    @admin.display(description=_("home office"))
    def home_office(self, obj: User) -> str:
        staff = getattr(obj, "staff", None)
        return staff.home_office.code if staff else "—"

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(sorted(g.name for g in obj.groups.all()))
