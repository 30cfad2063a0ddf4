"""Who may keep and read an office's customer register: one place for its rules.

Counter staff and the supervisor of an office record visits and look up returning
customers; the supervisor, administrators and heads of department (over the offices
below theirs) read the register. Another office's register is 404, a wrong role in
one's own office 403. Devices never touch the register.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from weserve.core.roles import Role, has_role
from weserve.core.scoping import visible_office_ids
from weserve.core.tokens import Principal
from weserve.organisation.models import Office

M = TypeVar("M", bound=Model)

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


def page_caller(request: HttpRequest) -> Principal:
    """The signed-in person of a page, with the offices they may see."""
    return Principal(user=request.user, office_ids=visible_office_ids(request.user))


def recorded_here(request: HttpRequest, records: QuerySet[M]) -> tuple[M, Any]:
    """One of these records of the page's current office (404 otherwise, also for
    another office's) and the person who records there (403 for a wrong role)."""
    office = getattr(request, "office", None)
    record = records.filter(office=office).first() if office is not None else None
    if record is None:
        raise Http404
    return record, require_recorder(page_caller(request), office)


# --- Referrals (PT-2.5) ---------------------------------------------------------------------
# A referral is seen and acted on by the officer it names, and by the supervisors and heads
# of its office; anyone else gets 404 for it, whatever their office. Officers, supervisors
# and heads open the inbox; the counter sees a referral's status in its register panel.

REFERRAL_OVERSEER_ROLES = (Role.SUPERVISOR, Role.HEAD)
# Who can be referred to (and so has an inbox): the office's officers and those above them.
REFERRAL_OFFICER_ROLES = (Role.OFFICER, Role.COMPLAINT_OFFICER, Role.SUPERVISOR, Role.HEAD)


def overseen_office_ids(user: Any) -> frozenset[int]:
    """The offices whose referrals this person oversees (supervisor or head there)."""
    if not has_role(user, *REFERRAL_OVERSEER_ROLES):
        return frozenset()
    return visible_office_ids(user)


def may_handle_referral(user: Any, referral: Any) -> bool:
    """The referred officer, or a supervisor or head of the referral's office."""
    if not getattr(user, "is_authenticated", False):
        return False
    if referral.officer.user_id == user.pk:
        return True
    return referral.office_id in overseen_office_ids(user)


def require_inbox_user(caller: Principal) -> Any:
    """A person who can be referred to, or who oversees referrals (403 otherwise)."""
    return _person_with_role(caller, REFERRAL_OFFICER_ROLES)
