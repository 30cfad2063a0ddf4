"""What may never happen to a rating is refused by the database itself, whoever writes."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from weserve.core import clock
from weserve.feedback.models import Rating, RatingReason


def _rating(office, **fields):
    values = {
        "office": office,
        "score": 4,
        "channel": "qr",
        "created_at": clock.now(),
        "day": clock.business_day(),
        **fields,
    }
    return Rating.objects.create(**values)


@pytest.mark.parametrize(
    "fields",
    [
        {"score": 0},
        {"score": 6},
        {"channel": "email"},
        {"channel": "tablet"},  # a tablet rating names its tablet
    ],
)
def test_the_database_refuses_an_impossible_rating(tree, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        _rating(tree.pj, **fields)
    assert Rating.objects.count() == 0


def test_a_qr_rating_names_no_device(tree, tablet):
    with pytest.raises(IntegrityError), transaction.atomic():
        _rating(tree.pj, device=tablet[0])


def test_ratings_without_a_ticket_may_be_many(tree):
    _rating(tree.pj)
    _rating(tree.pj)
    assert Rating.objects.count() == 2


def test_a_reason_is_one_of_the_list_and_counted_once(tree):
    rating = _rating(tree.pj)
    RatingReason.objects.create(rating=rating, reason="courtesy")
    with pytest.raises(IntegrityError), transaction.atomic():
        RatingReason.objects.create(rating=rating, reason="courtesy")
    with pytest.raises(IntegrityError), transaction.atomic():
        RatingReason.objects.create(rating=rating, reason="rude")
    assert list(rating.reasons.values_list("reason", flat=True)) == ["courtesy"]


def test_the_labels_are_malay_first(tree):
    from django.utils import translation

    from weserve.feedback.models import Score

    with translation.override("ms"):
        assert [str(label) for _v, label in Score.choices] == [
            "Sangat Tidak Puas Hati",
            "Tidak Puas Hati",
            "Sederhana",
            "Puas Hati",
            "Sangat Puas Hati",
        ]
    with translation.override("en"):
        assert str(Score.VERY_SATISFIED.label) == "Very satisfied"
