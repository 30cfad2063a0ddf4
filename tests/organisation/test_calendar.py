"""When an office is open: its hours, its state's weekend and holidays, its own overrides.

Weekends and public holidays come from the `holidays` package's working-day functions;
where the states differ (Johor changed its weekend in 2025; Kedah, Kelantan and
Terengganu rest on Friday and Saturday) the expectations are read from that package
rather than written from memory, and then pinned to concrete days.
"""

from __future__ import annotations

import datetime as dt

import holidays
import pytest
import time_machine

from weserve.core.clock import MALAYSIA
from weserve.organisation.demo import load_demo
from weserve.organisation.models import Office, OfficeHoliday, OpeningHours

NATIONAL_DAY = dt.date(2026, 8, 31)  # a Monday
MALAYSIA_DAY = dt.date(2026, 9, 16)  # a Wednesday
# Thursday 9 July to Sunday 12 July 2026: no public holiday in any state tested here.
THU, FRI, SAT, SUN = (dt.date(2026, 7, d) for d in (9, 10, 11, 12))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=MALAYSIA)


def fresh(office: Office) -> Office:
    # An office caches its holiday overrides for the request; tests read them anew.
    return Office.objects.get(pk=office.pk)


def office_in(state: str, code: str, weekdays=range(7), opens=dt.time(8), closes=dt.time(17)):
    parent = Office.objects.get(code="HQ")
    office = Office.objects.create(
        code=code,
        kind=Office.Kind.STATE,
        parent=parent,
        state=state,
        name_ms=code,
        name_en=code,
        follows_state_calendar=True,
    )
    for weekday in weekdays:
        OpeningHours.objects.create(office=office, weekday=weekday, opens=opens, closes=closes)
    return office


def is_open_at(office: Office, moment: dt.datetime) -> bool:
    with time_machine.travel(moment, tick=False):
        return fresh(office).is_open()


@pytest.fixture
def klang(tree) -> Office:
    """A Selangor district office open Monday to Friday, 8:00 to 17:00."""
    return tree.klang


def test_office_opens_at_eight_and_closes_at_five(klang):
    assert not is_open_at(klang, at(THU, 7, 59))
    assert is_open_at(klang, at(THU, 8, 0))
    assert is_open_at(klang, at(THU, 16, 59))
    assert not is_open_at(klang, at(THU, 17, 0))


def test_holiday_starts_and_ends_at_local_midnight(tree):
    # Open around the clock on working days, so only the calendar decides.
    office = office_in("10", "JKMN-TEST", opens=dt.time(0), closes=dt.time(0))

    assert is_open_at(office, at(MALAYSIA_DAY - dt.timedelta(days=1), 23, 59))
    assert not is_open_at(office, at(MALAYSIA_DAY, 0, 0))
    assert not is_open_at(office, at(MALAYSIA_DAY, 23, 59))
    assert is_open_at(office, at(MALAYSIA_DAY + dt.timedelta(days=1), 0, 0))


def test_selangor_weekend_is_saturday_and_sunday(tree):
    office = office_in("10", "JKMN-TEST")

    assert [fresh(office).is_working_day(d) for d in (THU, FRI, SAT, SUN)] == [
        True,
        True,
        False,
        False,
    ]
    assert is_open_at(office, at(FRI, 10))
    assert not is_open_at(office, at(SAT, 10))
    assert not is_open_at(office, at(SUN, 10))


def test_johor_weekend_follows_the_holidays_package(tree):
    office = office_in("01", "JKMN-TEST")
    days = [dt.date(2024, 7, 8) + dt.timedelta(days=i) for i in range(14)]
    days += [THU + dt.timedelta(days=i) for i in range(14)]

    expected = [holidays.Malaysia(subdiv="01", years=d.year).is_working_day(d) for d in days]

    assert [fresh(office).is_working_day(d) for d in days] == expected


def test_johor_rests_on_saturday_and_sunday_since_2025_and_friday_before(tree):
    # What holidays 0.108 says (checked against it above): Friday-Saturday until 2024,
    # Saturday-Sunday from 2025.
    office = office_in("01", "JKMN-TEST")
    fri_2024, sat_2024, sun_2024 = (dt.date(2024, 7, d) for d in (12, 13, 14))

    assert [fresh(office).is_working_day(d) for d in (fri_2024, sat_2024, sun_2024)] == [
        False,
        False,
        True,
    ]
    assert [fresh(office).is_working_day(d) for d in (FRI, SAT, SUN)] == [True, False, False]


@pytest.mark.parametrize("state", ["02", "03", "11"], ids=["Kedah", "Kelantan", "Terengganu"])
def test_friday_saturday_weekend_states_open_on_sunday(tree, state):
    office = office_in(state, "JKMN-TEST")
    package = holidays.Malaysia(subdiv=state, years=2026)

    assert [fresh(office).is_working_day(d) for d in (THU, FRI, SAT, SUN)] == [
        package.is_working_day(d) for d in (THU, FRI, SAT, SUN)
    ]
    assert [fresh(office).is_working_day(d) for d in (THU, FRI, SAT, SUN)] == [
        True,
        False,
        False,
        True,
    ]
    assert not is_open_at(office, at(FRI, 10))
    assert is_open_at(office, at(SUN, 10))


def test_federal_public_holiday_closes_a_normal_office(klang):
    assert fresh(klang).public_holiday_name(NATIONAL_DAY) == "National Day"
    assert not is_open_at(klang, at(NATIONAL_DAY, 10))
    assert is_open_at(klang, at(NATIONAL_DAY + dt.timedelta(days=1), 10))


def test_office_added_holiday_closes_it(klang):
    day = NATIONAL_DAY + dt.timedelta(days=1)
    OfficeHoliday.objects.create(office=klang, date=day, name="Hari Keluarga JKM Klang")

    assert not fresh(klang).is_working_day(day)
    assert not is_open_at(klang, at(day, 10))
    assert is_open_at(klang, at(day + dt.timedelta(days=1), 10))


def test_office_open_override_opens_it_on_a_public_holiday(klang):
    OfficeHoliday.objects.create(
        office=klang, date=NATIONAL_DAY, is_open=True, name="Kaunter dibuka Hari Kebangsaan"
    )

    assert fresh(klang).is_working_day(NATIONAL_DAY)
    assert is_open_at(klang, at(NATIONAL_DAY, 10))
    # The override opens the day; the office's hours still apply.
    assert not is_open_at(klang, at(NATIONAL_DAY, 18))


@pytest.mark.django_db
def test_demo_pkmd_pj_is_open_around_the_clock_including_holidays():
    load_demo()
    pj = Office.objects.get(code="PKMD-PJ")
    moments = [
        at(THU, 0, 0),
        at(FRI, 23, 59),
        at(SAT, 0, 0),
        at(SUN, 12, 0),
        at(NATIONAL_DAY, 0, 0),
        at(NATIONAL_DAY, 3, 30),
        at(dt.date(2026, 12, 25), 23, 59),
    ]

    assert [is_open_at(pj, moment) for moment in moments] == [True] * len(moments)


@pytest.mark.django_db
def test_demo_district_offices_keep_office_hours_and_the_state_calendar():
    load_demo()
    jb = Office.objects.get(code="PKMD-JB")

    assert is_open_at(jb, at(FRI, 9))
    assert not is_open_at(jb, at(SAT, 9))
    assert not is_open_at(jb, at(FRI, 17, 0))
    assert not is_open_at(jb, at(NATIONAL_DAY, 9))
