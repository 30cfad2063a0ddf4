"""The audit log page, for administrators and supervisors of the offices they can see."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from weserve.core.audit_text import describe, record_name
from weserve.core.clock import MALAYSIA
from weserve.core.forms import within_calendar
from weserve.core.models import AuditLog
from weserve.core.roles import AUDIT_ROLES
from weserve.core.scoping import require_role, visible_office_ids, visible_offices

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    """Filters of the audit log page; none of them is personal data, so GET is fine."""

    action = forms.CharField(
        label=_("Action starts with"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "core.personal"}),
    )
    user = forms.CharField(label=_("User name"), required=False, max_length=150)
    office = forms.TypedChoiceField(label=_("Office"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[within_calendar],
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[within_calendar],
    )

    def __init__(self, *args: Any, offices: QuerySet, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # The office field is the TypedChoiceField declared above.
        office = cast(forms.TypedChoiceField, self.fields["office"])
        office.choices = [("", _("All my offices"))] + [(o.pk, str(o)) for o in offices]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


def _local_midnight(day: dt.date) -> dt.datetime:
    # Dates on the page are Malaysian business days; the log stores UTC instants.
    return dt.datetime.combine(day, dt.time.min, tzinfo=MALAYSIA)


def entries_for(user: Any) -> QuerySet[AuditLog]:
    """Audit entries of the offices this person can see (office-less ones: superusers)."""
    visible = Q(office_id__in=visible_office_ids(user))
    if getattr(user, "is_superuser", False):
        visible |= Q(office_id__isnull=True)
    return AuditLog.objects.filter(visible)


def filter_entries(entries: QuerySet[AuditLog], data: dict[str, Any]) -> QuerySet[AuditLog]:
    if data.get("action"):
        entries = entries.filter(action__startswith=data["action"].strip())
    if data.get("user"):
        entries = entries.filter(actor__iexact=data["user"].strip())
    if data.get("office") is not None:
        entries = entries.filter(office_id=data["office"])
    if data.get("date_from"):
        entries = entries.filter(at__gte=_local_midnight(data["date_from"]))
    if data.get("date_to"):
        entries = entries.filter(at__lt=_local_midnight(data["date_to"] + dt.timedelta(days=1)))
    return entries


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Newest first, 50 a page, filtered by action prefix, user, office and dates."""
    require_role(request.user, *AUDIT_ROLES)
    offices = visible_offices(request.user).order_by("code")
    form = AuditFilterForm(request.GET or None, offices=offices)
    entries = entries_for(request.user).order_by("-at", "-id")
    if form.is_bound:
        # Bad filters show their errors and no entries, rather than an unfiltered log.
        entries = filter_entries(entries, form.cleaned_data) if form.is_valid() else entries.none()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"entry": entry, "sentence": describe(entry), "record": record_name(entry.target_type)}
        for entry in page.object_list
    ]
    context = {"form": form, "page": page, "entries": rows}
    template = "core/_audit_entries.html" if request.htmx else "core/audit_log.html"  # type: ignore[attr-defined]
    return render(request, template, context)
