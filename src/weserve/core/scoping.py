"""Office scoping, implemented once: every view and API endpoint reads through here.

A person sees their home office and any office they are granted. A head of department
(Ketua Jabatan) also sees every office below theirs. Heads and administrators at the top
of the hierarchy (HQ) see every office. Records of an office one may not see are
answered with 404, never 403, so their existence is not disclosed; a wrong role inside
one's own office is 403.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from weserve.core.contracts import office_model, staff_manager
from weserve.core.roles import Role, has_role

M = TypeVar("M", bound=Model)

# Core sits below organisation: the office and staff models are named by settings
# (weserve.core.contracts), not imported.


def _descendant_ids(root_ids: set[int]) -> set[int]:
    offices = office_model()._default_manager
    found = set(root_ids)
    frontier = set(root_ids)
    while frontier:
        children = set(offices.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        found |= children
        frontier = children
    return found


def home_office_ids(user: Any) -> set[int]:
    """The offices a person belongs to: home office and granted offices."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(staff_manager().office_ids_of(user))


def home_office_id(user: Any) -> int | None:
    """The person's home office, if they have one."""
    if not getattr(user, "is_authenticated", False):
        return None
    return staff_manager().home_office_id_of(user)


def visible_office_ids(user: Any) -> frozenset[int]:
    """Ids of every office whose records this person may read (cached per user object)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached: frozenset[int] | None = getattr(user, "_weserve_office_ids", None)
    if cached is not None:
        return cached
    offices = office_model()._default_manager
    if user.is_superuser:
        ids = set(offices.values_list("pk", flat=True))
    else:
        own = home_office_ids(user)
        ids = set(own)
        if has_role(user, Role.HEAD, Role.ADMIN):
            roots = set(
                offices.filter(pk__in=own, parent__isnull=True).values_list("pk", flat=True)
            )
            if roots:
                # HQ heads and administrators see everything.
                ids = set(offices.values_list("pk", flat=True))
            elif has_role(user, Role.HEAD):
                ids = _descendant_ids(own)
    result = frozenset(ids)
    user._weserve_office_ids = result
    return result


def visible_offices(user: Any) -> QuerySet[Model]:
    return office_model()._default_manager.filter(pk__in=visible_office_ids(user))


def for_user(queryset: QuerySet[M], user: Any, field: str = "office") -> QuerySet[M]:
    """Restrict a queryset to records of offices the user may see."""
    return queryset.filter(**{f"{field}__in": visible_office_ids(user)})


def get_for_user(queryset: QuerySet[M], user: Any, field: str = "office", **lookup: Any) -> M:
    """One record the user may see, or 404 (also for another office's records)."""
    try:
        return for_user(queryset, user, field).get(**lookup)
    # ObjectDoesNotExist: the model's own DoesNotExist, which a type checker cannot see
    # on a model class that is only known to be some Model.
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def office_for_user(user: Any, code: str) -> Model:
    """The office with this code, if the user may see it; 404 otherwise."""
    return get_for_user(office_model()._default_manager.all(), user, field="pk", code=code)


def require_role(user: Any, *roles: Role) -> None:
    """403 unless the user holds one of the roles."""
    if not has_role(user, *roles):
        raise PermissionDenied


def require_office_role(user: Any, office: Any, *roles: Role) -> None:
    """404 for an office the user cannot see; 403 for a wrong role inside it."""
    if office.pk not in visible_office_ids(user):
        raise Http404
    require_role(user, *roles)
