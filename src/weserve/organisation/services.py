"""The staff directory's own changes: one function per use case, one transaction each,
with its audit entry. Apps that show the directory live hear of a change through
`core.presence` (the operator console does), without the directory knowing them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from weserve.core.audit import log_action
from weserve.core.errors import DomainError
from weserve.core.presence import presence_changed
from weserve.organisation.models import StaffMember


@transaction.atomic
def set_presence(staff: StaffMember, *, acting_user: Any, presence: Any) -> StaffMember:
    """The person says where they are, in one click (in the office, out, in a meeting, on
    leave); back in the office clears the expected return."""
    if not isinstance(presence, str) or presence not in StaffMember.Presence.values:
        raise DomainError("invalid", _("Choose where you are."), status=422)
    staff = StaffMember.objects.select_for_update().get(pk=staff.pk)
    staff.presence = presence
    if presence == StaffMember.Presence.IN_OFFICE:
        staff.expected_return = None
    staff.save(update_fields=["presence", "expected_return"])
    log_action(
        "organisation.presence.set",
        user=acting_user,
        office=staff.home_office,
        target=staff,
        data={"presence": presence},
    )
    presence_changed(staff)
    return staff
