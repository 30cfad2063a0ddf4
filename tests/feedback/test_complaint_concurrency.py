"""Real concurrent clients on PostgreSQL: complaints filed at the same moment get
distinct, gapless references; a double submit with one Idempotency-Key is one complaint."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from tests.factories import build_office_tree
from tests.threads import in_thread
from weserve.core import clock
from weserve.core.models import AuditLog
from weserve.feedback.complaint_models import Complaint

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 12
BODY = {"category": "delay", "description": "Belum diproses.", "against": None}


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (set DATABASE_URL)")


def test_simultaneous_complaints_get_distinct_gapless_references(settings):
    settings.FEEDBACK_RATE_LIMITS = {"complaint": 1000}
    build_office_tree()
    barrier = threading.Barrier(CLIENTS)

    @in_thread
    def file(i: int) -> tuple[int, str]:
        # Two offices at once, from addresses of their own; one of every four is refused
        # (a bad category) and must leave no gap.
        office = "PKMD-PJ" if i % 2 else "PKMD-JB"
        body = {**BODY, "category": "rude"} if i % 4 == 3 else BODY
        barrier.wait()
        response = Client(REMOTE_ADDR=f"203.0.113.{i + 1}").post(
            f"/api/v1/offices/{office}/complaints",
            data=json.dumps(body),
            content_type="application/json",
        )
        return response.status_code, response.json().get("reference", "")

    year = clock.business_day().year
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        outcomes = list(pool.map(file, range(CLIENTS)))
    assert sorted(status for status, _ref in outcomes) == [201] * 9 + [422] * 3
    for office, count in (("PKMD-PJ", 3), ("PKMD-JB", 6)):
        references = sorted(ref for _s, ref in outcomes if ref.startswith(f"BAP-{office}-"))
        assert references == [f"BAP-{office}-{year}-{n:06d}" for n in range(1, count + 1)]
        numbers = sorted(
            Complaint.objects.filter(office__code=office).values_list("number", flat=True)
        )
        assert numbers == list(range(1, count + 1))
    assert AuditLog.objects.filter(action="feedback.complaint.received").count() == 9


def test_a_double_submit_at_the_same_moment_is_one_complaint():
    build_office_tree()
    barrier = threading.Barrier(4)

    @in_thread
    def submit(_i: int) -> tuple[int, str]:
        barrier.wait()
        response = Client(REMOTE_ADDR="203.0.113.50").post(
            "/api/v1/offices/PKMD-PJ/complaints",
            data=json.dumps(BODY),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="double-press",
        )
        return response.status_code, response.json().get("reference", "")

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(submit, range(4)))
    assert Complaint.objects.count() == 1
    reference = Complaint.objects.get().reference
    # The first is filed; a repeat replays it, or is told it is still running (409).
    for status, ref in outcomes:
        assert (status, ref) in ((201, reference), (409, ""))
    assert (201, reference) in outcomes
