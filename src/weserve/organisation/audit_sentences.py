"""The sentences of the organisation's audit actions, for the audit log page (registered in
`OrganisationConfig.ready()` with `core.audit_text.register_sentences`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from weserve.core.audit_text import MISSING, Sentence
from weserve.organisation.devices import PAIRING_FAILED_ACTION
from weserve.organisation.models import Device


def _device_created(values: Mapping[str, Any]) -> str:
    kind = values["kind"]
    kind = Device.Kind(kind).label if kind in Device.Kind.values else kind
    if values["counter"] != MISSING:
        text = gettext("Device %(name)s (%(kind)s, counter %(counter)s) added")
    else:
        text = gettext("Device %(name)s (%(kind)s) added")
    return text % {"name": values["name"], "kind": kind, "counter": values["counter"]}


def _device(with_name: Any, without_name: Any) -> Any:
    # Entries written before the device's name was logged name it by its number.
    def sentence(values: Mapping[str, Any]) -> str:
        if values["name"] != MISSING:
            return str(with_name) % values
        return str(without_name) % values

    return sentence


SENTENCES: dict[str, Sentence] = {
    "organisation.device.created": _device_created,
    "organisation.device.revoked": _device(
        _("Device %(name)s revoked"), _("Device %(target)s revoked")
    ),
    "organisation.device.pairing_code_created": _device(
        _("Pairing code made for device %(name)s"), _("Pairing code made for device %(target)s")
    ),
    "organisation.device.paired": _("Device %(actor)s paired"),
    PAIRING_FAILED_ACTION: _("A wrong pairing code was entered (from %(ip)s)"),
    "organisation.demo.loaded": _("Demo data loaded"),
    "organisation.presence.set": _("Presence set to %(presence)s"),
}
