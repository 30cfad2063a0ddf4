"""Roles are Django groups; their names are fixed and their permissions set in a migration."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from weserve.core.models import User


class Role(StrEnum):
    ADMIN = "Pentadbir"
    SUPERVISOR = "Penyelia"
    COUNTER_STAFF = "Petugas Kaunter"
    OPERATOR = "Telefonis"
    OFFICER = "Pegawai"
    COMPLAINT_OFFICER = "Pegawai Aduan"
    HEAD = "Ketua Jabatan"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _("Administrator"),
    Role.SUPERVISOR: _("Supervisor"),
    Role.COUNTER_STAFF: _("Counter staff"),
    Role.OPERATOR: _("Telephone operator"),
    Role.OFFICER: _("Officer"),
    Role.COMPLAINT_OFFICER: _("Complaint officer"),
    Role.HEAD: _("Head of department"),
}

# Roles allowed to see a MyKad number in full (each reveal is audited).
MYKAD_REVEAL_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})
# Roles allowed to read the audit log of their offices.
AUDIT_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})


def roles_of(user: User | AnonymousUser) -> frozenset[Role]:
    """The roles of a signed-in user, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_weserve_roles", None)
    if cached is None:
        valid = {r.value for r in Role}
        names = set(user.groups.values_list("name", flat=True))
        cached = frozenset(Role(n) for n in names if n in valid)
        user._weserve_roles = cached  # type: ignore[union-attr]
    return cached


def has_role(user: User | AnonymousUser, *roles: Role) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return bool(roles_of(user) & set(roles))


# What each role may do in the Django admin and beyond. Permissions are named
# "<app_label>.<codename>"; the groups are kept in step after every migrate.
_ORG_MODELS = (
    "office",
    "openinghours",
    "officeholiday",
    "section",
    "staffmember",
    "service",
    "counter",
    "device",
)
_CRUD = ("add", "change", "view")
_SHELF_MODELS = ("article", "articlesection", "agency", "emergencycontact")

ROLE_PERMISSIONS: dict[Role, set[str]] = {
    Role.ADMIN: {f"organisation.{verb}_{model}" for model in _ORG_MODELS for verb in _CRUD}
    | {
        "core.view_auditlog",
        "core.reveal_personal_data",
        "core.add_user",
        "core.change_user",
        "core.view_user",
    }
    # Queue records are read-only in the admin: viewing is all an administrator may do.
    | {
        f"queueing.view_{model}"
        for model in ("ticket", "countersession", "clientcharter", "announcement")
    }
    # The office's catalogue of JKM forms is kept by its administrator; register entries
    # are written by counter staff through the register's services and only viewed here.
    | {f"register.{verb}_jkmform" for verb in _CRUD}
    | {"register.view_registerentry", "register.view_referral"}
    # Ratings are written by customers through the feedback services; viewed only here.
    | {"feedback.view_rating"}
    # The reference shelf: articles, the directory and emergency contacts are written
    # here; reading acknowledgements are only viewed.
    | {f"knowledge.{verb}_{model}" for model in _SHELF_MODELS for verb in _CRUD}
    | {"knowledge.view_acknowledgement"}
    # Complaints are written through the complaint services; an office's deadlines
    # (working days to acknowledge, reply and resolve) are its administrator's to set.
    | {"feedback.view_complaint"}
    | {f"feedback.{verb}_complaintsettings" for verb in _CRUD},
    Role.SUPERVISOR: {f"organisation.view_{model}" for model in _ORG_MODELS}
    | {"core.view_auditlog", "core.reveal_personal_data"},
    Role.COUNTER_STAFF: {"organisation.view_counter", "organisation.view_service"},
    Role.OPERATOR: {"organisation.view_staffmember"},
    Role.OFFICER: {"organisation.view_staffmember"},
    Role.COMPLAINT_OFFICER: {"organisation.view_staffmember"},
    Role.HEAD: {f"organisation.view_{model}" for model in _ORG_MODELS},
}


def sync_role_groups(**kwargs: Any) -> None:
    """Create the role groups and give them exactly their permissions (post_migrate)."""
    from django.contrib.auth.models import Group, Permission

    # post_migrate fires once per app; running each time is cheap and the last run,
    # after every app has made its permissions, leaves the groups complete.
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = []
        for dotted in sorted(perms):
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
