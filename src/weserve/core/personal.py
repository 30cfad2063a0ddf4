"""Reading personal data: revealing a MyKad number, finding records by it, auditing reads.

Generic over any model that carries a `MyKadField` (with its `hash_field`). The record's
office is read from an `office` foreign key by default (`office_path` names another,
e.g. "visit__office"); records of an office the person cannot see are answered with
Http404, a wrong role inside a visible office with PermissionDenied.

A MyKad number never travels in a URL: forms that take one are POSTed
(`MyKadLookupForm`), and no audit entry ever holds the number or its hash.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from weserve.core import crypto
from weserve.core.audit import log_action
from weserve.core.fields import MyKad, MyKadField, MyKadFormField, normalise_mykad
from weserve.core.models import AuditLog
from weserve.core.roles import MYKAD_REVEAL_ROLES, has_role
from weserve.core.scoping import visible_office_ids

MYKAD_REVEALED = "core.personal.mykad_revealed"
MYKAD_REVEAL_DENIED = "core.personal.mykad_reveal_denied"
MYKAD_LOOKUP = "core.personal.mykad_lookup"
PERSONAL_VIEWED = "core.personal.viewed"
PERSONAL_EXPORTED = "core.personal.exported"

# Something that looks like a MyKad number, with or without its dashes.
_MYKAD_LIKE = re.compile(r"(?<!\d)\d{6}-?\d{2}-?(\d{4})(?!\d)")
# How many matching record ids a look-up entry lists; the count is always complete.
_LOOKUP_IDS_LOGGED = 50


class MyKadLookupForm(forms.Form):
    """Find records by MyKad number. Bind it to request.POST only: never put it in a URL."""

    mykad = MyKadFormField(label=_("MyKad number"))


def mykad_field(model: type[models.Model], field_name: str | None = None) -> MyKadField:
    """The model's MyKadField: the one named, or its only one."""
    if field_name is not None:
        try:
            field = model._meta.get_field(field_name)
        except FieldDoesNotExist as exc:
            raise ValueError(f"{model._meta.label} has no field '{field_name}'") from exc
        if not isinstance(field, MyKadField):
            raise ValueError(f"{model._meta.label}.{field_name} is not a MyKadField")
        found = field
    else:
        fields = [f for f in model._meta.concrete_fields if isinstance(f, MyKadField)]
        if len(fields) != 1:
            raise ValueError(f"{model._meta.label} has {len(fields)} MyKadFields; name one")
        found = fields[0]
    if not found.hash_field:
        raise ValueError(f"{model._meta.label}.{found.name} has no hash_field")
    return found


def record_office(instance: models.Model, office_path: str = "office") -> Any:
    """The office a record belongs to, following `office_path` ("visit__office"), or None."""
    current: Any = instance
    for part in office_path.split("__"):
        if current is None:
            return None
        if not hasattr(current, part):
            return None
        current = getattr(current, part)
    return current


def _visible(user: Any, office: Any) -> bool:
    return office is None or office.pk in visible_office_ids(user)


def can_reveal_mykad(user: Any, instance: models.Model, *, office_path: str = "office") -> bool:
    """Whether this person may see this record's MyKad number in full (for showing a button)."""
    office = record_office(instance, office_path)
    if office is None and not getattr(user, "is_superuser", False):
        return False
    return _visible(user, office) and has_role(user, *MYKAD_REVEAL_ROLES)


