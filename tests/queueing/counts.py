"""The waiting counts two ways, for tests that compare them."""

from __future__ import annotations

import collections

from weserve.queueing.models import Ticket, TicketStatus, WaitingCount


def kept() -> dict[tuple[int, int, bool], int]:
    """The counts as the triggers keep them (rows at zero left out)."""
    return {
        (row.office_id, row.service_id, row.priority_lane): row.waiting
        for row in WaitingCount.objects.all()
        if row.waiting != 0
    }


def counted() -> dict[tuple[int, int, bool], int]:
    """The counts as the ticket table says."""
    counts: collections.Counter[tuple[int, int, bool]] = collections.Counter()
    for office, service, priority in Ticket.objects.filter(status=TicketStatus.WAITING).values_list(
        "office_id", "service_id", "priority"
    ):
        counts[(office, service, priority != "none")] += 1
    return dict(counts)
