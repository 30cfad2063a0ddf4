"""Form pieces every app shares."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The dates a person may type in a page's field or filter. The calendar's own ends
# (0001-01-01, 9999-12-31) cannot be moved a day, nor from Malaysian time to UTC, without
# leaving Python's calendar: they were 500s. Nothing WeServe keeps lies outside these.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)


def within_calendar(value: dt.date | dt.datetime | None) -> None:
    """Validator for DateField and DateTimeField: the date lies between the two above."""
    if value is None:
        return
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            _("Enter a date between {earliest} and {latest}.").format(
                earliest=EARLIEST_DATE.isoformat(), latest=LATEST_DATE.isoformat()
            ),
            code="out_of_calendar",
        )
