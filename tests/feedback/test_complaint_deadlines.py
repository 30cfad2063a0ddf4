"""Complaint deadlines in the office's working days (PY-6.3, PT-4.3): the close of the
Nth working day after the local date of receipt, counting from the next working day when
received on a weekend or holiday; state weekends (Kedah, Kelantan, Terengganu rest
Friday-Saturday), public holidays from the `holidays` package, the office's own
overrides; and the clock paused while a complaint waits on its complainant."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weserve.core.clock import MALAYSIA
from weserve.feedback import complaint_services as complaints
from weserve.feedback import deadlines
from weserve.feedback.complaint_models import ComplaintState
from weserve.feedback.complaint_selectors import breaches, overdue
from weserve.organisation.models import Office, OfficeHoliday

SELANGOR, KEDAH, KELANTAN, TERENGGANU, JOHOR = "10", "02", "03", "11", "01"


def office_in(state: str, overrides: list[OfficeHoliday] | None = None) -> Office:
    """An office following its state's calendar, with these overrides (no database)."""
    office = Office(code=f"T-{state}", state=state, follows_state_calendar=True)
    office._holiday_overrides = overrides or []
    return office


def local(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hour, minute, tzinfo=MALAYSIA)


D = dt.date
CASES = [
    # state, received (local), N, the deadline's day
    (SELANGOR, local(2026, 7, 9), 1, D(2026, 7, 10)),  # Thu -> Fri
    (SELANGOR, local(2026, 7, 10), 1, D(2026, 7, 13)),  # Fri -> Mon over the weekend
    (SELANGOR, local(2026, 7, 11), 1, D(2026, 7, 14)),  # Sat counts from Mon -> Tue
    (SELANGOR, local(2026, 7, 12), 1, D(2026, 7, 14)),  # Sun counts from Mon -> Tue
    (SELANGOR, local(2026, 7, 10), 3, D(2026, 7, 15)),  # Fri + 3 -> Wed
    (SELANGOR, local(2026, 7, 9), 15, D(2026, 7, 30)),  # three weeks of weekdays
    (SELANGOR, local(2026, 8, 28), 1, D(2026, 9, 1)),  # Fri; Mon 31 Aug National Day
    (SELANGOR, local(2026, 9, 15), 1, D(2026, 9, 17)),  # Wed 16 Sep Malaysia Day
    (SELANGOR, local(2026, 12, 10), 1, D(2026, 12, 14)),  # Fri 11 Dec Sultan's birthday
    (SELANGOR, local(2026, 12, 24), 1, D(2026, 12, 28)),  # Fri 25 Dec Christmas
    (JOHOR, local(2026, 7, 10), 1, D(2026, 7, 13)),  # Johor rests Sat-Sun since 2025
    (KEDAH, local(2026, 7, 9), 1, D(2026, 7, 12)),  # Thu -> Sun (Fri-Sat weekend)
    (KEDAH, local(2026, 7, 10), 1, D(2026, 7, 13)),  # Fri counts from Sun -> Mon
    (KEDAH, local(2026, 7, 11), 1, D(2026, 7, 13)),  # Sat counts from Sun -> Mon
    (KEDAH, local(2026, 7, 12), 1, D(2026, 7, 13)),  # Sun is a working day -> Mon
    (KEDAH, local(2026, 7, 9), 3, D(2026, 7, 14)),  # Sun, Mon, Tue
    (KEDAH, local(2026, 12, 24), 1, D(2026, 12, 28)),  # Christmas observed on Sun 27
    (KEDAH, local(2026, 12, 10), 1, D(2026, 12, 13)),  # no Selangor holiday in Kedah
    (KELANTAN, local(2026, 7, 9), 1, D(2026, 7, 12)),
    (KELANTAN, local(2026, 9, 28), 1, D(2026, 10, 1)),  # 29-30 Sep the Sultan's birthday
    (TERENGGANU, local(2026, 7, 11), 3, D(2026, 7, 15)),  # Sat -> from Sun: Mon, Tue, Wed
    # The local date decides: 23:59 Thursday is Thursday, 00:30 Friday is Friday.
    (SELANGOR, local(2026, 7, 9, 23, 59), 1, D(2026, 7, 10)),
    (SELANGOR, local(2026, 7, 10, 0, 30), 1, D(2026, 7, 13)),
    # 0 working days: the day the count starts from.
    (SELANGOR, local(2026, 7, 11), 0, D(2026, 7, 13)),
]


@pytest.mark.parametrize(("state", "received", "days", "expected"), CASES)
def test_deadline_is_the_close_of_the_nth_working_day(state, received, days, expected):
    office = office_in(state)
    assert deadlines.deadline_day(office, received, days) == expected
    due = deadlines.deadline(office, received, days)
    assert due == dt.datetime.combine(expected, dt.time(23, 59, 59, 999999), tzinfo=MALAYSIA)


