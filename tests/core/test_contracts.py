"""Core reaches the office, device and staff models through settings; a setting that
names no model, or one without what core calls, stops start-up with a plain message."""

from __future__ import annotations

from weserve.core.checks import contracts_fulfilled


def test_the_project_fulfils_core_contracts():
    assert contracts_fulfilled(None) == []


def test_a_setting_naming_no_model_is_an_error(settings):
    settings.WESERVE_DEVICE_MODEL = "kiosks.Kiosk"

    assert [e.id for e in contracts_fulfilled(None)] == ["weserve.E002"]


def test_a_model_without_what_core_calls_is_an_error(settings):
    settings.WESERVE_STAFF_MODEL = "organisation.Office"

    errors = contracts_fulfilled(None)

    assert [e.id for e in errors] == ["weserve.E003"]
    assert "office_ids_of, home_office_id_of" in errors[0].msg


def test_an_unset_setting_is_an_error(settings):
    del settings.WESERVE_OFFICE_MODEL

    assert [e.id for e in contracts_fulfilled(None)] == ["weserve.E002"]
