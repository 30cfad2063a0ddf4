"""Telephone desk fixtures: a controlled clock, an office section, officers with
extensions and services, an exchange device with its token."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from weserve.core.clock import MALAYSIA
from weserve.organisation.devices import create_device
from weserve.organisation.models import Device, Section, StaffMember

# A Wednesday morning, 10:00 in Petaling Jaya.
MORNING = dt.datetime(2026, 11, 25, 10, 0, tzinfo=MALAYSIA)


@pytest.fixture
def clock():
    """A controlled clock at MORNING; `clock.shift(seconds=...)` moves it on."""
    with time_machine.travel(MORNING, tick=False) as traveller:

        class Clock:
            def shift(self, **delta: float) -> None:
                traveller.shift(dt.timedelta(**delta))

            def move_to(self, when: dt.datetime) -> None:
                traveller.move_to(when)

        yield Clock()


@pytest.fixture
def desk(tree, users):
    """PKMD-PJ's officers: Aminah (OKU section, in), Badrul (out), the operator at 200."""
    section = Section.objects.create(
        office=tree.pj, code="OKU", name_ms="Seksyen OKU", name_en="OKU Section"
    )
    aminah = users["pegawai"].staff
    aminah.name = "Aminah binti Ali"
    aminah.section = section
    aminah.extension = "231"
    aminah.save()
    aminah.services.add(tree.services["OKU"])
    badrul = StaffMember.objects.create(
        name="Badrul Hisham",
        home_office=tree.pj,
        section=section,
        extension="232",
        presence=StaffMember.Presence.OUT,
    )
    badrul.services.add(tree.services["OKU"])
    operator = users["telefonis"].staff
    operator.extension = "200"
    operator.save()
    return {"section": section, "aminah": aminah, "badrul": badrul, "operator": operator}


@pytest.fixture
def exchange_token(tree):
    _device, token = create_device(tree.pj, Device.Kind.EXCHANGE, "Asterisk PJ")
    return token
