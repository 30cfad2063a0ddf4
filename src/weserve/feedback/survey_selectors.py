"""Reads of the perception survey that the pages, the PDF and the workbook share: the
sampling plan (population, Krejcie & Morgan target, progress) and the Perception Survey
Data Report's figures.

Every figure is an aggregate computed by the database (`annotate`/`aggregate` with
`Count`, `Avg` and filtered counts), never a loop over answers in Python: a report reads
a handful of rows whatever the number of responses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from weserve.feedback.sampling import krejcie_morgan
from weserve.feedback.survey_models import (
    LIKERT_MAX,
    LIKERT_MIN,
    AgeBand,
    CustomerCategory,
    PopulationSource,
    ReportState,
    ResponseChannel,
    SurveyAnswer,
    SurveyPeriod,
    SurveyReport,
    SurveyResponse,
    SurveySection,
)
from weserve.queueing.models import Ticket, TicketStatus
from weserve.register.models import RegisterEntry

SCORES = tuple(range(LIKERT_MIN, LIKERT_MAX + 1))
SATISFIED_FROM = 4


# --- The sampling plan -----------------------------------------------------------------------


def served_in(period: SurveyPeriod) -> int:
    """Customers the office served in the period: its completed tickets plus the walk-ins
    of its register (entries without a ticket), counted by the database."""
    days = (period.starts_on, period.ends_on)
    tickets = Ticket.objects.filter(
        office_id=period.office_id, status=TicketStatus.COMPLETED, day__range=days
    ).count()
    walk_ins = RegisterEntry.objects.filter(
        office_id=period.office_id, ticket__isnull=True, day__range=days
    ).count()
    return tickets + walk_ins


def population_of(period: SurveyPeriod) -> int:
    if period.population_source == PopulationSource.ENTERED and period.population_entered:
        return period.population_entered
    return served_in(period)


@dataclass(frozen=True)
class Plan:
    """The sampling plan and where it stands."""

    population: int
    source: str
    note: str
    target: int  # Krejcie & Morgan's sample size (0 while the population is 0)
    achieved: int
    by_channel: dict[str, int]

    @property
    def percent(self) -> int:
        """Progress towards the target, 0-100 (capped)."""
        if self.target <= 0:
            return 0
        return min(100, self.achieved * 100 // self.target)

    @property
    def adequate(self) -> bool:
        return self.target > 0 and self.achieved >= self.target

    @property
    def remaining(self) -> int:
        return max(0, self.target - self.achieved)

    @property
    def statement(self) -> str:
        if self.target <= 0:
            return _("No population yet: the sample size cannot be worked out.")
        if self.adequate:
            return _("Sample adequate: {achieved} responses against the {target} required.").format(
                achieved=self.achieved, target=self.target
            )
        return _(
            "Sample not yet adequate: {achieved} responses of the {target} required "
            "({remaining} more needed)."
        ).format(achieved=self.achieved, target=self.target, remaining=self.remaining)


def plan_of(period: SurveyPeriod) -> Plan:
    population = population_of(period)
    channels = dict(
        period.responses.values_list("channel").annotate(n=Count("pk")).values_list("channel", "n")
    )
    return Plan(
        population=population,
        source=period.population_source,
        note=period.population_note,
        target=krejcie_morgan(population) if population > 0 else 0,
        achieved=sum(channels.values()),
        by_channel={c: channels.get(c, 0) for c in ResponseChannel.values},
    )


# --- The report's figures ------------------------------------------------------------------


def _score_aggregates() -> dict[str, Any]:
    figures: dict[str, Any] = {"n": Count("pk"), "mean": Avg("score")}
    for score in SCORES:
        figures[f"c{score}"] = Count("pk", filter=Q(score=score))
    figures["satisfied"] = Count("pk", filter=Q(score__gte=SATISFIED_FROM))
    return figures


@dataclass
class Figures:
    """The mean, the distribution (counts of 1-5) and the share satisfied (4-5) of a set
    of answers."""

    label: str
    n: int = 0
    mean: float | None = None
    counts: list[int] = field(default_factory=lambda: [0] * len(SCORES))
    satisfied: int = 0
    code: str = ""

    @classmethod
    def of(cls, label: str, row: dict[str, Any] | None, code: str = "") -> Figures:
        if not row or not row.get("n"):
            return cls(label=label, code=code)
        return cls(
            label=label,
            code=code,
            n=int(row["n"]),
            mean=float(row["mean"]) if row["mean"] is not None else None,
            counts=[int(row[f"c{s}"]) for s in SCORES],
            satisfied=int(row["satisfied"]),
        )

    @property
    def mean_text(self) -> str:
        return "—" if self.mean is None else f"{self.mean:.2f}"

    @property
    def satisfied_percent(self) -> float | None:
        return None if not self.n else round(self.satisfied * 100 / self.n, 1)

    @property
    def satisfied_text(self) -> str:
        value = self.satisfied_percent
        return "—" if value is None else f"{value:.1f}%"


@dataclass
class Dimension:
    figures: Figures
    items: list[Figures]


@dataclass
class Breakdown:
    label: str
    rows: list[tuple[str, int]]


@dataclass
class Report:
    """The Perception Survey Data Report of one period."""

    period: SurveyPeriod
    plan: Plan
    dimensions: list[Dimension]
    overall: Figures
    breakdowns: list[Breakdown]


def _english() -> bool:
    return (get_language() or "ms").startswith("en")


def section_title(section: SurveySection) -> str:
    return section.title_en if _english() else section.title_ms


def report_of(period: SurveyPeriod) -> Report:
    """The figures of a period's report: per item and per dimension, overall, and the
    respondents by age band, category, service and channel."""
    answers = SurveyAnswer.objects.filter(response__period=period)
    english = _english()
    per_item = {row["item"]: row for row in answers.values("item").annotate(**_score_aggregates())}
    per_section = {
        row["item__section"]: row
        for row in answers.values("item__section").annotate(**_score_aggregates())
    }
    dimensions = []
    for section in period.sections.prefetch_related("items").order_by("order"):
        items = [
            Figures.of(item.text_en if english else item.text_ms, per_item.get(item.pk))
            for item in section.items.all()
        ]
        dimensions.append(
            Dimension(
                figures=Figures.of(
                    section_title(section), per_section.get(section.pk), section.code
                ),
                items=items,
            )
        )
    overall = Figures.of(_("All statements"), answers.aggregate(**_score_aggregates()))
    return Report(
        period=period,
        plan=plan_of(period),
        dimensions=dimensions,
        overall=overall,
        breakdowns=breakdowns(period.responses.all()),
    )


def breakdowns(responses: QuerySet[SurveyResponse]) -> list[Breakdown]:
    """Who answered (never who they are): counts by age band, category, service, channel."""

    def counted(field_name: str, labels: dict[str, str]) -> list[tuple[str, int]]:
        found = dict(
            responses.order_by()
            .values_list(field_name)
            .annotate(n=Count("pk"))
            .values_list(field_name, "n")
        )
        return [(str(label), found.get(code, 0)) for code, label in labels.items()]

    services = (
        responses.order_by()
        .values("service__code", "service__name_ms", "service__name_en")
        .annotate(n=Count("pk"))
        .order_by("service__code")
    )
    english = _english()
    service_rows = [
        (
            (row["service__name_en"] if english else row["service__name_ms"]) or _("Not stated"),
            int(row["n"]),
        )
        for row in services
    ]
    return [
        Breakdown(_("Age band"), counted("age_band", dict(AgeBand.choices))),
        Breakdown(_("Customer category"), counted("category", dict(CustomerCategory.choices))),
        Breakdown(_("Service used"), service_rows),
        Breakdown(_("Channel"), counted("channel", dict(ResponseChannel.choices))),
    ]


# --- The head's view: reports of the offices below ------------------------------------------


def reports_for_head(office_ids: Any) -> QuerySet[SurveyReport]:
    return (
        SurveyReport.objects.filter(period__office_id__in=office_ids)
        .select_related("period__office", "submitted_by__staff", "acknowledged_by__staff")
        .order_by("state", "-submitted_at", "-pk")
    )


def waiting_count(office_ids: Any) -> int:
    """Reports submitted to the head and not yet acknowledged."""
    return SurveyReport.objects.filter(
        period__office_id__in=office_ids, state=ReportState.SUBMITTED
    ).count()


@dataclass
class OfficeRow:
    office: Any
    period: SurveyPeriod
    target: int
    achieved: int
    figures: Figures

    @property
    def adequate(self) -> bool:
        return self.target > 0 and self.achieved >= self.target


@dataclass
class Combined:
    """Submitted reports of several offices: a row per office and the figures of every
    dimension over all of them (matched by the dimension's code)."""

    offices: list[OfficeRow]
    dimensions: list[Figures]
    overall: Figures
    target: int
    achieved: int


def combined_of(reports: QuerySet[SurveyReport]) -> Combined:
    period_ids = list(reports.values_list("period_id", flat=True))
    answers = SurveyAnswer.objects.filter(response__period_id__in=period_ids)
    per_period = {
        row["response__period"]: row
        for row in answers.values("response__period").annotate(**_score_aggregates())
    }
    english = _english()
    offices = [
        OfficeRow(
            office=report.period.office,
            period=report.period,
            target=report.sample_target,
            achieved=report.sample_achieved,
            figures=Figures.of(report.period.office.name, per_period.get(report.period_id)),
        )
        for report in reports.select_related("period__office").order_by("period__office__code")
    ]
    titles = {
        code: (en if english else ms)
        for code, ms, en in SurveySection.objects.filter(period_id__in=period_ids)
        .order_by("-period_id")
        .values_list("code", "title_ms", "title_en")
    }
    orders = {
        row["item__section__code"]: row["first"]
        for row in answers.values("item__section__code").annotate(first=Avg("item__section__order"))
    }
    dimensions = [
        Figures.of(titles.get(row["item__section__code"], ""), row, row["item__section__code"])
        for row in answers.values("item__section__code").annotate(**_score_aggregates())
    ]
    dimensions.sort(key=lambda f: (orders.get(f.code, 0), f.code))
    return Combined(
        offices=offices,
        dimensions=dimensions,
        overall=Figures.of(_("All statements"), answers.aggregate(**_score_aggregates())),
        target=sum(r.target for r in offices),
        achieved=sum(r.achieved for r in offices),
    )
