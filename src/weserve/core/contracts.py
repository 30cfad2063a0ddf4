"""The models core reaches without importing them, named by settings as AUTH_USER_MODEL is.

Core sits below every app (docs/architecture.md), yet its scoping and authentication
need three things that live above it. Each is a model named by a setting, with a small
documented interface; a system check (`core.checks.contracts_fulfilled`) stops start-up
when a named model is missing or lacks it.

- `WESERVE_OFFICE_MODEL` ("organisation.Office"): an office, with `parent` (the office
  above it, or none at the top) and a unique `code`; core reads it through its default
  manager.
- `WESERVE_DEVICE_MODEL` ("organisation.Device"): a paired device of one office, with
  `office_id` and `kind`; its default manager's `for_token(raw) -> device | None` gives
  the live (unrevoked) device behind a raw token or cookie value.
- `WESERVE_STAFF_MODEL` ("organisation.StaffMember"): who a person is in the office;
  its default manager's `office_ids_of(user) -> set[int]` gives the offices the person
  belongs to (home and granted; empty for a stranger), and `home_office_id_of(user) ->
  int | None` their home office.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from django.apps import apps
from django.conf import settings
from django.db.models import Model

# setting -> the default manager's methods core calls (the protocols below type them)
REQUIRED_METHODS = {
    "WESERVE_OFFICE_MODEL": (),
    "WESERVE_DEVICE_MODEL": ("for_token",),
    "WESERVE_STAFF_MODEL": ("office_ids_of", "home_office_id_of"),
}


def office_model() -> type[Model]:
    return apps.get_model(settings.WESERVE_OFFICE_MODEL)


def device_model() -> type[Model]:
    return apps.get_model(settings.WESERVE_DEVICE_MODEL)


def staff_model() -> type[Model]:
    return apps.get_model(settings.WESERVE_STAFF_MODEL)


class DeviceManager(Protocol):
    """What core calls on WESERVE_DEVICE_MODEL's default manager."""

    def for_token(self, raw: str) -> Any: ...


class StaffManager(Protocol):
    """What core calls on WESERVE_STAFF_MODEL's default manager."""

    def office_ids_of(self, user: Any) -> set[int]: ...

    def home_office_id_of(self, user: Any) -> int | None: ...


# The casts below hold because contracts_fulfilled (weserve.core.checks) stops start-up
# when a named model's default manager lacks a method of REQUIRED_METHODS; a type checker
# cannot follow a model named by a setting.


def device_manager() -> DeviceManager:
    return cast(DeviceManager, device_model()._default_manager)


def staff_manager() -> StaffManager:
    return cast(StaffManager, staff_model()._default_manager)
