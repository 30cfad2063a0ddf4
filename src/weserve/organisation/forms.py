"""Forms for the organisation's configuration: offices, hours, sections, staff, services,
counters.

Each form says plainly what is wrong, in the person's language, keeps what they typed,
and saves nothing unless every field is valid. Choices are scoped to the offices the
person may see by the caller (the admin does it in `formfield_for_foreignkey`); the rules
here hold whoever calls them. A field the caller has made read-only is absent from the
form, so every rule falls back to the record's current value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from weserve.organisation.models import (
    Counter,
    CounterService,
    Office,
    OfficeHoliday,
    OpeningHours,
    Section,
    Service,
    StaffMember,
)

MIDNIGHT = dt.time(0, 0)

# Which kind of office may sit directly under which: HQ > JKMN > PKMD.
PARENT_KIND = {
    Office.Kind.STATE: Office.Kind.HQ,
    Office.Kind.DISTRICT: Office.Kind.STATE,
}


def _upper(value: str | None) -> str:
    return (value or "").strip().upper()


class FormValueMixin:
    """Read a cleaned value, or the record's own value when the field is not on the form."""

    def value_of(self, name: str) -> Any:
        form: Any = self
        if name in form.fields:
            return form.cleaned_data.get(name)
        return getattr(form.instance, name, None)


class OfficeForm(FormValueMixin, forms.ModelForm):
    class Meta:
        model = Office
        fields = [
            "code",
            "name_ms",
            "name_en",
            "kind",
            "parent",
            "address",
            "state",
            "phone",
            "follows_state_calendar",
            "priority_wait_minutes",
            "charter_wait_minutes",
            "register_entry_required",
            "referral_accept_minutes",
            "is_active",
        ]

    def clean_code(self) -> str:
        # People type codes in lower case; the code is a capitalised identifier.
        code = _upper(self.cleaned_data.get("code"))
        Office._meta.get_field("code").run_validators(code)
        if Office.objects.filter(code=code).exclude(pk=self.instance.pk).exists():
            raise ValidationError(
                _("An office with this code already exists."), code="duplicate_code"
            )
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind = self.value_of("kind")
        parent = self.value_of("parent")
        field = "parent" if "parent" in self.fields else None
        if kind == Office.Kind.HQ and parent is not None:
            self.add_error(field, _("Headquarters has no parent office."))
        elif kind in PARENT_KIND:
            wanted = PARENT_KIND[kind]
            if parent is None:
                self.add_error(field, _("Choose the office this one reports to."))
            elif self.instance.pk and parent.pk == self.instance.pk:
                self.add_error(field, _("An office cannot report to itself."))
            elif parent.kind != wanted:
                message = (
                    _("A state office reports to headquarters.")
                    if kind == Office.Kind.STATE
                    else _("A district office reports to a state office (JKMN).")
                )
                self.add_error(field, message)
        # The instance still holds the stored values until the form is saved.
        if (
            self.instance.pk
            and "kind" in self.fields
            and kind
            and kind != self.instance.kind
            and self.instance.children.exists()
        ):
            self.add_error(
                "kind",
                _("Offices report to this one, so its kind cannot change."),
            )
        return cleaned


class OpeningHoursForm(forms.ModelForm):
    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        opens, closes = cleaned.get("opens"), cleaned.get("closes")
        if opens is not None and closes is not None and closes != MIDNIGHT and closes <= opens:
            self.add_error(
                "closes",
                _("The closing time must be after the opening time (00:00 means midnight)."),
            )
        return cleaned


class OfficeHolidayForm(forms.ModelForm):
    class Meta:
        model = OfficeHoliday
        fields = ["date", "is_open", "name"]


