"""The telephone desk's demo data loads with every app's, and again without doubling."""

from __future__ import annotations

import datetime as dt

import pytest

from weserve.core import clock
from weserve.organisation.demo import load_demo
from weserve.organisation.models import Device
from weserve.telephony import selectors
from weserve.telephony.models import Call, Message

pytestmark = pytest.mark.django_db


def test_demo_calls_an_exchange_and_a_message_once():
    load_demo()
    load_demo()
    assert Device.objects.filter(kind=Device.Kind.EXCHANGE, office__code="PKMD-PJ").count() == 1
    assert Call.objects.filter(call_id__startswith="DEMO-").count() == 9
    assert Message.objects.count() == 1
    office = Call.objects.first().office
    today = clock.business_day()
    figures = selectors.service_level(office, today - dt.timedelta(days=7), today)
    assert figures["calls"] == 9
    assert figures["abandoned"] == 1
    assert figures["transfers_returned"] == 1
