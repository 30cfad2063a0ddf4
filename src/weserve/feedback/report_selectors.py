"""The figures of the feedback reports, computed in the database (grouped queries with
filtered counts; Python only adds up the few grouped rows), never by loading rows into
Python. The counter ratings are read from their daily tallies (feedback.tallies), not
one by one:

- the Customer Satisfaction Analysis Report for counter services (PY-6.1, PT-4.1): the
  counter ratings and satisfaction forms of a period, by office, counter, staff member
  and service; the distribution of scores, the trend over the period, the reason chips
  and the words most used in comments;
- the Customer Feedback Report (Laporan Maklum Balas Pelanggan, SMP16; PY-6.3, PT-4.3):
  complaints, suggestions and compliments by category, channel and state; the share
  handled within each deadline; open and overdue items; actions taken.

A report covers a set of offices (one office, or a head's office and every office below
it), per office and combined. Only the comment words look at text, and only at the most
recent `WORDS_SAMPLE` comments of the period.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter as Tally
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from weserve.core import clock
from weserve.core.clock import MALAYSIA
from weserve.core.models import User
from weserve.core.scoping import visible_office_ids
from weserve.feedback.box_models import BoxOpening, BoxSlip, Remark, RemarkKind
from weserve.feedback.complaint_models import (
    Complaint,
    ComplaintEvent,
    ComplaintState,
    EventKind,
)
from weserve.feedback.models import Rating, RatingTally, TallyDimension
from weserve.feedback.satisfaction_models import SatisfactionAnswer, SatisfactionForm
from weserve.organisation.models import Counter, Office, Service

SCORES = (1, 2, 3, 4, 5)
WORDS_SAMPLE = 2000
TOP_WORDS = 15
TOP_ROWS = 50
# Longer periods are shown month by month rather than day by day.
DAILY_UP_TO_DAYS = 62
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
# Words too common in Malay and English comments to say anything.
STOPWORDS = frozenset(
    """
    yang dan untuk dengan ini itu ada tidak saya kami kita anda pada dari dalam akan
    juga sudah lagi atau oleh sangat amat boleh telah bagi kerana tapi tetapi semua
    lebih buat the and for with this that was were are you your our not but very have
    has had they them from all too can will just been there their what when also
    """.split()
)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=MALAYSIA)

    @property
    def end_at(self) -> dt.datetime:
        """The moment after the period (midnight after its last day, local time)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=MALAYSIA)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def monthly(self) -> bool:
        return self.days > DAILY_UP_TO_DAYS


def offices_in_scope(user: Any, office: Office) -> list[Office]:
    """The office and every office below it that this person may see, top first."""
    visible = visible_office_ids(user)
    found = [office]
    frontier = [office.pk]
    while frontier:
        children = list(
            Office.objects.filter(parent_id__in=frontier, pk__in=visible).order_by("code")
        )
        found.extend(children)
        frontier = [c.pk for c in children]
    return found


def _score_counts(prefix: str = "") -> dict[str, Any]:
    field = f"{prefix}score"
    return {
        "count": Count("pk"),
        "mean": Avg(field),
        "satisfied": Count("pk", filter=Q(**{f"{field}__gte": 4})),
        **{f"s{score}": Count("pk", filter=Q(**{field: score})) for score in SCORES},
    }


def _with_shares(row: dict[str, Any]) -> dict[str, Any]:
    count = row.get("count") or 0
    row["satisfied_share"] = (row["satisfied"] * 100.0 / count) if count else None
    row["mean"] = float(row["mean"]) if row.get("mean") is not None else None
    row["distribution"] = [row.get(f"s{score}", 0) for score in SCORES]
    return row


def ratings(office_ids: Iterable[int], period: Period) -> QuerySet[Rating]:
    return Rating.objects.filter(
        office_id__in=list(office_ids), day__range=(period.start, period.end)
    )


