"""The shelf's forms. They carry what was typed; the rules (and their translated
messages) are the service's, mapped back onto the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from weserve.core.forms import within_calendar
from weserve.knowledge.models import CHANGE_NOTE_MAX


class ApproveForm(forms.Form):
    what_changed_ms = forms.CharField(
        label=_("What changed (Malay)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=CHANGE_NOTE_MAX * 2,
        required=False,
    )
    what_changed_en = forms.CharField(
        label=_("What changed (English)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=CHANGE_NOTE_MAX * 2,
        required=False,
    )
    review_due = forms.DateField(
        label=_("Review due"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[within_calendar],
        required=False,
        help_text=_("The owner reviews the article again by this date."),
    )

    def add_service_errors(self, fields: dict[str, Any]) -> None:
        for name, message in fields.items():
            self.add_error(name if name in self.fields else None, str(message))
