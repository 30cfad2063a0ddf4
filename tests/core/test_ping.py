"""GET /api/v1/ping: the trivial endpoint the load benchmark compares the ticket rate with."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_ping_answers_without_credentials_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/api/v1/ping")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


@pytest.mark.django_db
def test_ping_is_in_the_api_schema():
    schema = Client().get("/api/v1/openapi.json").json()
    assert "get" in schema["paths"]["/api/v1/ping"]