def reveal_mykad(
    instance: models.Model,
    field_name: str,
    *,
    user: Any,
    office: Any,
    ip: str | None = None,
    office_path: str = "office",
) -> str:
    """The full MyKad number (850101-14-5123 form), for a permitted role; always audited.

    `office` is the office the person is working in. Http404 if they cannot see the
    record's office (or that one), PermissionDenied for any other role. Refusals are
    audited too, as `core.personal.mykad_reveal_denied`.
    """
    field = mykad_field(type(instance), field_name)
    owner = record_office(instance, office_path)
    audit_office = owner if owner is not None else office
    if not (_visible(user, owner) and _visible(user, office)):
        _log_denied(instance, field, user=user, office=audit_office, ip=ip, reason="office")
        raise Http404
    # A record with no office is nobody's to reveal but a superuser's.
    allowed = has_role(user, *MYKAD_REVEAL_ROLES) and (
        owner is not None or getattr(user, "is_superuser", False)
    )
    if not allowed:
        _log_denied(instance, field, user=user, office=audit_office, ip=ip, reason="role")
        raise PermissionDenied
    value = field.to_python(getattr(instance, field.attname))
    if not isinstance(value, MyKad):  # None or "": no number stored
        return ""
    with transaction.atomic():
        log_action(
            MYKAD_REVEALED,
            user=user,
            office=audit_office,
            target=instance,
            data={"field": field.name},
            ip=ip,
        )
    return value.formatted


def _log_denied(
    instance: models.Model,
    field: MyKadField,
    *,
    user: Any,
    office: Any,
    ip: str | None,
    reason: str,
) -> None:
    with transaction.atomic():
        log_action(
            MYKAD_REVEAL_DENIED,
            user=user,
            office=office,
            target=instance,
            data={"field": field.name, "reason": reason},
            ip=ip,
        )


def find_by_mykad(
    queryset: QuerySet,
    raw: str,
    *,
    user: Any,
    office: Any,
    ip: str | None = None,
    field_name: str | None = None,
    office_path: str | None = "office",
) -> list[models.Model]:
    """Records whose MyKad number is exactly `raw`, among offices the person can see.

    ValidationError (translated) for an invalid number, Http404 if `office` is not
    visible to the person. Every look-up is audited with the number of matches, never
    the number. `office_path=None` skips office scoping: only for querysets the caller
    has already scoped.
    """
    if office is not None and not _visible(user, office):
        raise Http404
    field = mykad_field(queryset.model, field_name)
    normalised = normalise_mykad(raw)
    matches = queryset.filter(**{f"{field.hash_field}__in": crypto.lookup_hashes(normalised)})
    if office_path is not None:
        matches = matches.filter(**{f"{office_path}__in": visible_office_ids(user)})
    results = list(matches)
    with transaction.atomic():
        log_action(
            MYKAD_LOOKUP,
            user=user,
            office=office,
            ip=ip,
            data={
                "record_type": queryset.model._meta.label_lower,
                "field": field.name,
                "matches": len(results),
                "ids": [str(r.pk) for r in results[:_LOOKUP_IDS_LOGGED]],
            },
        )
    return results


def log_personal_view(
    instance: models.Model,
    *,
    user: Any,
    office: Any = None,
    ip: str | None = None,
    fields: Iterable[str] = (),
    office_path: str = "office",
) -> AuditLog:
    """Record that a person opened the detail view of a record holding personal data."""
    owner = record_office(instance, office_path)
    with transaction.atomic():
        return log_action(
            PERSONAL_VIEWED,
            user=user,
            office=owner if owner is not None else office,
            target=instance,
            data={"fields": sorted(fields)},
            ip=ip,
        )


def log_export(
    *,
    user: Any,
    office: Any,
    export: str,
    rows: int,
    fmt: str = "",
    fields: Sequence[str] = (),
    filters: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> AuditLog:
    """Record an export of personal data: what, how many rows, which format and filters.

    Filter values that look like a MyKad number are masked before they are stored.
    """
    with transaction.atomic():
        return log_action(
            PERSONAL_EXPORTED,
            user=user,
            office=office,
            data={
                "export": export,
                "rows": rows,
                "format": fmt,
                "fields": list(fields),
                "filters": scrub(dict(filters or {})),
            },
            ip=ip,
        )


def scrub(value: Any) -> Any:
    """The value with anything shaped like a MyKad number masked (for audit details)."""
    if isinstance(value, str):
        return _MYKAD_LIKE.sub(lambda m: f"******-**-{m.group(1)}", value)
    if isinstance(value, Mapping):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [scrub(v) for v in value]
    return value
