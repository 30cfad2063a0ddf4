"""The perception survey (Borang Tinjauan Persepsi Pelanggan; PY-6.2, PT-4.2).

An office runs its survey in periods (a year, say). A period has a questionnaire of
sections (the dimensions) and five-point Likert items, a sampling plan (the population
served in the period, or a number entered with its source, gives the Krejcie & Morgan
sample size) and the responses: from the office's tablet, the period's QR link or a
paper form keyed in by staff with its serial number. A response identifies no one: its
demographics are an age band, a customer category and the service used, nothing typed.

The period's report goes to the head of department (JKMN) as a `SurveyReport`, which
keeps the figures at submission, the head's acknowledgement and the follow-up actions.
What may never happen is said by the database: a score outside 1-5, two answers to one
item in one response, two responses with one paper serial in a period, a paper form
without its serial, two reports of one period.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from weserve.organisation.models import Device, Office, Service

TITLE_MAX = 200
TEXT_MAX = 500
SOURCE_MAX = 300
SERIAL_MAX = 30
NOTE_MAX = 2000
LIKERT_MIN = 1
LIKERT_MAX = 5
# The most a period's population may be entered as (sampling.MAX_POPULATION is larger;
# no office serves more than this in a period).
POPULATION_MAX = 10_000_000


class Likert(models.IntegerChoices):
    STRONGLY_DISAGREE = 1, _("Strongly disagree")
    DISAGREE = 2, _("Disagree")
    NEUTRAL = 3, _("Neither agree nor disagree")
    AGREE = 4, _("Agree")
    STRONGLY_AGREE = 5, _("Strongly agree")


class PeriodState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", pgettext_lazy("survey period", "Open")
    CLOSED = "closed", _("Closed")


class PopulationSource(models.TextChoices):
    SERVED = "served", _("Customers served (tickets and walk-ins)")
    ENTERED = "entered", _("A number entered with its source")


class ResponseChannel(models.TextChoices):
    TABLET = "tablet", _("Office tablet")
    QR = "qr", _("QR link")
    PAPER = "paper", _("Paper form")


class AgeBand(models.TextChoices):
    UNDER_18 = "u18", _("Under 18")
    FROM_18 = "18_29", _("18 to 29")
    FROM_30 = "30_39", _("30 to 39")
    FROM_40 = "40_49", _("40 to 49")
    FROM_50 = "50_59", _("50 to 59")
    FROM_60 = "60_plus", _("60 and over")
    NOT_STATED = "none", _("Prefer not to say")


class CustomerCategory(models.TextChoices):
    PUBLIC = "public", _("Member of the public")
    RECIPIENT = "recipient", _("Aid recipient")
    OKU = "oku", _("Person with disabilities (OKU)")
    ELDERLY = "elderly", _("Senior citizen")
    AGENCY = "agency", _("Agency or organisation")
    OTHER = "other", _("Other")


class SurveyPeriod(models.Model):
    """A perception survey of one office over a stretch of dates, with its questionnaire."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="survey_periods", verbose_name=_("office")
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    state = models.CharField(
        _("status"), max_length=10, choices=PeriodState.choices, default=PeriodState.DRAFT
    )
    # The secret of the period's QR link (no sign-in): unguessable, never an id.
    public_id = models.CharField(_("public link id"), max_length=32, unique=True)
    population_source = models.CharField(
        _("population from"),
        max_length=10,
        choices=PopulationSource.choices,
        default=PopulationSource.SERVED,
    )
    population_entered = models.PositiveIntegerField(_("population entered"), null=True, blank=True)
    population_note = models.CharField(
        _("source of the population"), max_length=SOURCE_MAX, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"))
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey period")
        verbose_name_plural = _("survey periods")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="survey_period_dates_in_order"
            ),
            models.CheckConstraint(
                condition=Q(state__in=PeriodState.values), name="survey_period_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(population_source="served", population_entered__isnull=True)
                | Q(
                    population_source="entered",
                    population_entered__gte=1,
                    population_entered__lte=POPULATION_MAX,
                ),
                name="survey_period_population_valid",
            ),
            # The office's tablet and open link show its one open period.
            models.UniqueConstraint(
                fields=["office"], condition=Q(state="open"), name="survey_period_one_open"
            ),
        ]
        indexes = [models.Index(fields=["office", "state"], name="survey_period_office_idx")]

    def __str__(self) -> str:
        return self.title


class SurveySection(models.Model):
    """A section (dimension) of a period's questionnaire, in Malay and English."""

    period = models.ForeignKey(
        SurveyPeriod, on_delete=models.CASCADE, related_name="sections", verbose_name=_("period")
    )
    # The dimension's code: the same in every period copied from the default
    # questionnaire, so a head can combine the offices' figures per dimension.
    code = models.CharField(_("code"), max_length=20)
    order = models.PositiveSmallIntegerField(_("order"))
    title_ms = models.CharField(_("title (Malay)"), max_length=TITLE_MAX)
    title_en = models.CharField(_("title (English)"), max_length=TITLE_MAX)

    class Meta:
        verbose_name = _("survey section")
        verbose_name_plural = _("survey sections")
        ordering = ["period", "order"]
        constraints = [
            models.UniqueConstraint(fields=["period", "order"], name="survey_section_order"),
            models.UniqueConstraint(fields=["period", "code"], name="survey_section_code"),
        ]

    def __str__(self) -> str:
        return self.title_ms


