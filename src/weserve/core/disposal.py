"""Disposal of records under an approved retention schedule; nothing is ever deleted.

Disposing of a record keeps its row (counts and reports still add up), marks it
`disposed_at` so operational reads (`.live()`) no longer see it, erases the personal
data it holds (encrypted fields, their look-up hashes, and whatever the model lists in
`erase_on_disposal`), writes a `Disposal` register entry and an audit entry.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from weserve.core import clock
from weserve.core.audit import log_action
from weserve.core.errors import DomainError
from weserve.core.fields import EncryptedTextField, MyKadField
from weserve.core.models import DisposableModel, Disposal
from weserve.core.personal import record_office, scrub
from weserve.core.roles import Role, has_role
from weserve.core.scoping import visible_office_ids

# Disposal is irreversible: only an office's administrator may do it.
DISPOSAL_ROLES = frozenset({Role.ADMIN})


def personal_fields(model: type[DisposableModel]) -> list[models.Field]:
    """The fields disposal blanks: encrypted ones, their hashes, and `erase_on_disposal`."""
    names: list[str] = []
    for field in model._meta.concrete_fields:
        if isinstance(field, EncryptedTextField):
            names.append(field.name)
            if isinstance(field, MyKadField) and field.hash_field:
                names.append(field.hash_field)
    names.extend(getattr(model, "erase_on_disposal", ()))
    # Every name is a column of the model itself (a concrete field, its hash field, or one
    # erase_on_disposal names), never a relation pointing at it, so get_field gives a Field.
    return [cast(models.Field, model._meta.get_field(name)) for name in dict.fromkeys(names)]


def _blank(field: models.Field) -> Any:
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    raise ImproperlyConfigured(
        f"{field.model._meta.label}.{field.name} cannot be erased on disposal: "
        "make it nullable or a text field"
    )


@transaction.atomic
def dispose(
    record: DisposableModel,
    *,
    reason: str,
    schedule_ref: str,
    user: Any,
    ip: str | None = None,
    office_path: str = "office",
) -> Disposal:
    """Dispose of one record: mark it, erase its personal data, register and audit it.

    Http404 if the person cannot see the record's office, PermissionDenied unless they
    are its administrator, ValidationError without a reason or schedule reference,
    DomainError("already_disposed") if someone disposed of it first.
    """
    if not isinstance(record, DisposableModel):
        raise TypeError(f"{type(record).__name__} is not a DisposableModel")
    office = record_office(record, office_path)
    if office is not None and office.pk not in visible_office_ids(user):
        raise Http404
    if not has_role(user, *DISPOSAL_ROLES) or (
        office is None and not getattr(user, "is_superuser", False)
    ):
        raise PermissionDenied
    # A reason may quote a person's MyKad number; the register and the log never keep it.
    reason = scrub((reason or "").strip())
    schedule_ref = (schedule_ref or "").strip()
    errors: dict[str, Any] = {}
    if not reason:
        errors["reason"] = _("Give the reason for disposing of this record.")
    if not schedule_ref:
        errors["schedule_ref"] = _("Give the reference of the approved retention schedule.")
    if errors:
        raise ValidationError(errors)

    model = type(record)
    erased = personal_fields(model)
    now = clock.now()
    changes: dict[str, Any] = {"disposed_at": now, **{f.attname: _blank(f) for f in erased}}
    # Claim the record with a conditional update so two disposals cannot both succeed.
    claimed = model._base_manager.filter(pk=record.pk, disposed_at__isnull=True).update(**changes)
    if claimed != 1:
        raise DomainError(
            "already_disposed", _("This record has already been disposed of."), status=409
        )
    for attname, value in changes.items():
        setattr(record, attname, value)

    target_type = record._meta.label_lower
    disposal = Disposal.objects.create(
        at=now,
        user=user,
        office_id=getattr(office, "pk", None),
        office_code=getattr(office, "code", "") or "",
        target_type=target_type,
        target_id=str(record.pk),
        reason=reason,
        schedule_ref=schedule_ref,
        erased_fields=[f.name for f in erased],
    )
    log_action(
        "core.record.disposed",
        user=user,
        office=office,
        target=record,
        data={
            "reason": reason,
            "schedule_ref": schedule_ref,
            "erased_fields": [f.name for f in erased],
            "disposal": disposal.pk,
        },
        ip=ip,
    )
    return disposal
