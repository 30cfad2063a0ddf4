"""Admin mixins that keep operational records from being deleted or rewritten, and one
that gives every input of the admin's forms an accessible name.

Records are never hard-deleted by the application: retention and disposal follow an
approved schedule and go through `weserve.core.disposal.dispose`, which keeps the row,
records who disposed of it and why, and writes an audit entry. The Django admin must
not offer a shortcut around that.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Model
from django.forms.utils import pretty_name
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _


class NotFoundAdminMixin:
    """Another office's record answers 404, as everywhere else in WeServe.

    Django's admin redirects to its index with a "doesn't exist" message instead, which
    hides nothing but answers differently from every other page and endpoint.
    """

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> HttpResponse:
        raise Http404


class NoDeleteAdminMixin(NotFoundAdminMixin):
    """No delete permission and no "delete selected" bulk action, even for superusers."""

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions: dict[str, Any] = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions


class ReadOnlyAdminMixin(NoDeleteAdminMixin):
    """Operational records (tickets, calls, audit entries) are viewed, never edited here."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def _part_name(widget: Any, index: int) -> Any:
    if isinstance(widget, forms.DateInput):
        return _("date")
    if isinstance(widget, forms.TimeInput):
        return _("time")
    return str(index + 1)


def name_inputs(form: forms.BaseForm, *, every_field: bool) -> None:
    """Give inputs that have no <label> of their own an accessible name (aria-label).

    The parts of a split widget (a date and a time) share one label, and a tabular
    inline shows a column header instead of a label for each row's inputs: screen
    readers, and axe's `label` and `select-name` rules, need a name for each."""
    for name, field in form.fields.items():
        label = str(field.label or pretty_name(name))
        # The admin wraps relation widgets (RelatedFieldWidgetWrapper): name the inner one.
        widget: forms.Widget = getattr(field.widget, "widget", None) or field.widget
        if isinstance(widget, forms.MultiWidget):
            for index, part in enumerate(widget.widgets):
                part.attrs.setdefault("aria-label", f"{label} ({_part_name(part, index)})")
        elif every_field:
            widget.attrs.setdefault("aria-label", label)


class NamedInputsAdminMixin:
    """Every input of the admin's forms and inline rows has an accessible name."""

    def get_form(self, request: HttpRequest, obj: Model | None = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)  # type: ignore[misc]
        return _naming(form, every_field=False)

    def get_formset(self, request: HttpRequest, obj: Model | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]

        def add_fields(self: Any, form: forms.BaseForm, index: Any) -> None:
            formset.add_fields(self, form, index)
            name_inputs(form, every_field=True)  # the "delete" box comes with the formset

        return type(formset.__name__, (formset,), {"add_fields": add_fields})


def _naming(form_class: Any, *, every_field: bool) -> Any:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        form_class.__init__(self, *args, **kwargs)
        name_inputs(self, every_field=every_field)

    return type(form_class.__name__, (form_class,), {"__init__": __init__})
