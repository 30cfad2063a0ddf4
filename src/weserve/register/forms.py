"""The register entry form of the counter console. It only carries what was typed: the
rules (and their translated messages) are the service's, mapped back onto the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from weserve.organisation.models import Office, Service
from weserve.register.models import FORM_CODE_MAX, Action, Category, JkmForm
from weserve.register.services import MAX_QUANTITY, FormLine

# Rows for forms handed over on the console; the API takes any number.
FORM_ROWS = 3


class EntryForm(forms.Form):
    name = forms.CharField(label=_("customer name"), max_length=400, required=False)
    mykad = forms.CharField(label=_("MyKad number"), max_length=40, required=False)
    phone = forms.CharField(label=_("telephone"), max_length=40, required=False)
    category = forms.ChoiceField(label=_("customer category"), required=False)
    service = forms.ChoiceField(label=_("service"), required=False)
    purpose = forms.CharField(label=_("purpose of visit"), max_length=2000, required=False)
    action = forms.ChoiceField(label=_("action taken"), required=False)
    note = forms.CharField(label=_("note"), max_length=2000, required=False)

    def __init__(self, office: Office, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.office = office
        self.fields["category"].choices = [("", _("Choose…")), *Category.choices]
        self.fields["action"].choices = [("", _("Choose…")), *Action.choices]
        self.fields["service"].choices = [
            (s.code, f"{s.prefix} · {s.name}")
            for s in Service.objects.offered_at(office).order_by("prefix")
        ]
        catalogue = [("", _("No form"))] + [
            (f.code, f"{f.code} — {f.title}")
            for f in JkmForm.objects.filter(office=office, is_active=True)
        ]
        for row in range(1, FORM_ROWS + 1):
            self.fields[f"form_{row}"] = forms.ChoiceField(
                label=_("JKM form"), choices=catalogue, required=False
            )
            self.fields[f"quantity_{row}"] = forms.IntegerField(
                label=_("quantity"), min_value=1, max_value=MAX_QUANTITY, required=False
            )
        for name in ("name", "purpose"):
            self.fields[name].widget.attrs["required"] = True
        self.fields["mykad"].widget.attrs.update(
            inputmode="numeric", autocomplete="off", placeholder="850101-14-5123"
        )
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs["autocomplete"] = "off"

    def form_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"form_{row}"], self[f"quantity_{row}"]) for row in range(1, FORM_ROWS + 1)]

    def lines(self) -> list[FormLine]:
        lines = []
        for row in range(1, FORM_ROWS + 1):
            code = self.cleaned_data.get(f"form_{row}") or ""
            if code:
                quantity = self.cleaned_data.get(f"quantity_{row}") or 1
                lines.append(FormLine(code=code[:FORM_CODE_MAX], quantity=quantity))
        return lines

    def entry(self) -> dict[str, Any]:
        """What the form holds, as the register's services take it (record_visit,
        record_walk_in)."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "mykad": data["mykad"],
            "phone": data["phone"],
            "category": data["category"],
            "service": self.service_choice(),
            "purpose": data["purpose"],
            "action": data["action"],
            "forms": self.lines(),
            "note": data["note"],
        }

    def service_choice(self) -> Service | None:
        code = self.cleaned_data.get("service") or ""
        return Service.objects.offered_at(self.office).filter(code=code).first()

    def add_service_errors(self, fields: dict[str, Any]) -> None:
        """The service's messages on the fields they are about."""
        for name, message in fields.items():
            self.add_error("form_1" if name == "forms" else name, str(message))
