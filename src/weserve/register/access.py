"""Who may keep and read an office's customer register: one place for its rules.

Counter staff and the supervisor of an office record visits and look up returning
customers; the supervisor, administrators and heads of department (over the offices
below theirs) read the register. Another office's register is 404, a wrong role in
one's own office 403. Devices never touch the register.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from weserve.core.roles import Role, has_role
from weserve.core.tokens import Principal
from weserve.organisation.models import Office

RECORD_ROLES = (Role.COUNTER_STAFF, Role.SUPERVISOR)
READ_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.HEAD)


def require_office(caller: Principal, office: Office) -> None:
    if office.pk not in caller.office_ids:
        raise Http404


def _person_with_role(caller: Principal, roles: tuple[Role, ...]) -> Any:
    if caller.user is None or not has_role(caller.user, *roles):
        raise PermissionDenied
    return caller.user


def require_recorder(caller: Principal, office: Office) -> Any:
    """The person who records a visit (or looks up a returning customer) at this office."""
    require_office(caller, office)
    return _person_with_role(caller, RECORD_ROLES)


def require_reader(caller: Principal, office: Office) -> Any:
    """The person who reads this office's register."""
    require_office(caller, office)
    return _person_with_role(caller, READ_ROLES)


def can_record(user: Any) -> bool:
    return has_role(user, *RECORD_ROLES)