def forms(office_ids: Iterable[int], period: Period) -> QuerySet[SatisfactionForm]:
    return SatisfactionForm.objects.filter(
        office_id__in=list(office_ids), filled_on__range=(period.start, period.end)
    )


def _words(texts: Iterable[str]) -> list[tuple[str, int]]:
    tally: Tally[str] = Tally()
    for text in texts:
        tally.update(
            w for w in (m.lower() for m in _WORD.findall(text or "")) if w not in STOPWORDS
        )
    return tally.most_common(TOP_WORDS)


def _tally_sums() -> dict[str, Any]:
    return {f"s{score}": Sum(f"s{score}") for score in SCORES}


def _from_scores(row: dict[str, Any]) -> dict[str, Any]:
    """A row of summed tallies (s1-s5) as the report shows it: count, mean, satisfied,
    their share and the distribution."""
    counts = [int(row.get(f"s{score}") or 0) for score in SCORES]
    total = sum(counts)
    row.update({f"s{score}": n for score, n in zip(SCORES, counts, strict=True)})
    row["count"] = total
    row["satisfied"] = counts[3] + counts[4]
    row["mean"] = (
        sum(score * n for score, n in zip(SCORES, counts, strict=True)) / total if total else None
    )
    return _with_shares(row)


def _added(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    rows = list(rows)
    return {f"s{score}": sum(r[f"s{score}"] or 0 for r in rows) for score in SCORES}


def tallies(office_ids: Iterable[int], period: Period) -> QuerySet[RatingTally]:
    return RatingTally.objects.filter(
        office_id__in=list(office_ids), day__range=(period.start, period.end)
    )


def satisfaction(offices: list[Office], period: Period) -> dict[str, Any]:
    """The Customer Satisfaction Analysis Report's figures. The counter ratings are read
    from their daily tallies (feedback.tallies): one grouped query for every breakdown,
    one for the trend; the satisfaction forms (far fewer) from their answers."""
    ids = [o.pk for o in offices]
    codes = {o.pk: o.code for o in offices}
    names = {o.pk: o.name for o in offices}
    kept = tallies(ids, period)
    grouped = list(
        kept.values("office_id", "dimension", "key").annotate(**_tally_sums()).order_by()
    )
    by_dimension: dict[str, list[dict[str, Any]]] = {d: [] for d in TallyDimension.values}
    for row in grouped:
        by_dimension[row["dimension"]].append(row)
    channels = by_dimension[TallyDimension.CHANNEL]
    summary = _from_scores(_added(channels))
    by_office = []
    for office_id in sorted({r["office_id"] for r in channels}, key=lambda pk: codes[pk]):
        row = _added(r for r in channels if r["office_id"] == office_id)
        row.update(office_id=office_id, office__code=codes[office_id], name=names[office_id])
        by_office.append(_from_scores(row))
    by_channel = []
    for channel in sorted({r["key"] for r in channels}):
        row = _from_scores(_added(r for r in channels if r["key"] == channel))
        by_channel.append({"channel": channel, "count": row["count"]})
    counter_rows = by_dimension[TallyDimension.COUNTER]
    numbers = dict(
        Counter.objects.filter(pk__in={int(r["key"]) for r in counter_rows}).values_list(
            "pk", "number"
        )
    )
    by_counter = sorted(
        (
            _from_scores(
                {
                    **r,
                    "office__code": codes[r["office_id"]],
                    "counter__number": numbers.get(int(r["key"])),
                }
            )
            for r in counter_rows
        ),
        key=lambda r: (r["office__code"], r["counter__number"] or 0),
    )
    staff_rows = by_dimension[TallyDimension.STAFF]
    staff_names = dict(
        User.objects.filter(pk__in={int(r["key"]) for r in staff_rows}).values_list(
            "pk", "staff__name"
        )
    )
    by_staff = sorted(
        (
            _from_scores(
                {
                    **r,
                    "served_by": int(r["key"]),
                    "office__code": codes[r["office_id"]],
                    "name": staff_names.get(int(r["key"])),
                }
            )
            for r in staff_rows
        ),
        key=lambda r: (-r["count"], r["name"] or ""),
    )[:TOP_ROWS]
    service_rows: dict[str, list[dict[str, Any]]] = {}
    for r in by_dimension[TallyDimension.SERVICE]:
        service_rows.setdefault(r["key"], []).append(r)
    services = {
        str(s["pk"]): s
        for s in Service.objects.filter(pk__in={int(k) for k in service_rows}).values(
            "pk", "code", "name_ms", "name_en"
        )
    }
    by_service = sorted(
        (
            _from_scores(
                {
                    **_added(rows),
                    "ticket__service__code": services[key]["code"],
                    "name_ms": services[key]["name_ms"],
                    "name_en": services[key]["name_en"],
                }
            )
            for key, rows in service_rows.items()
            if key in services
        ),
        key=lambda r: r["ticket__service__code"],
    )
    reason_rows: dict[str, list[dict[str, Any]]] = {}
    for r in by_dimension[TallyDimension.REASON]:
        reason_rows.setdefault(r["key"], []).append(r)
    reasons = sorted(
        (
            {"reason": key, "count": _from_scores(_added(rows))["count"]}
            for key, rows in reason_rows.items()
        ),
        key=lambda r: (-r["count"], r["reason"]),
    )
    daily = kept.filter(dimension=TallyDimension.CHANNEL)
    if period.monthly:
        trend_rows = (
            daily.annotate(bucket=TruncMonth("day"))
            .values("bucket")
            .annotate(**_tally_sums())
            .order_by("bucket")
        )
    else:
        trend_rows = daily.values(bucket=F("day")).annotate(**_tally_sums()).order_by("bucket")
    trend = []
    for row in trend_rows:
        scored = _from_scores(dict(row))
        trend.append(
            {"bucket": _as_date(row["bucket"]), "count": scored["count"], "mean": scored["mean"]}
        )
    filed = forms(ids, period)
    form_summary = filed.aggregate(
        count=Count("pk"),
        tablet=Count("pk", filter=Q(channel="tablet")),
        paper=Count("pk", filter=Q(channel="paper")),
    )
    items = [
        _with_shares(row)
        for row in SatisfactionAnswer.objects.filter(
            form__office_id__in=ids, form__filled_on__range=(period.start, period.end)
        )
        .values("item__code")
        .annotate(
            label_ms=Max("item__label_ms"),
            label_en=Max("item__label_en"),
            order=Max("item__order"),
            **_score_counts(),
        )
        .order_by("order", "item__code")
    ]
    comments = list(
        ratings(ids, period)
        .exclude(comment="")
        .order_by("-day", "-pk")
        .values_list("comment", flat=True)[:WORDS_SAMPLE]
    ) + list(
        filed.exclude(comment="")
        .order_by("-filled_on", "-pk")
        .values_list("comment", flat=True)[:WORDS_SAMPLE]
    )
    return {
        "summary": summary,
        "by_office": by_office,
        "by_counter": by_counter,
        "by_staff": by_staff,
        "by_service": by_service,
        "by_channel": by_channel,
        "trend": trend,
        "reasons": reasons,
        "forms": form_summary,
        "items": items,
        "words": _words(comments),
        "comment_count": len(comments),
    }


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


# --- The Customer Feedback Report (SMP16) --------------------------------------------------

DEADLINE_STEPS = (
    ("acknowledge", "acknowledged_at", "acknowledge_due"),
    ("reply", "replied_at", "reply_due"),
    ("resolve", "resolved_at", "resolve_due"),
)


def complaints(office_ids: Iterable[int], period: Period) -> QuerySet[Complaint]:
    return Complaint.objects.filter(
        office_id__in=list(office_ids),
        received_at__gte=period.start_at,
        received_at__lt=period.end_at,
    )


def _deadline_counts(now: dt.datetime) -> dict[str, Any]:
    """For each step: met (done by its deadline), late (done after it), overdue (not done,
    deadline passed, clock running) and pending (not done, deadline to come or paused)."""
    running = ~Q(state__in=(ComplaintState.CLOSED, ComplaintState.WAITING))
    counts: dict[str, Any] = {}
    for step, done, due in DEADLINE_STEPS:
        counts[f"{step}_met"] = Count(
            "pk", filter=Q(**{f"{done}__isnull": False, f"{done}__lte": F(due)})
        )
        counts[f"{step}_late"] = Count("pk", filter=Q(**{f"{done}__gt": F(due)}))
        counts[f"{step}_overdue"] = Count(
            "pk", filter=Q(**{f"{done}__isnull": True, f"{due}__lt": now}) & running
        )
    return counts


def _deadline_rows(totals: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for step, _done, _due in DEADLINE_STEPS:
        met, late, overdue = (totals[f"{step}_{k}"] for k in ("met", "late", "overdue"))
        judged = met + late + overdue
        rows.append(
            {
                "step": step,
                "met": met,
                "late": late,
                "overdue": overdue,
                "pending": totals["count"] - judged,
                "share": (met * 100.0 / judged) if judged else None,
            }
        )
    return rows


def feedback(
    offices: list[Office], period: Period, *, at: dt.datetime | None = None
) -> dict[str, Any]:
    """The Customer Feedback Report's (SMP16) figures."""
    now = at or clock.now()
    ids = [o.pk for o in offices]
    received = complaints(ids, period)
    open_q = ~Q(state=ComplaintState.CLOSED)
    running = ~Q(state__in=(ComplaintState.CLOSED, ComplaintState.WAITING))
    breached = (
        Q(acknowledge_due__lt=now, acknowledged_at__isnull=True)
        | Q(reply_due__lt=now, replied_at__isnull=True)
        | Q(resolve_due__lt=now, resolved_at__isnull=True)
    )
    # One pass over the period's complaints: a row per office, category, channel and
    # state with every count the report needs; the totals and each breakdown are sums of
    # these few rows.
    grouped = list(
        received.values("office_id", "category", "channel", "state")
        .annotate(
            count=Count("pk"),
            open=Count("pk", filter=open_q),
            overdue_any=Count("pk", filter=running & breached),
            **_deadline_counts(now),
        )
        .order_by()
    )
    counted = ["count", "open", "overdue_any"] + [
        f"{step}_{k}" for step, _d, _u in DEADLINE_STEPS for k in ("met", "late", "overdue")
    ]

    def added(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
        rows = list(rows)
        return {name: sum(r[name] for r in rows) for name in counted}

    def breakdown(field: str) -> list[dict[str, Any]]:
        values = sorted({r[field] for r in grouped})
        found = [
            {field: v, "count": added(r for r in grouped if r[field] == v)["count"]} for v in values
        ]
        return found

    totals = added(grouped)
    by_category = sorted(breakdown("category"), key=lambda r: (-r["count"], r["category"]))
    by_channel = sorted(breakdown("channel"), key=lambda r: (-r["count"], r["channel"]))
    by_state = breakdown("state")
    remarks = Remark.objects.filter(
        office_id__in=ids, received_on__range=(period.start, period.end)
    )
    # The same for suggestions and compliments: one pass, summed here.
    remark_rows = list(
        remarks.values("office_id", "topic", "channel")
        .annotate(
            suggestions=Count("pk", filter=Q(kind=RemarkKind.SUGGESTION)),
            compliments=Count("pk", filter=Q(kind=RemarkKind.COMPLIMENT)),
            suggestions_actioned=Count(
                "pk", filter=Q(kind=RemarkKind.SUGGESTION, actioned_at__isnull=False)
            ),
        )
        .order_by()
    )
    remark_counts = ("suggestions", "compliments", "suggestions_actioned")

    def remarks_added(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
        rows = list(rows)
        return {name: sum(r[name] for r in rows) for name in remark_counts}

    remark_totals = remarks_added(remark_rows)
    remarks_by_topic = [
        {"topic": topic, **remarks_added(r for r in remark_rows if r["topic"] == topic)}
        for topic in sorted({r["topic"] for r in remark_rows})
    ]
    remarks_by_channel = [
        {"channel": channel, **remarks_added(r for r in remark_rows if r["channel"] == channel)}
        for channel in sorted({r["channel"] for r in remark_rows})
    ]
    per_office_complaints = {
        office_id: added(r for r in grouped if r["office_id"] == office_id)
        for office_id in {r["office_id"] for r in grouped}
    }
    per_office_remarks = {
        office_id: remarks_added(r for r in remark_rows if r["office_id"] == office_id)
        for office_id in {r["office_id"] for r in remark_rows}
    }
    by_office = []
    for office in offices:
        c = per_office_complaints.get(office.pk)
        r = per_office_remarks.get(office.pk, {})
        overdue = sum(c[f"{s}_overdue"] for s, _d, _u in DEADLINE_STEPS) if c else 0
        by_office.append(
            {
                "code": office.code,
                "name": office.name,
                "complaints": c["count"] if c else 0,
                "open": c["open"] if c else 0,
                "overdue_steps": overdue,
                "resolve_share": _deadline_rows(c)[2]["share"] if c else None,
                "suggestions": r.get("suggestions", 0),
                "compliments": r.get("compliments", 0),
            }
        )
    overdue_items = list(
        received.filter(running & breached)
        .select_related("office", "assigned_to__staff")
        .order_by("received_at", "pk")[:TOP_ROWS]
    )
    overdue_count = totals["overdue_any"]
    open_items = list(
        received.filter(open_q).select_related("office").order_by("received_at", "pk")[:TOP_ROWS]
    )
    events = ComplaintEvent.objects.filter(
        complaint__office_id__in=ids,
        complaint__received_at__gte=period.start_at,
        complaint__received_at__lt=period.end_at,
    )
    actions_by_kind = list(
        events.exclude(kind=EventKind.RECEIVED)
        .values("kind")
        .annotate(count=Count("pk"))
        .order_by("kind")
    )
    actions = list(
        events.filter(
            kind__in=(
                EventKind.ACTION_STARTED,
                EventKind.REPLIED,
                EventKind.RESOLVED,
                EventKind.NOTE,
            )
        )
        .exclude(note="")
        .select_related("complaint", "user__staff")
        .order_by("-at", "-pk")[:TOP_ROWS]
    )
    remark_actions = list(
        remarks.filter(actioned_at__isnull=False)
        .select_related("office")
        .order_by("-actioned_at")[:TOP_ROWS]
    )
    box = BoxOpening.objects.filter(
        office_id__in=ids, opened_on__range=(period.start, period.end)
    ).aggregate(openings=Count("pk"), stated=Sum("slip_count"))
    box["stated"] = box["stated"] or 0
    box["keyed"] = BoxSlip.objects.filter(
        opening__office_id__in=ids, opening__opened_on__range=(period.start, period.end)
    ).count()
    return {
        "totals": totals,
        "deadlines": _deadline_rows(totals),
        "by_category": by_category,
        "by_channel": by_channel,
        "by_state": by_state,
        "remarks": remark_totals,
        "remarks_by_topic": remarks_by_topic,
        "remarks_by_channel": remarks_by_channel,
        "by_office": by_office,
        "overdue_items": overdue_items,
        "overdue_count": overdue_count,
        "open_items": open_items,
        "actions_by_kind": actions_by_kind,
        "actions": actions,
        "remark_actions": remark_actions,
        "box": box,
        "at": now,
    }
