"""Krejcie & Morgan (1970): the formula reproduces every entry of the published table,
and the public API answers it (PY-6.2, PT-4.2; issue 16 item 5)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from weserve.feedback.sampling import krejcie_morgan

# "Table for determining sample size from a given population" (Krejcie & Morgan, 1970,
# Educational and Psychological Measurement 30, p. 608): population N -> sample size S.
PUBLISHED_TABLE = {
    10: 10, 15: 14, 20: 19, 25: 24, 30: 28, 35: 32, 40: 36, 45: 40, 50: 44, 55: 48,
    60: 52, 65: 56, 70: 59, 75: 63, 80: 66, 85: 70, 90: 73, 95: 76, 100: 80, 110: 86,
    120: 92, 130: 97, 140: 103, 150: 108, 160: 113, 170: 118, 180: 123, 190: 127,
    200: 132, 210: 136, 220: 140, 230: 144, 240: 148, 250: 152, 260: 155, 270: 159,
    280: 162, 290: 165, 300: 169, 320: 175, 340: 181, 360: 186, 380: 191, 400: 196,
    420: 201, 440: 205, 460: 210, 480: 214, 500: 217, 550: 226, 600: 234, 650: 242,
    700: 248, 750: 254, 800: 260, 850: 265, 900: 269, 950: 274, 1000: 278, 1100: 285,
    1200: 291, 1300: 297, 1400: 302, 1500: 306, 1600: 310, 1700: 313, 1800: 317,
    1900: 320, 2000: 322, 2200: 327, 2400: 331, 2600: 335, 2800: 338, 3000: 341,
    3500: 346, 4000: 351, 4500: 354, 5000: 357, 6000: 361, 7000: 364, 8000: 367,
    9000: 368, 10000: 370, 15000: 375, 20000: 377, 30000: 379, 40000: 380, 50000: 381,
    75000: 382, 1000000: 384,
}  # fmt: skip


def test_the_table_has_all_its_entries():
    assert len(PUBLISHED_TABLE) == 90
    assert min(PUBLISHED_TABLE) == 10 and max(PUBLISHED_TABLE) == 1_000_000


def test_the_formula_reproduces_every_entry_of_the_published_table():
    computed = {population: krejcie_morgan(population) for population in PUBLISHED_TABLE}
    assert computed == PUBLISHED_TABLE


def test_small_and_large_populations():
    assert krejcie_morgan(1) == 1
    assert krejcie_morgan(2) == 2
    # The sample never exceeds the population, and levels off at 384.
    assert all(krejcie_morgan(n) <= n for n in range(1, 2000))
    assert krejcie_morgan(1_000_000_000) == 384


def sample_size(query: str):
    return Client().get(f"/api/v1/surveys/sample-size{query}")


@pytest.mark.django_db
@pytest.mark.parametrize("population", [10, 15, 1000, 2800, 1_000_000])
def test_the_api_answers_the_published_sample_size(population):
    response = sample_size(f"?population={population}")
    assert response.status_code == 200
    assert response.json() == {
        "population": population,
        "sample_size": PUBLISHED_TABLE[population],
    }


@pytest.mark.django_db
def test_the_api_is_public_and_reads_nothing_else():
    response = sample_size("?population=500")
    assert response.status_code == 200
    assert response.json() == {"population": 500, "sample_size": 217}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?population=",
        "?population=0",
        "?population=-5",
        "?population=abc",
        "?population=1.5",
        "?population=100.0",
        "?population=1e3",
        "?population=true",
        "?population=false",
        "?population=%2B100",
        "?population=1%2C000",
        "?population=%EF%BC%91%EF%BC%92",  # full-width digits
        "?population=" + "9" * 40,
        "?population=1000000001",
    ],
)
def test_anything_but_a_positive_whole_number_is_422_with_a_clear_message(query):
    response = sample_size(query)
    assert response.status_code == 422, query
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"population"}
    assert "population" in body["detail"].lower() or "populasi" in body["detail"].lower()


@pytest.mark.django_db
def test_a_nul_in_the_query_is_refused_before_the_endpoint():
    response = sample_size("?population=1%00")
    assert response.status_code == 422
    assert set(response.json()) >= {"detail", "code"}


@pytest.mark.django_db
def test_the_message_is_in_malay_by_default_and_english_on_request():
    malay = sample_size("?population=0").json()["detail"]
    english = Client(HTTP_COOKIE="weserve_language=en").get(
        "/api/v1/surveys/sample-size?population=0"
    )
    assert english.json()["detail"] == "The population must be at least 1."
    assert malay != english.json()["detail"]


@pytest.mark.django_db
def test_the_schema_documents_the_endpoint():
    schema = json.loads(Client().get("/api/v1/openapi.json").content)
    assert "/api/v1/surveys/sample-size" in schema["paths"]
