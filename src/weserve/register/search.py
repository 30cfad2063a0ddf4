"""Searching the register (issue 15 item 4): which offices a reader sees from an office's
page, the filters of the search page and its exports, and the rows they give.

A supervisor reads the register of their office; a head of department reading a state
office's register sees that office and every office below it that they may see
(core.scoping). Filters are GET parameters (none of them is personal data: a MyKad number
is found by the POSTed look-up, never in a URL). Anything malformed (a NUL character, a
date at year 1 or 9999, an unknown staff id) is a translated error on its field and an
empty result, never the whole register and never a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weserve.core.clock import business_day
from weserve.core.forms import within_calendar
from weserve.core.scoping import visible_office_ids
from weserve.core.text import has_control_chars
from weserve.organisation.models import Office, Service, StaffMember
from weserve.register.models import Action, Category, RegisterEntry, RegisterEntryQuerySet

PAGE_SIZE = 50
NAME_QUERY_MAX = 100
# Words that are not part of a Malaysian name's initials (bin Ahmad, a/l Muthu).
_NOT_INITIALS = {"bin", "binti", "bt", "bt.", "b.", "a/l", "a/p", "al", "ap", "@"}


def register_offices(user: Any, office: Office) -> list[Office]:
    """The office and the offices below it that this person may see, in code order (one
    query). A supervisor's is their office alone; a head's, their state's districts too."""
    visible = visible_office_ids(user)
    offices = list(
        Office.objects.filter(pk__in=visible).only("pk", "parent_id", "code", "name_ms", "name_en")
    )
    children: dict[int | None, list[Office]] = {}
    for candidate in offices:
        children.setdefault(candidate.parent_id, []).append(candidate)
    found: list[Office] = []
    frontier = [o for o in offices if o.pk == office.pk]
    while frontier:
        found.extend(frontier)
        frontier = [child for parent in frontier for child in children.get(parent.pk, [])]
    return sorted(found, key=lambda o: o.code)


def _no_control_chars(value: str) -> None:
    if has_control_chars(value):
        raise forms.ValidationError(_("This contains characters that are not allowed."))


