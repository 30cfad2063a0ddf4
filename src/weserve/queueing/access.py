"""Who may act on a counter or a ticket: one place for the queue's permission rules.

Penyelia may act on any counter of an office they can see; counter staff act on the
counter they opened; devices act only as their kind allows, in their own office.
Another office's counter or ticket is 404, a wrong role in one's own office is 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from weserve.core.roles import Role, has_role
from weserve.core.tokens import Principal
from weserve.organisation.models import Counter, Office
from weserve.queueing.models import CounterSession

STAFF_ROLES = (Role.COUNTER_STAFF, Role.SUPERVISOR)


def require_office(caller: Principal, office: Office) -> None:
    if office.pk not in caller.office_ids:
        raise Http404


def require_device_kind(caller: Principal, *kinds: str) -> None:
    if caller.device is not None and caller.device.kind not in kinds:
        raise PermissionDenied


def can_supervise(user: Any) -> bool:
    return has_role(user, Role.SUPERVISOR)


def require_staff(caller: Principal) -> Any:
    """The signed-in person behind a counter action (devices never act on counters)."""
    if caller.user is None or not has_role(caller.user, *STAFF_ROLES):
        raise PermissionDenied
    return caller.user


def require_counter_operator(caller: Principal, counter: Counter, *, opening: bool = False) -> Any:
    """The person may work this counter: a supervisor, or the staff member who opened it."""
    require_office(caller, counter.office)
    user = require_staff(caller)
    if can_supervise(user):
        return user
    if opening:
        return user
    session = CounterSession.objects.filter(counter=counter, closed_at__isnull=True).first()
    if session is None or session.user_id != user.pk:
        raise PermissionDenied
    return user
