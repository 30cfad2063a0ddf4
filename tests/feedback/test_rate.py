"""Rating services on the real database: a tablet rates the ticket just completed at its
counter, the slip's QR link rates by the public id; one rating per ticket; a refusal
saves nothing."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tests.factories import issue_ticket
from tests.feedback.conftest import make_tablet, serve
from weserve.core import live
from weserve.core.errors import DomainError
from weserve.core.models import AuditLog
from weserve.feedback import services
from weserve.feedback.models import Rating, RatingReason
from weserve.feedback.services import FEEDBACK, InvalidInput, RatingInput
from weserve.organisation.devices import create_device, revoke_device


@pytest.fixture
def sent(monkeypatch):
    """The live events sent (on commit: run the work under `commits`), as (office id,
    stream, event)."""
    out: list[tuple[int, str, dict]] = []
    monkeypatch.setattr(
        live, "send", lambda office_id, stream, event: out.append((office_id, stream, event))
    )
    return out


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run the block's on-commit work (the live events) as its commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_the_tablet_rates_the_ticket_just_completed_at_its_counter(
    tree, users, completed, tablet, sent, commits
):
    device, _token = tablet
    with commits():
        rating = services.rate_at_counter(
            device,
            completed.public_id,
            RatingInput(
                score=5, reasons=["courtesy", "knowledge", "courtesy"], comment="  Terima kasih  "
            ),
        )
    rating.refresh_from_db()
    assert rating.score == 5
    assert rating.served_by == users["petugas"]  # the staff member who served it
    assert rating.counter.number == 1
    assert rating.office == tree.pj
    assert rating.channel == "tablet" and rating.device == device
    assert rating.comment == "Terima kasih"
    assert rating.day == completed.day
    assert sorted(RatingReason.objects.filter(rating=rating).values_list("reason", flat=True)) == [
        "courtesy",
        "knowledge",
    ]
    entry = AuditLog.objects.get(action="feedback.rating.created")
    assert entry.office_code == "PKMD-PJ"
    assert entry.target_id == str(rating.pk)
    assert entry.data["score"] == 5 and entry.data["ticket"] == completed.number
    assert entry.actor == f"device:{device.pk}"
    rated = [e for office_id, stream, e in sent if stream == FEEDBACK]
    assert len(rated) == 1
    assert rated[0]["type"] == "rated"
    assert rated[0]["rating"]["score"] == 5
    assert rated[0]["rating"]["counter"]["number"] == 1
    assert rated[0]["seq"] == live.current_seq(tree.pj.pk, FEEDBACK)


def test_the_slips_qr_link_rates_by_the_public_id(tree, users, completed, sent, commits):
    with commits():
        rating = services.rate_by_ticket(completed.public_id, RatingInput(score=2), office=tree.pj)
    assert rating.channel == "qr" and rating.device is None
    assert rating.served_by == users["petugas"]
    assert AuditLog.objects.get(action="feedback.rating.created").actor == "qr"
    assert [e["type"] for _o, stream, e in sent if stream == FEEDBACK] == ["rated"]


def _refused(call, code: str, status: int) -> DomainError:
    before = (
        Rating.objects.count(),
        RatingReason.objects.count(),
        AuditLog.objects.filter(action="feedback.rating.created").count(),
    )
    with pytest.raises(DomainError) as caught:
        call()
    assert (caught.value.code, caught.value.status) == (code, status)
    after = (
        Rating.objects.count(),
        RatingReason.objects.count(),
        AuditLog.objects.filter(action="feedback.rating.created").count(),
    )
    assert after == before
    return caught.value


def test_a_ticket_is_rated_once_by_any_channel(tree, completed, tablet, sent, commits):
    device, _token = tablet
    with commits():
        services.rate_at_counter(device, completed.public_id, RatingInput(score=4))
    error = _refused(
        lambda: services.rate_at_counter(device, completed.public_id, RatingInput(score=1)),
        "already_rated",
        409,
    )
    assert completed.number in str(error.message)
    _refused(
        lambda: services.rate_by_ticket(completed.public_id, RatingInput(score=1)),
        "already_rated",
        409,
    )
    assert Rating.objects.get().score == 4
    assert len([e for _o, stream, e in sent if stream == FEEDBACK]) == 1


def test_the_database_refuses_a_second_rating_of_a_ticket(tree, completed, tablet):
    device, _token = tablet
    rating = services.rate_at_counter(device, completed.public_id, RatingInput(score=4))
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(
            office=tree.pj,
            ticket=completed,
            score=3,
            channel="qr",
            created_at=rating.created_at,
            day=rating.day,
        )


def test_a_ticket_of_another_counter_is_refused(tree, users, clock, tablet):
    device, _token = tablet  # counter 1's
    other = serve(tree.pj, tree.services["BKK"], users["penyelia"], counter_number=2)
    _refused(
        lambda: services.rate_at_counter(device, other.public_id, RatingInput(score=5)),
        "not_this_counter",
        403,
    )


def test_a_ticket_of_another_office_is_not_found(tree, users, clock, tablet):
    device, _token = tablet
    jb = serve(tree.jb, tree.services["BKK"], users["jb_petugas"])
    _refused(
        lambda: services.rate_at_counter(device, jb.public_id, RatingInput(score=5)),
        "not_found",
        404,
    )
    _refused(
        lambda: services.rate_by_ticket(jb.public_id, RatingInput(score=5), office=tree.pj),
        "not_found",
        404,
    )
    _refused(
        lambda: services.rate_by_ticket("no-such-ticket", RatingInput(score=5)), "not_found", 404
    )


@pytest.mark.parametrize("state", ["waiting", "called", "serving", "cancelled"])
def test_only_a_completed_visit_is_rated(tree, users, clock, tablet, state):
    from weserve.queueing import services as queue

    device, _token = tablet
    if state == "waiting":
        ticket = issue_ticket(tree.pj, tree.services["BKK"])
    elif state == "cancelled":
        ticket = queue.cancel(
            issue_ticket(tree.pj, tree.services["BKK"]), acting_user=users["penyelia"]
        )
    else:
        ticket = serve(tree.pj, tree.services["BKK"], users["petugas"], complete=False)
        if state == "serving":
            ticket = queue.start_service(ticket, acting_user=users["petugas"])
    if state in ("called", "serving"):
        _refused(
            lambda: services.rate_at_counter(device, ticket.public_id, RatingInput(score=5)),
            "ticket_not_completed",
            409,
        )
    _refused(
        lambda: services.rate_by_ticket(ticket.public_id, RatingInput(score=5)),
        "ticket_not_completed",
        409,
    )


@pytest.mark.parametrize(
    ("given", "field"),
    [
        (RatingInput(score=0), "score"),
        (RatingInput(score=6), "score"),
        (RatingInput(score=-1), "score"),
        (RatingInput(score=10**20), "score"),
        (RatingInput(score=True), "score"),
        (RatingInput(score="5"), "score"),
        (RatingInput(score=4.0), "score"),
        (RatingInput(score=None), "score"),
        (RatingInput(score=5, reasons=["rude"]), "reasons"),
        (RatingInput(score=5, reasons="courtesy"), "reasons"),
        (RatingInput(score=5, reasons=[1]), "reasons"),
        (RatingInput(score=5, comment="x" * 1001), "comment"),
        (RatingInput(score=5, comment="a\x00b"), "comment"),
        (RatingInput(score=5, comment="bell\x07"), "comment"),
        (RatingInput(score=5, comment=42), "comment"),
    ],
)
def test_bad_input_is_refused_whole_with_a_message_per_field(completed, tablet, given, field):
    device, _token = tablet
    error = _refused(
        lambda: services.rate_at_counter(device, completed.public_id, given), "invalid", 422
    )
    assert isinstance(error, InvalidInput)
    assert set(error.fields) == {field}


def test_a_comment_of_the_longest_length_with_line_breaks_is_kept(completed, tablet):
    device, _token = tablet
    comment = ("Baik\n" * 200).strip()
    assert len(comment) <= 1000
    rating = services.rate_at_counter(
        device, completed.public_id, RatingInput(score=3, comment=comment)
    )
    rating.refresh_from_db()
    assert rating.comment == comment


def test_only_a_live_rating_tablet_rates_at_a_counter(tree, completed, tablet):
    kiosk, _t = create_device(tree.pj, "kiosk", "Kiosk")
    _refused(
        lambda: services.rate_at_counter(kiosk, completed.public_id, RatingInput(score=5)),
        "not_a_rating_tablet",
        403,
    )
    device, _token = tablet
    revoke_device(device)
    _refused(
        lambda: services.rate_at_counter(device, completed.public_id, RatingInput(score=5)),
        "not_a_rating_tablet",
        403,
    )


def test_the_tablet_of_another_office_cannot_rate_here(tree, completed):
    jb_tablet, _t = make_tablet(tree.jb)
    _refused(
        lambda: services.rate_at_counter(jb_tablet, completed.public_id, RatingInput(score=5)),
        "not_found",
        404,
    )
