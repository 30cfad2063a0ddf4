"""The service level (PY-3.1) on a small log, with every figure worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from weserve.core.clock import MALAYSIA
from weserve.telephony import selectors, services
from weserve.telephony.models import Call

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 25)


def at(hour, minute, second=0, day=25):
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=MALAYSIA)


def exchange_call(office, call_id, rang, wait=None, *, hang_up_at=None, returned=False, **kw):
    call = services.ring(office, call_id=call_id, at=rang, from_exchange=True, **kw)
    if wait is not None:
        call = services.answer(call, at=rang + dt.timedelta(seconds=wait))
    if returned:
        from weserve.organisation.models import StaffMember

        officer = StaffMember.objects.create(name="O", home_office=office, extension="555")
        moved = rang + dt.timedelta(seconds=wait + 10)
        with time_machine.travel(moved, tick=False):
            services.transfer(call, officer=officer, at=moved)
        services.return_unanswered_transfers(office, now=moved + dt.timedelta(seconds=20))
    if hang_up_at is not None:
        services.hang_up(call, at=hang_up_at)
    return call


@pytest.fixture
def log(tree):
    pj = tree.pj
    exchange_call(pj, "1", at(10, 0), 4)  # within
    exchange_call(pj, "2", at(10, 1), 10)  # exactly 10 s: within
    exchange_call(pj, "3", at(10, 2), 11)  # over
    exchange_call(pj, "4", at(10, 3), hang_up_at=at(10, 3, 30))  # abandoned
    exchange_call(pj, "5", at(10, 4), 5, returned=True)  # within, transfer came back
    exchange_call(pj, "6", at(7, 30), 2)  # 23:30 UTC the day before: still local 25th
    # Not counted: logged by hand, outgoing, another local day, another office.
    manual = services.ring(pj, call_id="7", at=at(11, 0))
    services.answer(manual, at=at(11, 0, 1))
    exchange_call(pj, "8", at(11, 0), 30, direction="out")
    exchange_call(pj, "9", at(0, 30, day=26), 1)
    exchange_call(tree.jb, "10", at(10, 0), 60)
    return pj


def test_the_figures_by_hand(log):
    assert selectors.service_level(log, DAY, DAY) == {
        "calls": 6,
        "answered": 5,
        "answered_within_10s": 4,  # calls 1, 2, 5, 6
        "service_level": 0.8,
        "abandoned": 1,
        "average_speed_of_answer_seconds": 6.4,  # (4 + 10 + 11 + 5 + 2) / 5
        "transfers_returned": 1,
    }


def test_local_dates_bound_the_range(log):
    next_day = selectors.service_level(log, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=1))
    assert next_day["calls"] == 1
    assert selectors.service_level(log, DAY, DAY + dt.timedelta(days=1))["calls"] == 7


def test_no_calls_gives_no_share(tree):
    figures = selectors.service_level(tree.pj, DAY, DAY)
    assert figures["calls"] == 0
    assert figures["service_level"] is None
    assert figures["average_speed_of_answer_seconds"] is None


def test_the_api_gives_the_same_figures(log, client_for):
    reply = client_for("telefonis").get(
        "/api/v1/offices/PKMD-PJ/telephony/service-level?from=2026-11-25&to=2026-11-25"
    )
    assert reply.status_code == 200
    assert reply.json() == selectors.service_level(log, DAY, DAY)


def test_the_api_keeps_to_the_office_and_role(log, client_for):
    path = "/api/v1/offices/{}/telephony/service-level?from=2026-11-25&to=2026-11-25"
    assert client_for("jb_penyelia").get(path.format("PKMD-PJ")).status_code == 404
    assert client_for("telefonis").get(path.format("NOPE")).status_code == 404
    assert client_for("petugas").get(path.format("PKMD-PJ")).status_code == 403
    assert client_for("ketua").get(path.format("PKMD-PJ")).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-11-26&to=2026-11-25",
        "from=0001-01-01&to=9999-12-31",
        "from=x&to=2026-11-25",
        "to=2026-11-25",
    ],
)
def test_odd_dates(log, client_for, query):
    reply = client_for("telefonis").get(f"/api/v1/offices/PKMD-PJ/telephony/service-level?{query}")
    assert reply.status_code in (200, 422)
    if query.startswith("from=0001"):
        assert reply.status_code == 200
        assert reply.json()["calls"] == 7
    else:
        assert reply.status_code == 422


def test_manual_calls_are_marked_and_left_out(tree):
    call = services.ring(tree.pj, at=at(9, 0))
    services.answer(call, at=at(9, 0, 40))
    assert not Call.objects.get(pk=call.pk).times_from_exchange
    assert selectors.service_level(tree.pj, DAY, DAY)["calls"] == 0
