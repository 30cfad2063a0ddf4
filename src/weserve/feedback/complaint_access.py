"""Who may see and act on complaints: one place for the rules.

- The office's complaint pages: its supervisors (Penyelia), who see every complaint and
  assign them, and its complaint officers (Pegawai Aduan), who see and act on those
  assigned to them. Another office (one the person cannot see) is 404; another role, or
  a complaint officer's look at a complaint not theirs, is 403.
- Keying a complaint in at the counter: the office's counter staff, supervisors and
  complaint officers.
- The public form and the API's complaint endpoints: anyone, no sign-in.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from weserve.core.roles import Role, has_role
from weserve.core.scoping import office_for_user
from weserve.feedback.complaint_models import Complaint
from weserve.organisation.models import Office

HANDLING_ROLES = (Role.SUPERVISOR, Role.COMPLAINT_OFFICER)
KEYING_ROLES = (Role.COUNTER_STAFF, Role.SUPERVISOR, Role.COMPLAINT_OFFICER)


def require_handler(user: Any, office_code: str) -> Office:
    """The office, for a supervisor or complaint officer who may see it."""
    office = office_for_user(user, office_code)
    if not has_role(user, *HANDLING_ROLES):
        raise PermissionDenied
    return office  # type: ignore[return-value]


def require_keyer(user: Any, office_code: str) -> Office:
    office = office_for_user(user, office_code)
    if not has_role(user, *KEYING_ROLES):
        raise PermissionDenied
    return office  # type: ignore[return-value]


def can_assign(user: Any) -> bool:
    return has_role(user, Role.SUPERVISOR)


def require_complaint(user: Any, office: Office, reference: str) -> Complaint:
    """The office's complaint of this reference, for its supervisor or its officer."""
    complaint = (
        Complaint.objects.select_related("office", "assigned_to__staff", "against_service")
        .filter(office=office, reference=reference)
        .first()
    )
    if complaint is None:
        raise Http404
    if not has_role(user, Role.SUPERVISOR) and complaint.assigned_to_id != user.pk:
        raise PermissionDenied
    return complaint
