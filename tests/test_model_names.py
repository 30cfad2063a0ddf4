"""What a person reads of the data model (the admin's lists, its permission names) is in
Malay as well as English."""

from __future__ import annotations

from django.apps import apps
from django.utils import translation


def test_every_model_of_weserve_has_a_malay_name():
    untranslated = []
    for model in apps.get_models():
        if not model.__module__.startswith("weserve."):
            continue
        for name in ("verbose_name", "verbose_name_plural"):
            with translation.override("en"):
                english = str(getattr(model._meta, name))
            with translation.override("ms"):
                malay = str(getattr(model._meta, name))
            if malay == english:
                untranslated.append(f"{model._meta.label}.{name}: {english!r}")
    assert untranslated == []


# Words that are the same in Malay and English.
SAME_IN_BOTH = {"status", "ID"}


def test_every_field_of_weserve_has_a_malay_name():
    """The admin's column headers and field labels are the fields' names (issue 14)."""
    untranslated = []
    for model in apps.get_models():
        if not model.__module__.startswith("weserve."):
            continue
        for field in model._meta.get_fields():
            if (field.auto_created and not field.concrete) or not hasattr(field, "verbose_name"):
                continue
            with translation.override("en"):
                english = str(field.verbose_name)
            with translation.override("ms"):
                malay = str(field.verbose_name)
            if malay == english and english not in SAME_IN_BOTH:
                untranslated.append(f"{model._meta.label}.{field.name}: {english!r}")
    assert untranslated == []