class SectionForm(FormValueMixin, forms.ModelForm):
    class Meta:
        model = Section
        fields = ["office", "code", "name_ms", "name_en"]

    def clean_code(self) -> str:
        return _upper(self.cleaned_data.get("code"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        office, code = self.value_of("office"), cleaned.get("code")
        if office is not None and code:
            taken = Section.objects.filter(office=office, code=code).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error(
                    "code",
                    _("This office already has a section with the code {code}.").format(code=code),
                )
        return cleaned


class StaffMemberForm(FormValueMixin, forms.ModelForm):
    class Meta:
        model = StaffMember
        fields = [
            "user",
            "name",
            "position",
            "home_office",
            "section",
            "offices",
            "services",
            "extension",
            "phone",
            "presence",
            "expected_return",
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        office, section = self.value_of("home_office"), self.value_of("section")
        if office is not None and section is not None and section.office_id != office.pk:
            self.add_error("section", _("Choose a section of the person's home office."))
        return cleaned


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = [
            "code",
            "prefix",
            "name_ms",
            "name_en",
            "description_ms",
            "description_en",
            "typical_minutes",
            "offices",
            "is_active",
        ]

    def clean_code(self) -> str:
        code = _upper(self.cleaned_data.get("code"))
        Service._meta.get_field("code").run_validators(code)
        if Service.objects.filter(code=code).exclude(pk=self.instance.pk).exists():
            raise ValidationError(
                _("A service with this code already exists."), code="duplicate_code"
            )
        return code

    def clean_prefix(self) -> str:
        prefix = _upper(self.cleaned_data.get("prefix"))
        Service._meta.get_field("prefix").run_validators(prefix)
        other = Service.objects.filter(prefix=prefix).exclude(pk=self.instance.pk).first()
        if other is not None:
            # Ticket numbers must say which service they are for, so a letter has one owner.
            raise ValidationError(
                _("The prefix {prefix} is already used by {service}.").format(
                    prefix=prefix, service=other.name
                ),
                code="duplicate_prefix",
            )
        return prefix


class CounterForm(FormValueMixin, forms.ModelForm):
    """A counter itself; the services it serves, and their order, are `CounterServiceFormSet`."""

    class Meta:
        model = Counter
        fields = ["office", "number", "name", "kind", "is_active"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        office, number = self.value_of("office"), cleaned.get("number")
        if office is not None and number is not None:
            taken = Counter.objects.filter(office=office, number=number).exclude(
                pk=self.instance.pk
            )
            if taken.exists():
                self.add_error(
                    "number",
                    _("{office} already has a counter {number}.").format(
                        office=office.code, number=number
                    ),
                )
        return cleaned


class CounterServiceForm(forms.ModelForm):
    """One service of a counter and its order there (1 is called first)."""

    class Meta:
        model = CounterService
        fields = ["service", "rank"]


class BaseCounterServiceFormSet(forms.BaseInlineFormSet):
    """The services a counter serves, each with its order; at least one, each offered at
    the counter's office, none twice.

    Bound to the counter being saved (`instance`), whose office the counter's form has
    already set; a counter whose office is not valid yet is checked once it is.
    """

    def clean(self) -> None:
        if any(self.errors):
            return  # the rows' own errors first
        chosen: list[Service] = []
        for form in self.forms:
            if not form.has_changed() and form.instance.pk is None:
                continue  # an empty extra row
            if self.can_delete and self._should_delete_form(form):
                continue
            service = form.cleaned_data.get("service")
            if service is not None:
                chosen.append(service)
        if not chosen:
            raise ValidationError(
                _("A counter must serve at least one service."), code="no_services"
            )
        twice = sorted({s.name for s in chosen if chosen.count(s) > 1})
        if twice:
            raise ValidationError(
                _("Each service once only: {services}.").format(services=", ".join(twice)),
                code="duplicate_service",
            )
        office = self.instance.office if self.instance.office_id else None
        if office is not None:
            offered = set(office.services.values_list("pk", flat=True))
            missing = [s for s in chosen if s.pk not in offered]
            if missing:
                # A counter for a service customers cannot pick at the kiosk would sit idle.
                raise ValidationError(
                    _("Not offered at {office}: {services}.").format(
                        office=office.code, services=", ".join(s.name for s in missing)
                    ),
                    code="not_offered",
                )
        super().clean()


CounterServiceFormSet = forms.inlineformset_factory(
    Counter,
    CounterService,
    form=CounterServiceForm,
    formset=BaseCounterServiceFormSet,
    extra=1,
    can_delete=True,
)