class RegisterFilterForm(forms.Form):
    """The search page's filters; the exports and the printed day take the same."""

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
    office = forms.ChoiceField(label=_("Office"), required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)
    staff = forms.TypedChoiceField(
        label=_("Served by"), required=False, coerce=int, empty_value=None
    )
    action = forms.ChoiceField(label=_("Action taken"), required=False)
    category = forms.ChoiceField(label=_("Customer category"), required=False)
    q = forms.CharField(
        label=_("Customer name contains"),
        required=False,
        max_length=NAME_QUERY_MAX,
        validators=[_no_control_chars],
    )

    def __init__(self, *args: Any, offices: list[Office], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.offices = offices
        ids = [o.pk for o in offices]
        office = cast(forms.ChoiceField, self.fields["office"])
        if len(offices) > 1:
            office.choices = [("", _("All these offices"))] + [
                (o.code, f"{o.code} · {o.name}") for o in offices
            ]
        else:
            # One office: nothing to choose; the field is not shown.
            office.choices = [("", "")] + [(o.code, o.code) for o in offices]
            office.widget = forms.HiddenInput()
        services = Service.objects.filter(offices__in=ids).distinct().order_by("prefix", "code")
        cast(forms.ChoiceField, self.fields["service"]).choices = [("", _("All services"))] + [
            (s.code, f"{s.prefix} · {s.name}") for s in services
        ]
        staff = (
            StaffMember.objects.filter(Q(home_office__in=ids) | Q(offices__in=ids))
            .filter(user__isnull=False)
            .values_list("user_id", "name")
            .distinct()
            .order_by("name", "user_id")
        )
        cast(forms.TypedChoiceField, self.fields["staff"]).choices = [("", _("Anyone"))] + list(
            staff
        )
        cast(forms.ChoiceField, self.fields["action"]).choices = [("", _("Any action"))] + list(
            Action.choices
        )
        cast(forms.ChoiceField, self.fields["category"]).choices = [("", _("Any category"))] + list(
            Category.choices
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def chosen_offices(self) -> list[Office]:
        code = self.cleaned_data.get("office") or ""
        return [o for o in self.offices if o.code == code] if code else self.offices


def today_filters() -> dict[str, str]:
    """The search page's filters when it is first opened: today's register."""
    today = business_day().isoformat()
    return {"date_from": today, "date_to": today}


def search(offices: list[Office], data: dict[str, Any]) -> RegisterEntryQuerySet:
    """Entries of these offices matching the cleaned filters, newest first."""
    entries = RegisterEntry.objects.filter(office__in=[o.pk for o in offices])
    if data.get("date_from"):
        entries = entries.filter(day__gte=data["date_from"])
    if data.get("date_to"):
        entries = entries.filter(day__lte=data["date_to"])
    if data.get("service"):
        entries = entries.filter(service__code=data["service"])
    if data.get("staff") is not None:
        entries = entries.filter(served_by_id=data["staff"])
    if data.get("action"):
        entries = entries.filter(action=data["action"])
    if data.get("category"):
        entries = entries.filter(category=data["category"])
    if data.get("q"):
        entries = entries.filter(name__icontains=data["q"].strip())
    return cast(RegisterEntryQuerySet, entries.order_by("-served_at", "-pk"))


def with_list_details(entries: RegisterEntryQuerySet) -> RegisterEntryQuerySet:
    """What a row of the search page shows, in the same query as the rows."""
    return cast(
        RegisterEntryQuerySet,
        entries.select_related("office", "ticket", "service", "served_by__staff"),
    )


def initials(name: str) -> str:
    """A staff member's initials as the paper book has them: Siti Aminah binti Ahmad → SAA."""
    words = [w for w in name.replace("@", " ").split() if w.lower() not in _NOT_INITIALS]
    return "".join(w[0] for w in words if w[0].isalnum()).upper()[:5]


# --- Export rows ----------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "office__code",
    "day",
    "served_at",
    "ticket__number",
    "name",
    "mykad",
    "category",
    "service__code",
    "service__name_ms",
    "service__name_en",
    "purpose",
    "action",
    "served_by__staff__name",
    "served_by__username",
    "note",
)
EXPORT_CHUNK = 2000


def export_header() -> list[Any]:
    return [
        _("Office"),
        _("Date"),
        _("Time"),
        _("Ticket"),
        _("Customer name"),
        _("MyKad number"),
        _("Customer category"),
        _("Service code"),
        _("Service"),
        _("Purpose of visit"),
        _("Action taken"),
        _("Served by"),
        _("Note"),
    ]


def export_rows(
    entries: RegisterEntryQuerySet, *, full_mykad: bool, english: bool
) -> Iterator[list[Any]]:
    """The export's rows, read in chunks from the database as they are written (one query
    with its joins; a server-side cursor on PostgreSQL), so a year keeps memory flat."""
    from weserve.core.clock import to_local

    categories = dict(Category.choices)
    actions = dict(Action.choices)
    rows = entries.values_list(*EXPORT_COLUMNS).iterator(chunk_size=EXPORT_CHUNK)
    for (
        office,
        day,
        served_at,
        ticket,
        name,
        mykad,
        category,
        service_code,
        service_ms,
        service_en,
        purpose,
        action,
        staff_name,
        username,
        note,
    ) in rows:
        if mykad:
            number = mykad.formatted if full_mykad else mykad.masked
        else:
            number = ""
        yield [
            office,
            day,
            to_local(served_at).strftime("%H:%M"),
            ticket or "",
            name,
            number,
            str(categories.get(category, category)),
            service_code,
            (service_en or service_ms) if english else (service_ms or service_en),
            purpose,
            str(actions.get(action, action)),
            staff_name or username,
            note,
        ]
