"""Reads of complaints that the pages and the API share: the office's list, one file,
and the overdue list the supervisor is shown (breaches of a deadline, not yet done)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from weserve.core import clock
from weserve.core.roles import Role, has_role
from weserve.feedback.complaint_models import Complaint, ComplaintState

# A deadline is breached when it has passed and its step is not done. A complaint
# waiting on the complainant is paused: none of its deadlines run.
_ACK_BREACHED = "acknowledge"
_REPLY_BREACHED = "reply"
_RESOLVE_BREACHED = "resolve"


def _breach_q(now: dt.datetime) -> Q:
    return (
        Q(acknowledge_due__lt=now, acknowledged_at__isnull=True)
        | Q(reply_due__lt=now, replied_at__isnull=True)
        | Q(resolve_due__lt=now, resolved_at__isnull=True)
    )


def overdue(office_ids: Any, *, at: dt.datetime | None = None) -> QuerySet[Complaint]:
    """Complaints of these offices past a deadline whose step is not done, oldest first
    (not closed, not waiting on the complainant)."""
    now = at or clock.now()
    return (
        Complaint.objects.filter(office_id__in=office_ids)
        .exclude(state__in=(ComplaintState.CLOSED, ComplaintState.WAITING))
        .filter(_breach_q(now))
        .select_related("office", "assigned_to__staff")
        .order_by("received_at", "pk")
    )


def breaches(complaint: Complaint, *, at: dt.datetime | None = None) -> list[str]:
    """Which deadlines of this complaint are breached now: acknowledge, reply, resolve."""
    now = at or clock.now()
    if complaint.state in (ComplaintState.CLOSED, ComplaintState.WAITING):
        return []
    found = []
    if complaint.acknowledged_at is None and complaint.acknowledge_due < now:
        found.append(_ACK_BREACHED)
    if complaint.replied_at is None and complaint.reply_due < now:
        found.append(_REPLY_BREACHED)
    if complaint.resolved_at is None and complaint.resolve_due < now:
        found.append(_RESOLVE_BREACHED)
    return found


def complaints_for(user: Any, office_id: int) -> QuerySet[Complaint]:
    """The complaints of an office a person may see: all of them for its supervisor, the
    ones assigned to them for a complaint officer."""
    complaints = Complaint.objects.filter(office_id=office_id).select_related(
        "assigned_to__staff", "against_service"
    )
    if has_role(user, Role.SUPERVISOR):
        return complaints
    return complaints.filter(assigned_to=user)
