"""Reads of customer feedback that the pages and the API share."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef

from weserve.core import clock
from weserve.feedback.models import Rating
from weserve.feedback.satisfaction_models import SatisfactionForm
from weserve.organisation.models import Counter
from weserve.queueing.models import Ticket, TicketStatus

# How long after its service a ticket waits on the counter's tablet for its rating; the
# tablet then goes back to its welcome screen. A new completion at the counter takes its
# place at once.
TABLET_WINDOW = dt.timedelta(minutes=5)


def is_rated(ticket: Ticket) -> bool:
    return Rating.objects.filter(ticket=ticket).exists()


def last_completed(counter: Counter) -> Ticket | None:
    """The ticket completed most recently at this counter, with whether it is rated
    (`rated`) and who served it."""
    return (
        Ticket.objects.filter(counter=counter, status=TicketStatus.COMPLETED)
        .annotate(rated=Exists(Rating.objects.filter(ticket=OuterRef("pk"))))
        .select_related("served_by__staff", "service", "counter")
        .order_by("-completed_at", "-pk")
        .first()
    )


def ticket_to_rate(counter: Counter, *, at: dt.datetime | None = None) -> Ticket | None:
    """The ticket the counter's tablet asks about now: the one just completed there, if
    it was completed within `TABLET_WINDOW` and nobody has rated it yet."""
    now = at or clock.now()
    ticket = last_completed(counter)
    if ticket is None or ticket.rated or ticket.completed_at is None:
        return None
    if now - ticket.completed_at > TABLET_WINDOW:
        return None
    return ticket


def ticket_for_form(counter: Counter, *, at: dt.datetime | None = None) -> Ticket | None:
    """The visit the full Customer Satisfaction Form on the counter's tablet is about: the
    ticket just completed there (within `TABLET_WINDOW`), rated on the faces or not, as
    long as no form names it yet. A customer opens the form from the thanks after rating."""
    now = at or clock.now()
    ticket = last_completed(counter)
    if ticket is None or ticket.completed_at is None:
        return None
    if now - ticket.completed_at > TABLET_WINDOW:
        return None
    if SatisfactionForm.objects.filter(ticket=ticket).exists():
        return None
    return ticket


def served_by_name(ticket: Ticket) -> str:
    """The name of the staff member who served the ticket, as the directory has it."""
    user = ticket.served_by
    if user is None:
        return ""
    staff = getattr(user, "staff", None)
    return staff.name if staff is not None else user.get_full_name() or user.get_username()
