"""/healthz: what a load balancer or a monitor asks before sending people to this server."""

from __future__ import annotations

import socket

import pytest
from django.db import OperationalError, connection
from django.test import override_settings


def closed_port() -> int:
    # A port that was free a moment ago: nothing listens there, so connecting is refused.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def refuse_every_query(execute, sql, params, many, context):
    raise OperationalError("connection refused")


@pytest.mark.django_db
def test_healthz_answers_200_when_database_and_channel_layer_work(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": True, "channel_layer": True},
        "failing": [],
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_database_when_it_is_unreachable(client):
    with connection.execute_wrapper(refuse_every_query):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["database"]
    assert body["checks"]["channel_layer"] is True


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_channel_layer_when_redis_is_down(client):
    broken_layer = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{closed_port()}/0"]},
        }
    }
    with override_settings(CHANNEL_LAYERS=broken_layer):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["channel_layer"]
    assert body["checks"]["database"] is True


@pytest.mark.django_db
def test_healthz_is_not_offered_for_post(client):
    assert client.post("/healthz").status_code == 405
