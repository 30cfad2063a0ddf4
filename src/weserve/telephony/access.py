"""Who may do what on the telephone desk, in which office: one place for its rules.

The operator (Telefonis) and the supervisor work the console of an office they belong
to; an officer reads and answers their own messages; a supervisor, head or administrator
reads the office's log and report. Only an `exchange` device sends the exchange's
events, for its own office. Another office's call or message is 404 (its existence is
not disclosed); a wrong role in one's own office is 403.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from weserve.core.roles import Role, has_role
from weserve.core.scoping import visible_office_ids
from weserve.core.tokens import Principal
from weserve.organisation.models import Device, Office, StaffMember
from weserve.telephony.models import Message

CONSOLE_ROLES = (Role.OPERATOR, Role.SUPERVISOR)
REPORT_ROLES = (Role.OPERATOR, Role.SUPERVISOR, Role.HEAD, Role.ADMIN)
INBOX_ROLES = tuple(Role)


def require_exchange(caller: Principal) -> Device:
    """The caller is a live `exchange` device (people and other devices: 403)."""
    device = caller.device
    if device is None or device.kind != Device.Kind.EXCHANGE:
        raise PermissionDenied
    return device


def require_office_visible(user: Any, office: Office) -> None:
    if office is None or office.pk not in visible_office_ids(user):
        raise Http404


def require_console(user: Any, office: Office) -> None:
    """The operator or supervisor of this office."""
    require_office_visible(user, office)
    if not has_role(user, *CONSOLE_ROLES):
        raise PermissionDenied


def require_report(user: Any, office: Office) -> None:
    require_office_visible(user, office)
    if not has_role(user, *REPORT_ROLES):
        raise PermissionDenied


def staff_of(user: Any) -> StaffMember | None:
    return getattr(user, "staff", None) if getattr(user, "is_authenticated", False) else None


def can_see_message(user: Any, message: Message) -> bool:
    staff = staff_of(user)
    if staff is not None and message.officer_id == staff.pk:
        return True
    return message.office_id in visible_office_ids(user) and has_role(
        user, Role.SUPERVISOR, Role.OPERATOR
    )


def require_call_back(user: Any, message: Message) -> None:
    """The officer the message is for, or the office's supervisor, records the call-back."""
    staff = staff_of(user)
    if staff is not None and message.officer_id == staff.pk:
        return
    if message.office_id not in visible_office_ids(user):
        raise Http404
    if not has_role(user, Role.SUPERVISOR):
        raise PermissionDenied
