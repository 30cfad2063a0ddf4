"""Who may read the feedback reports and the filed forms, and key in box slips and
remarks: one place for the rules.

- The reports, the filed satisfaction forms, the box log and the remarks: the office's
  supervisors, complaint officers and administrators, and a head of department (Ketua
  Jabatan), who also sees every office below theirs (a report of their office covers
  them all, per office and combined). Another office (one the person may not see) is
  404; another role is 403.
- Keying a paper satisfaction form: those, and the office's counter staff.
- Logging a box opening, keying its slips, recording remarks and actions: the office's
  supervisors and complaint officers.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from weserve.core.roles import Role, has_role
from weserve.core.scoping import office_for_user
from weserve.organisation.models import Office

READER_ROLES = (Role.SUPERVISOR, Role.COMPLAINT_OFFICER, Role.ADMIN, Role.HEAD)
FORM_KEYER_ROLES = (Role.COUNTER_STAFF, Role.SUPERVISOR, Role.COMPLAINT_OFFICER)
BOX_ROLES = (Role.SUPERVISOR, Role.COMPLAINT_OFFICER)


def _office(user: Any, office_code: str, roles: tuple[Role, ...]) -> Office:
    office = office_for_user(user, office_code)
    if not has_role(user, *roles):
        raise PermissionDenied
    return office  # type: ignore[return-value]


def require_reader(user: Any, office_code: str) -> Office:
    return _office(user, office_code, READER_ROLES)


def require_form_keyer(user: Any, office_code: str) -> Office:
    return _office(user, office_code, FORM_KEYER_ROLES)


def require_box_keeper(user: Any, office_code: str) -> Office:
    return _office(user, office_code, BOX_ROLES)


def may_key_forms(user: Any) -> bool:
    return has_role(user, *FORM_KEYER_ROLES)


def may_keep_box(user: Any) -> bool:
    return has_role(user, *BOX_ROLES)
