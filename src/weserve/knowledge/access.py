"""Who may read, approve and follow up the reference shelf: one place for its rules.

Every signed-in member of staff with a role reads the shelf. An article reaches the
offices at and below its own: HQ's reach every office, an office's own reach that office
(and the heads above it, who see the offices below theirs). Only approved articles are
shown; a draft only to an administrator of an office they may see. Anything else is 404
(its existence is not disclosed); a wrong role is 403. Counter staff and telephone
operators acknowledge what they have read; the supervisor (and a head of department)
sees who has not.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from weserve.core.roles import Role, has_role
from weserve.core.scoping import home_office_ids, visible_office_ids
from weserve.organisation.models import Office

SHELF_ROLES = tuple(Role)
EDIT_ROLES = (Role.ADMIN,)
ACK_ROLES = (Role.COUNTER_STAFF, Role.OPERATOR)
FOLLOW_UP_ROLES = (Role.SUPERVISOR, Role.HEAD)


def ancestor_ids(office_ids: set[int] | frozenset[int]) -> set[int]:
    """The offices above these (their state office, HQ), not these themselves."""
    found: set[int] = set()
    frontier = set(office_ids)
    while frontier:
        parents = set(
            Office.objects.filter(pk__in=frontier, parent__isnull=False).values_list(
                "parent_id", flat=True
            )
        )
        frontier = parents - found
        found |= parents
    return found


def reach_office_ids(user: Any) -> set[int]:
    """Offices whose articles this person reads: those they may see, and those above
    their own offices (an article of HQ is read everywhere)."""
    own = home_office_ids(user)
    return set(visible_office_ids(user)) | ancestor_ids(own) | own


def readable(user: Any) -> Q:
    """The articles this person may open (a Q over Article)."""
    approved = Q(status="approved", office__in=reach_office_ids(user))
    if has_role(user, *EDIT_ROLES):
        return approved | Q(office__in=visible_office_ids(user))
    return approved


def require_reader(user: Any) -> None:
    """403 for a signed-in person without a staff role."""
    if not has_role(user, *SHELF_ROLES):
        raise PermissionDenied


def can_edit(user: Any) -> bool:
    return has_role(user, *EDIT_ROLES)


def must_acknowledge(user: Any) -> bool:
    return has_role(user, *ACK_ROLES)


def require_editor(user: Any, article: Any) -> None:
    """The administrator who approves this article (their office's, 404 otherwise)."""
    if article.office_id not in visible_office_ids(user):
        raise Http404
    if not can_edit(user):
        raise PermissionDenied


def require_follow_up(user: Any, office: Any) -> None:
    """The supervisor who follows up the office's readers."""
    if office is None or office.pk not in visible_office_ids(user):
        raise Http404
    if not has_role(user, *FOLLOW_UP_ROLES):
        raise PermissionDenied