class SurveyItem(models.Model):
    """A five-point Likert statement of a section."""

    section = models.ForeignKey(
        SurveySection, on_delete=models.CASCADE, related_name="items", verbose_name=_("section")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    text_ms = models.CharField(_("statement (Malay)"), max_length=TEXT_MAX)
    text_en = models.CharField(_("statement (English)"), max_length=TEXT_MAX)

    class Meta:
        verbose_name = _("survey item")
        verbose_name_plural = _("survey items")
        ordering = ["section__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["section", "order"], name="survey_item_order"),
        ]

    def __str__(self) -> str:
        return self.text_ms


class SurveyResponse(models.Model):
    """One customer's filled questionnaire: its channel and demographics, no identity."""

    period = models.ForeignKey(
        SurveyPeriod, on_delete=models.PROTECT, related_name="responses", verbose_name=_("period")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ResponseChannel.choices)
    # The paper form's serial number (blank for the tablet and QR): one response each.
    serial = models.CharField(_("form serial number"), max_length=SERIAL_MAX, blank=True)
    age_band = models.CharField(_("age band"), max_length=10, choices=AgeBand.choices)
    category = models.CharField(
        _("customer category"), max_length=20, choices=CustomerCategory.choices
    )
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service used"),
    )
    device = models.ForeignKey(
        Device,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("device"),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("keyed in by"),
    )
    # The one-time key of the rendered form: a double submit files one response.
    submission_key = models.CharField(_("submission key"), max_length=100, null=True, blank=True)
    created_at = models.DateTimeField(_("received"))

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "serial"],
                condition=~Q(serial=""),
                name="survey_response_one_per_serial",
            ),
            models.UniqueConstraint(fields=["submission_key"], name="survey_response_submission"),
            models.CheckConstraint(
                condition=Q(channel__in=ResponseChannel.values),
                name="survey_response_channel_valid",
            ),
            # A paper form has its serial and the staff member who keyed it in; a tablet
            # or QR response has neither.
            models.CheckConstraint(
                condition=Q(channel="paper", entered_by__isnull=False) & ~Q(serial="")
                | (~Q(channel="paper") & Q(serial="", entered_by__isnull=True)),
                name="survey_response_paper_has_serial",
            ),
            models.CheckConstraint(
                condition=Q(channel="tablet", device__isnull=False)
                | (~Q(channel="tablet") & Q(device__isnull=True)),
                name="survey_response_device_only_for_tablet",
            ),
            models.CheckConstraint(
                condition=Q(age_band__in=AgeBand.values), name="survey_response_age_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=CustomerCategory.values),
                name="survey_response_category_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_id} {self.get_channel_display()} {self.serial}".strip()


class SurveyAnswer(models.Model):
    """A response's score of one item, 1 (strongly disagree) to 5 (strongly agree)."""

    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    item = models.ForeignKey(
        SurveyItem, on_delete=models.PROTECT, related_name="answers", verbose_name=_("statement")
    )
    score = models.PositiveSmallIntegerField(_("score"), choices=Likert.choices)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="survey_answer_one_per_item"),
            models.CheckConstraint(
                condition=Q(score__gte=LIKERT_MIN, score__lte=LIKERT_MAX),
                name="survey_answer_score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.score}"


class ReportState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted to the head of department")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged by the head of department")


class SurveyReport(models.Model):
    """A period's Perception Survey Data Report as submitted to the head (JKMN), with the
    sample figures as they stood when it was submitted."""

    period = models.OneToOneField(
        SurveyPeriod, on_delete=models.PROTECT, related_name="report", verbose_name=_("period")
    )
    state = models.CharField(
        _("status"), max_length=15, choices=ReportState.choices, default=ReportState.SUBMITTED
    )
    population = models.PositiveIntegerField(_("population"))
    sample_target = models.PositiveIntegerField(_("sample size required"))
    sample_achieved = models.PositiveIntegerField(_("responses received"))
    note = models.TextField(_("covering note"), max_length=NOTE_MAX, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)

    class Meta:
        verbose_name = _("perception survey report")
        verbose_name_plural = _("perception survey reports")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ReportState.values), name="survey_report_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state="submitted", acknowledged_at__isnull=True)
                | Q(state="acknowledged", acknowledged_at__isnull=False),
                name="survey_report_acknowledged_has_time",
            ),
        ]

    def __str__(self) -> str:
        return str(self.period)


class SurveyFollowUp(models.Model):
    """A follow-up action the head records on a submitted report (kept, never edited)."""

    report = models.ForeignKey(
        SurveyReport, on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("report")
    )
    action = models.TextField(_("follow-up action"), max_length=NOTE_MAX)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        verbose_name = _("survey follow-up action")
        verbose_name_plural = _("survey follow-up actions")
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return self.action[:60]
