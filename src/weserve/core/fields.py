"""Personal-data fields: a MyKad number and a Malaysian phone number, encrypted at rest.

A MyKad number is validated with python-stdnum, normalised to 12 digits, stored as
Fernet ciphertext, and kept with a keyed hash (`hash_field`) for exact look-up. It reads
back as a `MyKad` string whose `masked` form is what screens show; the full number is
revealed only through `weserve.core.personal.reveal_mykad`, which checks the role and
writes the audit entry.

A model carrying a MyKad number declares the hash column beside it:

    mykad = MyKadField(_("MyKad number"), blank=True, hash_field="mykad_hash")
    mykad_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)

The hash is kept in step by `save()` (and `bulk_create`); `QuerySet.update()` and
`bulk_update()` bypass it, so never write a MyKad number through them.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from django import forms
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.my import nric

from weserve.core import crypto


def normalise_mykad(raw: str) -> str:
    """The 12-digit form of a MyKad number, or ValidationError with a translated message."""
    try:
        return nric.validate(str(raw))
    except StdnumError as exc:
        raise ValidationError(
            _("Enter a valid MyKad number, e.g. 850101-14-5123."), code="invalid_mykad"
        ) from exc


def normalise_phone(raw: str) -> str:
    """E.164 form of a Malaysian (or international) phone number, or ValidationError."""
    try:
        parsed = phonenumbers.parse(str(raw), "MY")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("Enter a valid phone number, e.g. 012-345 6789."), code="invalid_phone"
        ) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("Enter a valid phone number, e.g. 012-345 6789."), code="invalid_phone"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """A phone number as Malaysians write it (national format for +60 numbers)."""
    if not e164:
        return ""
    parsed = phonenumbers.parse(e164, "MY")
    if parsed.country_code == 60:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class MyKad(str):
    """A normalised MyKad number; `str()` of it is the full number, so show `masked`."""

    __slots__ = ()

    @property
    def masked(self) -> str:
        return f"******-**-{self[-4:]}"

    @property
    def formatted(self) -> str:
        return f"{self[:6]}-{self[6:8]}-{self[8:]}"

    def __html__(self) -> str:
        # A safety net: `{{ record.mykad }}` in an autoescaped template shows the masked
        # form; the full number reaches a page only through reveal_mykad.
        return self.masked

    def __repr__(self) -> str:
        # Tracebacks, debug pages and log lines print repr(): keep the number out of them.
        return f"MyKad({self.masked!r})"


class EncryptedTextField(models.TextField):
    """Text stored as Fernet ciphertext; an empty value is stored as an empty string."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value in (None, ""):
            return value
        return self.from_plaintext(crypto.decrypt(value))

    def from_plaintext(self, value: str) -> Any:
        # Stored values were validated when written. Reading never validates again, so a
        # stricter rule in a newer library release cannot make existing rows unreadable.
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> Any:
        # Ciphertext differs on every write: equality and ordering on it mean nothing.
        if lookup_name not in ("isnull",):
            raise TypeError(
                f"{self.name} is encrypted; look it up by its hash field, not '{lookup_name}'"
            )
        return super().get_lookup(lookup_name)


class MyKadFormField(forms.CharField):
    default_error_messages = {"invalid": _("Enter a valid MyKad number, e.g. 850101-14-5123.")}

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "numeric")
        self.widget.attrs.setdefault("autocomplete", "off")
        self.widget.attrs.setdefault("placeholder", "850101-14-5123")

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        if value in self.empty_values:
            return ""
        return MyKad(normalise_mykad(value))

    def prepare_value(self, value: Any) -> Any:
        # A stored number is never put back into a form in full.
        if isinstance(value, MyKad):
            return value.masked
        return value


class MyKadField(EncryptedTextField):
    """A MyKad number: validated, encrypted, hashed into `hash_field` for look-up."""

    description = _("MyKad number (encrypted)")

    def __init__(self, *args: Any, hash_field: str = "", **kwargs: Any):
        self.hash_field = hash_field
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["hash_field"] = self.hash_field
        return name, path, args, kwargs

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        return [*super().check(**kwargs), *self._check_hash_field()]

    def _check_hash_field(self) -> list[checks.CheckMessage]:
        if not self.hash_field:
            return [
                checks.Error(
                    "MyKadField needs hash_field: without it the number cannot be looked up.",
                    obj=self,
                    id="weserve.E101",
                )
            ]
        try:
            self.model._meta.get_field(self.hash_field)
        except FieldDoesNotExist:
            return [
                checks.Error(
                    f"MyKadField.hash_field names '{self.hash_field}', which does not exist.",
                    obj=self,
                    id="weserve.E102",
                )
            ]
        return []

    def to_python(self, value: Any) -> Any:
        if value in (None, "") or isinstance(value, MyKad):
            return value
        return MyKad(normalise_mykad(value))

    def from_plaintext(self, value: str) -> Any:
        return MyKad(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = self.to_python(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        if self.hash_field:
            setattr(model_instance, self.hash_field, crypto.lookup_hash(value) if value else "")
        return value

    def formfield(
        self,
        form_class: type[forms.Field] | None = MyKadFormField,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field | None:
        return super(models.TextField, self).formfield(
            form_class=form_class, choices_form_class=choices_form_class, **kwargs
        )


class PhoneFormField(forms.CharField):
    def __init__(self, **kwargs: Any):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.input_type = "tel"
        self.widget.attrs.setdefault("autocomplete", "tel")

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        if value in self.empty_values:
            return ""
        return normalise_phone(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("+"):
            return format_phone(value)
        return value


class PhoneNumberField(EncryptedTextField):
    """A phone number in E.164 form, encrypted at rest."""

    description = _("Phone number (encrypted)")

    def to_python(self, value: Any) -> Any:
        if value in (None, ""):
            return value
        return normalise_phone(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        # The instance holds the E.164 form after save(), the same as after a reload.
        value = self.to_python(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value

    def formfield(
        self,
        form_class: type[forms.Field] | None = PhoneFormField,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field | None:
        return super(models.TextField, self).formfield(
            form_class=form_class, choices_form_class=choices_form_class, **kwargs
        )
