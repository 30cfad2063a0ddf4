"""Reads of the register that the API and pages share."""

from __future__ import annotations

import datetime as dt

from weserve.organisation.models import Office
from weserve.register.models import RegisterEntry, RegisterEntryQuerySet


def with_details(entries: RegisterEntryQuerySet) -> RegisterEntryQuerySet:
    """Entries with what a list shows of each (ticket, service, staff, forms) in a fixed
    number of queries, however many entries."""
    return entries.select_related(
        "office", "ticket", "service", "served_by__staff"
    ).prefetch_related("forms_handed_over__form")


def day_register(office: Office, day: dt.date) -> list[RegisterEntry]:
    """An office's register of one business day, in the order the visits were recorded."""
    return list(
        with_details(RegisterEntry.objects.for_office(office).on_day(day)).order_by(
            "served_at", "pk"
        )
    )
