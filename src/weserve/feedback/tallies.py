"""Daily tallies of counter ratings (feedback.models.RatingTally): what the Customer
Satisfaction Analysis Report reads instead of every rating, so that a district's year
(hundreds of thousands of ratings) is a few thousand small rows.

The rule lives here once. A rating counts on its office and business day, by its score
(columns s1-s5): once under its channel (the channel rows of a day are the day's
totals), once under its counter, its staff member and its ticket's service when it has
them, and once under each reason chip chosen with it.

- `count_rating` adds one rating, in the transaction of the service that writes it
  (feedback.services); an upsert, so two ratings at once never lose a count.
- `recount` counts the same from the ratings themselves, in the database (grouped
  queries): the test that the two agree, the migration that fills the table for ratings
  made before it, and the benchmark's bulk-loaded ratings (`rebuild`).

Ratings are never edited or deleted (the admin is read-only and no service changes one),
so nothing ever needs to be taken off a tally.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q

SCORES = (1, 2, 3, 4, 5)
Key = tuple[int, dt.date, str, str]


def _rows(rating: Any, reasons: Iterable[str]) -> list[tuple[str, str]]:
    rows = [("channel", str(rating.channel))]
    if rating.counter_id is not None:
        rows.append(("counter", str(rating.counter_id)))
    if rating.served_by_id is not None:
        rows.append(("staff", str(rating.served_by_id)))
    if rating.ticket_id is not None and rating.ticket.service_id is not None:
        rows.append(("service", str(rating.ticket.service_id)))
    rows.extend(("reason", str(reason)) for reason in sorted(set(reasons)))
    return rows


def count_rating(rating: Any, reasons: Iterable[str]) -> None:
    """Add a rating just written (with its reason chips) to its day's tallies."""
    from weserve.feedback.models import RatingTally

    table = connection.ops.quote_name(RatingTally._meta.db_table)
    scores = [1 if rating.score == n else 0 for n in SCORES]
    rows = _rows(rating, reasons)
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    params: list[Any] = []
    for dimension, key in rows:
        params.extend([rating.office_id, rating.day, dimension, key, *scores])
    sums = ", ".join(f"s{n} = {table}.s{n} + excluded.s{n}" for n in SCORES)
    sql = (
        f"INSERT INTO {table} (office_id, day, dimension, key, s1, s2, s3, s4, s5) "  # noqa: S608 - our own table
        f"VALUES {values} ON CONFLICT (office_id, day, dimension, key) DO UPDATE SET {sums}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _by_score(field: str = "score") -> dict[str, Any]:
    return {f"s{n}": Count("pk", filter=Q(**{field: n})) for n in SCORES}


def recount(
    ratings: Any = None, reasons: Any = None, *, office_ids: Iterable[int] | None = None
) -> dict[Key, tuple[int, ...]]:
    """The tallies as the ratings in the database say, counted there (grouped queries):
    {(office id, day, dimension, key): (s1, s2, s3, s4, s5)}. `ratings` and `reasons`
    are the models (a migration passes its historical ones)."""
    if ratings is None or reasons is None:
        from weserve.feedback.models import Rating, RatingReason

        ratings, reasons = Rating, RatingReason
    rated = ratings.objects.all()
    chosen = reasons.objects.all()
    if office_ids is not None:
        rated = rated.filter(office_id__in=list(office_ids))
        chosen = chosen.filter(rating__office_id__in=list(office_ids))
    found: dict[Key, tuple[int, ...]] = {}
    groups = (
        ("channel", rated, "channel"),
        ("counter", rated.filter(counter__isnull=False), "counter_id"),
        ("staff", rated.filter(served_by__isnull=False), "served_by_id"),
        ("service", rated.filter(ticket__service__isnull=False), "ticket__service_id"),
    )
    for dimension, rows, field in groups:
        for row in rows.values("office_id", "day", field).annotate(**_by_score()).order_by():
            key = (row["office_id"], row["day"], dimension, str(row[field]))
            found[key] = tuple(row[f"s{n}"] for n in SCORES)
    for row in (
        chosen.values("rating__office_id", "rating__day", "reason")
        .annotate(**_by_score("rating__score"))
        .order_by()
    ):
        key = (row["rating__office_id"], row["rating__day"], "reason", row["reason"])
        found[key] = tuple(row[f"s{n}"] for n in SCORES)
    return found


def stored(
    tally: Any = None, *, office_ids: Iterable[int] | None = None
) -> dict[Key, tuple[int, ...]]:
    """The tallies as kept, in recount's shape (rows of nothing but zeros left out)."""
    if tally is None:
        from weserve.feedback.models import RatingTally

        tally = RatingTally
    rows = tally.objects.all()
    if office_ids is not None:
        rows = rows.filter(office_id__in=list(office_ids))
    return {
        (t.office_id, t.day, t.dimension, t.key): (t.s1, t.s2, t.s3, t.s4, t.s5)
        for t in rows
        if t.s1 or t.s2 or t.s3 or t.s4 or t.s5
    }


@transaction.atomic
def rebuild(ratings: Any = None, reasons: Any = None, tally: Any = None) -> int:
    """Count every tally again from the ratings (ratings written other than through
    feedback.services: the benchmark's bulk load, or before the tallies existed)."""
    if tally is None:
        from weserve.feedback.models import RatingTally

        tally = RatingTally
    tally.objects.all().delete()
    counted = recount(ratings, reasons)
    tally.objects.bulk_create(
        (
            tally(
                office_id=office_id,
                day=day,
                dimension=dimension,
                key=key,
                **{f"s{n}": value for n, value in zip(SCORES, scores, strict=True)},
            )
            for (office_id, day, dimension, key), scores in counted.items()
        ),
        batch_size=5000,
    )
    return len(counted)
