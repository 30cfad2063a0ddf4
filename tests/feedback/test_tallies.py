"""The daily rating tallies the satisfaction report reads (feedback.tallies): kept by the
service that writes each rating, they always equal a recount from the ratings
themselves, also after refused ratings (a second rating of a ticket, another counter's
ticket), and the report's figures from them are the ratings' own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Avg, Count

from tests.factories import make_user
from tests.feedback.conftest import device_browser, make_tablet, serve
from weserve.core.errors import DomainError
from weserve.core.roles import Role
from weserve.feedback import report_selectors as figures
from weserve.feedback import tallies
from weserve.feedback.models import Rating, RatingReason, RatingTally
from weserve.feedback.services import RatingInput, rate_at_counter, rate_by_ticket

NOVEMBER = figures.Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))


@pytest.fixture
def day_of_ratings(tree, users, clock):
    """Six visits at PJ over two days and one at Klang, rated on the tablet and by QR,
    with reason chips; a double rating and another counter's ticket refused."""
    petugas2 = make_user("petugas2", tree.pj, Role.COUNTER_STAFF, name="Petugas Dua")
    bkk, oku = tree.services["BKK"], tree.services["OKU"]
    device, _token = make_tablet(tree.pj)
    first = serve(tree.pj, bkk, users["petugas"])
    rate_at_counter(device, first.public_id, RatingInput(score=5, reasons=["courtesy", "speed"]))
    with pytest.raises(DomainError):  # pressed again: refused, counted once
        rate_at_counter(device, first.public_id, RatingInput(score=1))
    second = serve(tree.pj, oku, users["petugas"])
    rate_by_ticket(second.public_id, RatingInput(score=4, reasons=["courtesy"]))
    third = serve(tree.pj, bkk, petugas2, counter_number=2)
    with pytest.raises(DomainError):  # counter 1's tablet may not rate counter 2's ticket
        rate_at_counter(device, third.public_id, RatingInput(score=3))
    rate_by_ticket(third.public_id, RatingInput(score=2, reasons=["waiting_time"]))
    clock.shift(24 * 3600)  # Thursday
    fourth = serve(tree.pj, oku, petugas2, counter_number=2)
    rate_by_ticket(fourth.public_id, RatingInput(score=3))
    fifth = serve(tree.pj, bkk, users["petugas"])
    rate_at_counter(device, fifth.public_id, RatingInput(score=5, reasons=["waiting_time"]))
    sixth = serve(tree.klang, bkk, make_user("petugas.klang", tree.klang, Role.COUNTER_STAFF))
    rate_by_ticket(sixth.public_id, RatingInput(score=1, reasons=["facilities"]))
    return device


def test_the_tallies_equal_a_recount_from_the_ratings(day_of_ratings):
    assert Rating.objects.count() == 6
    kept = tallies.stored()
    assert kept == tallies.recount()
    # Wednesday at PJ, by channel: 1 on the tablet (a 5), 2 by QR (a 4 and a 2).
    wednesday = [k for k in kept if k[1] == dt.date(2026, 11, 25) and k[2] == "channel"]
    assert {k[3]: kept[k] for k in wednesday} == {
        "tablet": (0, 0, 0, 0, 1),
        "qr": (0, 1, 0, 1, 0),
    }
    # Counted again from nothing, the same rows.
    tallies.rebuild()
    assert tallies.stored() == kept


def test_ratings_written_around_the_service_are_counted_by_a_rebuild(tree, users, clock):
    """The benchmark's bulk load (and the migration, for ratings older than the tallies)."""
    ticket = serve(tree.pj, tree.services["BKK"], users["petugas"])
    rating = Rating.objects.create(
        office=tree.pj,
        counter=ticket.counter,
        ticket=ticket,
        served_by=users["petugas"],
        score=4,
        channel="qr",
        created_at=ticket.completed_at,
        day=ticket.day,
    )
    RatingReason.objects.create(rating=rating, reason="clarity")
    assert tallies.stored() != tallies.recount()
    tallies.rebuild()
    assert tallies.stored() == tallies.recount()
    assert RatingTally.objects.filter(dimension="service", key=str(ticket.service_id)).get().s4 == 1


def test_the_report_from_the_tallies_equals_the_ratings_counted_directly(tree, day_of_ratings):
    offices = [tree.pj, tree.klang]
    data = figures.satisfaction(offices, NOVEMBER)
    raw = Rating.objects.filter(office__in=offices, day__range=(NOVEMBER.start, NOVEMBER.end))
    direct = raw.aggregate(count=Count("pk"), mean=Avg("score"))
    assert data["summary"]["count"] == direct["count"] == 6
    assert data["summary"]["mean"] == pytest.approx(direct["mean"])
    assert data["summary"]["distribution"] == [raw.filter(score=s).count() for s in (1, 2, 3, 4, 5)]
    by_counter = {
        (r["office__code"], r["counter__number"]): (r["count"], r["mean"])
        for r in data["by_counter"]
    }
    for row in raw.values("office__code", "counter__number").annotate(
        count=Count("pk"), mean=Avg("score")
    ):
        key = (row["office__code"], row["counter__number"])
        assert by_counter[key] == (row["count"], pytest.approx(row["mean"]))
    staff = {r["name"]: r["count"] for r in data["by_staff"]}
    assert staff == {
        row["served_by__staff__name"]: row["n"]
        for row in raw.values("served_by__staff__name").annotate(n=Count("pk"))
    }
    assert staff["Petugas1"] == 3 and staff["Petugas Dua"] == 2
    services = {r["ticket__service__code"]: r["count"] for r in data["by_service"]}
    assert services == {"BKK": 4, "OKU": 2}
    reasons = {r["reason"]: r["count"] for r in data["reasons"]}
    assert reasons == {
        row["reason"]: row["n"]
        for row in RatingReason.objects.filter(rating__in=raw)
        .values("reason")
        .annotate(n=Count("pk"))
    }
    assert reasons == {"courtesy": 2, "speed": 1, "waiting_time": 2, "facilities": 1}
    assert [(r["bucket"], r["count"]) for r in data["trend"]] == [
        (dt.date(2026, 11, 25), 3),
        (dt.date(2026, 11, 26), 3),
    ]
    assert {r["channel"]: r["count"] for r in data["by_channel"]} == {"tablet": 2, "qr": 4}
    # One office alone: only its own.
    assert figures.satisfaction([tree.klang], NOVEMBER)["summary"]["distribution"] == [
        1,
        0,
        0,
        0,
        0,
    ]


def test_the_tablet_page_keeps_the_tallies_too(tree, users, clock, tablet):
    ticket = serve(tree.pj, tree.services["BKK"], users["petugas"])
    browser = device_browser(tablet[1])
    sent = browser.post(
        "/feedback/PKMD-PJ/counter/1/rate/",
        {"ticket": ticket.public_id, "score": "4", "reasons": ["clarity"]},
        HTTP_HX_REQUEST="true",
    )
    assert sent.status_code == 201
    assert tallies.stored() == tallies.recount()
    assert tallies.stored()[(tree.pj.pk, ticket.day, "reason", "clarity")] == (0, 0, 0, 1, 0)
