"""/healthz: what a load balancer or a monitor asks before sending people to this server."""

from __future__ import annotations

import copy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings

from weserve.core.views import database_check_params, database_ok

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the short connection is PostgreSQL's"
)


def closed_port() -> int:
    # A port that was free a moment ago: nothing listens there, so connecting is refused.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def refuse_every_query(execute, sql, params, many, context):
    raise OperationalError("connection refused")


@contextmanager
def database_unreachable() -> Iterator[None]:
    """PostgreSQL: the database's address points at a port that refuses (the check's own
    connection goes there); SQLite, a local file: every query fails."""
    if connection.vendor == "postgresql":
        with mock.patch.dict(connection.settings_dict, {"HOST": "127.0.0.1", "PORT": "1"}):
            yield
    else:
        with connection.execute_wrapper(refuse_every_query):
            yield


@pytest.mark.django_db
def test_healthz_answers_200_when_database_and_channel_layer_work(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": True,
            "migrations": True,
            "database_writable": True,
            "channel_layer": True,
        },
        "failing": [],
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_database_when_it_is_unreachable(client):
    with database_unreachable():
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["database"]
    assert body["checks"]["channel_layer"] is True
    # Not asked of a database that does not answer.
    assert body["checks"]["migrations"] is None


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


@on_postgresql
@pytest.mark.django_db
def test_postgresql_check_connects_to_the_database_with_a_short_timeout():
    params = database_check_params(connection.settings_dict)

    assert params["dbname"] == connection.settings_dict["NAME"]
    # Not the pool's 10 s: a load balancer gets its answer within a few seconds.
    assert 0 < params["connect_timeout"] <= 3


@on_postgresql
def test_postgresql_check_keeps_a_shorter_timeout_and_caps_a_longer_one():
    settings = copy.deepcopy(connection.settings_dict)

    settings["OPTIONS"]["connect_timeout"] = 30
    assert database_check_params(settings)["connect_timeout"] <= 3
    settings["OPTIONS"]["connect_timeout"] = 1
    assert database_check_params(settings)["connect_timeout"] == 1


@on_postgresql
def test_postgresql_check_fails_on_an_address_that_refuses_and_says_where_it_looked():
    unreachable = {**copy.deepcopy(connection.settings_dict), "HOST": "127.0.0.1", "PORT": "1"}

    params = database_check_params(unreachable)
    assert params["host"] == "127.0.0.1"
    assert params["port"] == "1"
    assert params["connect_timeout"] <= 3
    assert database_ok(unreachable) is False


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_postgresql_check_answers_on_a_connection_of_its_own_not_the_pools():
    # A pool waiting for a database that is down would wait out its own 10 s timeout.
    pool = connection.pool
    assert pool is not None
    connection.close()  # back to the pool: asking through Django would take it out again
    before = pool.get_stats().get("requests_num", 0)

    assert database_ok(connection.settings_dict) is True

    assert pool.get_stats().get("requests_num", 0) == before


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_naming_the_migrations_when_one_is_not_applied(client):
    # The code has a migration the database has not had (an upgrade without `migrate`).
    latest = MigrationRecorder.Migration.objects.filter(app="queueing").latest("id")
    latest.delete()
    try:
        response = client.get("/healthz")
    finally:
        MigrationRecorder.Migration.objects.create(app=latest.app, name=latest.name)

    assert response.status_code == 503
    assert response.json()["failing"] == ["migrations"]
    assert client.get("/healthz").status_code == 200
