"""Whatever a customer sends, a rating is either saved as given (the comment trimmed, the
reasons once each) or refused whole with a message per field and nothing written: never
a database error, never a rating without its reasons. Driven by Hypothesis against the
real service and database (NUL characters, which PostgreSQL refuses in text, included)."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weserve.feedback import services
from weserve.feedback.models import Rating, RatingReason, Reason
from weserve.feedback.services import InvalidInput, RatingInput

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
scores = st.integers(min_value=-3, max_value=8) | st.sampled_from(
    [True, False, None, "5", 4.0, 10**40]
)
reasons = st.lists(
    st.sampled_from([*Reason.values, "rude", "", 3, None]), max_size=8
) | st.sampled_from(["courtesy", None, 7])
comments = (
    st.text(max_size=40)
    | st.text(alphabet=st.sampled_from("ab \x00\n\t\x1b\u200b漢"), max_size=12)
    | st.text(min_size=995, max_size=1005, alphabet="xy ")
    | st.sampled_from([None, 12, ["a"]])
)


@HYPOTHESIS
@given(score=scores, chosen=reasons, comment=comments)
def test_a_rating_is_saved_as_given_or_refused_whole(completed, tablet, score, chosen, comment):
    device, _token = tablet
    sid = transaction.savepoint()
    try:
        given_input = RatingInput(score=score, reasons=chosen, comment=comment)
        try:
            rating = services.rate_at_counter(device, completed.public_id, given_input)
        except InvalidInput as refused:
            assert refused.fields and refused.status == 422
            assert Rating.objects.count() == 0 and RatingReason.objects.count() == 0
            return
        rating.refresh_from_db()
        assert isinstance(score, int) and not isinstance(score, bool) and 1 <= score <= 5
        assert rating.score == score
        assert rating.comment == (comment or "").strip()
        expected = list(dict.fromkeys(chosen or []))
        assert sorted(rating.reasons.values_list("reason", flat=True)) == sorted(expected)
    finally:
        transaction.savepoint_rollback(sid)
