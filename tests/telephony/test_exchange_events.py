"""The exchange's webhook: events applied once by event_id; unknown extensions, calls
never seen, out-of-order and repeated events are kept with a reason, never an error,
never counted twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.telephony.conftest import MORNING
from weserve.core.models import AuditLog
from weserve.organisation.devices import create_device
from weserve.organisation.models import Device
from weserve.telephony.models import Call, CallEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/telephony/events"


def _at(seconds: float) -> str:
    return (MORNING + dt.timedelta(seconds=seconds)).isoformat()


def send(token, event_id, event, call_id="1700.1", seconds=0.0, overrides=None, **extra):
    body = {
        "event_id": event_id,
        "event": event,
        "call_id": call_id,
        "from": "0123456789",
        "to": "0379550000",
        "direction": "in",
        "extension": "",
        "at": _at(seconds),
        **extra,
        **(overrides or {}),
    }
    return Client().post(
        URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_a_call_through_the_exchange(tree, desk, exchange_token, clock):
    assert send(exchange_token, "e1", "ringing").json()["result"] == "applied"
    reply = send(exchange_token, "e2", "answered", seconds=6, extension="200").json()
    assert reply == {
        "event_id": "e2",
        "result": "applied",
        "reason": "",
        "call_id": "1700.1",
        "status": "answered",
    }
    call = Call.objects.get(call_id="1700.1")
    assert call.times_from_exchange
    assert call.operator == desk["operator"].user
    assert (call.answered_at - call.ring_at).total_seconds() == 6
    send(exchange_token, "e3", "transferred", seconds=30, extension="231")
    send(exchange_token, "e4", "answered", seconds=35, extension="231")
    send(exchange_token, "e5", "hangup", seconds=300)
    call.refresh_from_db()
    assert call.status == Call.Status.ENDED
    assert call.transfer_to == desk["aminah"]
    assert call.officer_answered_at == MORNING + dt.timedelta(seconds=35)
    assert call.outcome == Call.Outcome.TRANSFERRED
    assert CallEvent.objects.filter(result="applied").count() == 5


def test_a_repeated_event_changes_nothing(tree, desk, exchange_token, clock):
    send(exchange_token, "e1", "ringing")
    send(exchange_token, "e2", "answered", seconds=3)
    audits = AuditLog.objects.count()
    again = send(exchange_token, "e2", "answered", seconds=3)
    assert again.status_code == 200
    assert again.json()["result"] == "duplicate"
    assert send(exchange_token, "e1", "ringing").json()["result"] == "duplicate"
    assert CallEvent.objects.count() == 2
    assert Call.objects.count() == 1
    assert AuditLog.objects.count() == audits


def test_bad_events_are_kept_with_their_reason(tree, desk, exchange_token, clock, caplog):
    never = send(exchange_token, "x1", "answered", call_id="nobody").json()
    assert never["result"] == "ignored" and never["reason"] == "call never seen"
    send(exchange_token, "x2", "ringing", seconds=10)
    early = send(exchange_token, "x3", "answered", seconds=5).json()
    assert early["result"] == "ignored" and "out of order" in early["reason"]
    send(exchange_token, "x4", "answered", seconds=12)
    unknown = send(exchange_token, "x5", "transferred", seconds=20, extension="999").json()
    assert unknown["reason"] == "unknown extension"
    twice = send(exchange_token, "x6", "answered", seconds=21).json()
    assert twice["reason"] == "already answered"
    send(exchange_token, "x7", "hangup", seconds=40)
    late = send(exchange_token, "x8", "hangup", seconds=41).json()
    assert late["reason"] == "call already ended"
    second_ring = send(exchange_token, "x9", "ringing", seconds=50).json()
    assert second_ring["result"] == "ignored"
    call = Call.objects.get(call_id="1700.1")
    assert call.answered_at == MORNING + dt.timedelta(seconds=12)
    assert call.outcome == Call.Outcome.HANDLED
    ignored = CallEvent.objects.filter(result="ignored")
    assert ignored.count() == 6
    assert all(e.reason for e in ignored)
    assert "ignored" in caplog.text


def test_only_an_exchange_of_the_office_sends_events(tree, users, desk, exchange_token):
    _kiosk, kiosk_token = create_device(tree.pj, Device.Kind.KIOSK, "Kiosk")
    assert send(kiosk_token, "k1", "ringing").status_code == 403
    assert Client().post(URL, {}, content_type="application/json").status_code == 401
    signed_in = Client()
    signed_in.force_login(users["telefonis"])
    reply = signed_in.post(
        URL,
        {"event_id": "a", "event": "ringing", "call_id": "1", "at": _at(0)},
        content_type="application/json",
    )
    assert reply.status_code == 403
    assert Call.objects.count() == 0


@pytest.mark.parametrize(
    "change",
    [
        {"at": "2026-11-25T10:00:00"},
        {"at": "yesterday"},
        {"at": "0001-01-01T00:00:00+08:00"},
        {"event": "exploded"},
        {"direction": "sideways"},
        {"event_id": "a\x00b"},
        {"call_id": "x" * 65},
        {"event_id": True},
    ],
)
def test_bad_bodies_are_422(tree, exchange_token, change):
    reply = send(exchange_token, "b1", "ringing", overrides=change)
    assert reply.status_code == 422, reply.content
    assert reply.json()["code"]
    assert Call.objects.count() == 0
    assert CallEvent.objects.count() == 0