def test_received_in_utc_counts_by_the_malaysian_date():
    # 16:30 UTC on Thursday is 00:30 on Friday in Malaysia.
    received = dt.datetime(2026, 7, 9, 16, 30, tzinfo=dt.UTC)
    assert deadlines.deadline_day(office_in(SELANGOR), received, 1) == D(2026, 7, 13)


def test_the_offices_own_closure_and_opening_are_counted():
    closed_friday = OfficeHoliday(date=D(2026, 7, 10), is_open=False, name="Gotong-royong")
    office = office_in(SELANGOR, [closed_friday])
    assert deadlines.deadline_day(office, local(2026, 7, 9), 1) == D(2026, 7, 13)

    open_on_national_day = OfficeHoliday(date=D(2026, 8, 31), is_open=True, name="Operasi")
    office = office_in(SELANGOR, [open_on_national_day])
    assert deadlines.deadline_day(office, local(2026, 8, 28), 1) == D(2026, 8, 31)


def test_an_office_that_never_works_is_refused_not_looped():
    office = office_in(SELANGOR)
    office.is_working_day = lambda day: False  # type: ignore[method-assign]
    with pytest.raises(deadlines.NoWorkingDay):
        deadlines.deadline_day(office, local(2026, 7, 9), 1)


def test_paused_days_count_working_days_from_the_wait_up_to_the_resumption():
    office = office_in(KEDAH)
    # Wed 8 Jul to Mon 13 Jul: Wed, Thu, Sun are working days (Fri-Sat weekend).
    assert deadlines.working_days_between(office, local(2026, 7, 8), local(2026, 7, 13)) == 3
    assert deadlines.working_days_between(office, local(2026, 7, 8, 9), local(2026, 7, 8, 16)) == 0


STATES = [code for code, _name in Office._meta.get_field("state").choices]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    state=st.sampled_from(STATES),
    received=st.datetimes(
        min_value=dt.datetime(2025, 1, 1),
        max_value=dt.datetime(2027, 12, 31),
        timezones=st.just(dt.UTC),
    ),
    days=st.integers(min_value=0, max_value=30),
)
def test_a_deadline_is_a_working_day_never_before_receipt_and_grows_with_n(state, received, days):
    office = office_in(state)
    due = deadlines.deadline(office, received, days)
    later = deadlines.deadline(office, received, days + 1)
    assert office.is_working_day(due.date())
    assert due >= received
    assert later > due
    # Exactly N working days lie after the day the count starts from, up to the deadline.
    start = deadlines.next_working_day(office, received.astimezone(MALAYSIA).date())
    assert (
        deadlines.working_days_between(
            office,
            dt.datetime.combine(start, dt.time(12), tzinfo=MALAYSIA),
            dt.datetime.combine(due.date(), dt.time(12), tzinfo=MALAYSIA),
        )
        == days
    )


# --- The clock paused, through the services -------------------------------------------


@pytest.fixture
def kedah_office(tree):
    return Office.objects.create(
        code="PKMD-AS",
        kind=Office.Kind.DISTRICT,
        parent=tree.hq,
        state=KEDAH,
        name_ms="PKMD Alor Setar",
        name_en="Alor Setar",
        follows_state_calendar=True,
    )


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def test_waiting_on_the_complainant_pauses_every_deadline(kedah_office, users):
    officer = users["penyelia"]
    with at(local(2026, 7, 8, 9)):  # Wednesday
        complaint = complaints.receive_complaint(
            kedah_office,
            complaints.ComplaintInput(category="delay", description="Lambat"),
            channel="online",
        ).complaint
    assert complaint.reply_due.astimezone(MALAYSIA).date() == D(2026, 7, 13)  # Thu, Sun, Mon
    with at(local(2026, 7, 8, 10)):
        complaints.acknowledge(complaint, acting_user=officer)
        complaints.start_action(complaint, acting_user=officer)
    with at(local(2026, 7, 9, 11)):  # Thursday: waits on the complainant
        complaint = complaints.wait_on_complainant(complaint, acting_user=officer)
    # Mon 13 Jul: past the reply deadline, but the clock stands still while waiting.
    with at(local(2026, 7, 14, 9)):
        assert breaches(complaint) == []
        assert list(overdue([kedah_office.pk])) == []
        # Resumed on Tuesday 14 Jul: Thu, Sun and Mon stood still (Fri-Sat are weekend).
        complaint = complaints.resume(complaint, acting_user=officer)
    assert complaint.state == ComplaintState.IN_ACTION
    assert complaint.paused_days == 3
    assert complaint.reply_due.astimezone(MALAYSIA).date() == D(2026, 7, 16)
    # 15 + 3 working days after Wed 8 Jul, Sunday to Thursday: Mon 3 Aug.
    assert complaint.resolve_due.astimezone(MALAYSIA).date() == D(2026, 8, 3)
    with at(local(2026, 7, 16, 17)):
        assert list(overdue([kedah_office.pk])) == []
    with at(local(2026, 7, 17, 0, 1)):  # Friday, just past the close of Thursday
        assert breaches(complaint) == ["reply"]
        assert list(overdue([kedah_office.pk])) == [complaint]
