"""Customer feedback: counter satisfaction ratings (PY-6.1, PT-4.1).

A rating is one customer's score of one visit, from the tablet at the counter or from
the QR link of the ticket slip. What may never happen is said by the database: a score
outside 1-5, an unknown channel or reason, and two ratings of one ticket.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from weserve.organisation.models import Counter, Device, Office
from weserve.queueing.models import Ticket

COMMENT_MAX = 1000
SCORE_MIN = 1
SCORE_MAX = 5


class Score(models.IntegerChoices):
    """The five faces, from "Sangat Tidak Puas Hati" to "Sangat Puas Hati"."""

    VERY_DISSATISFIED = 1, _("Very dissatisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    NEUTRAL = 3, pgettext_lazy("satisfaction", "Neutral")
    SATISFIED = 4, _("Satisfied")
    VERY_SATISFIED = 5, _("Very satisfied")


class Channel(models.TextChoices):
    TABLET = "tablet", _("Counter tablet")
    QR = "qr", _("QR code on the slip")


class Reason(models.TextChoices):
    """The reason chips a customer may add to a score (the fixed list; both languages)."""

    WAITING_TIME = "waiting_time", _("Waiting time")
    COURTESY = "courtesy", _("Courtesy of staff")
    KNOWLEDGE = "knowledge", _("Staff knowledge")
    CLARITY = "clarity", _("Clarity of information")
    SPEED = "speed", _("Speed of service")
    FACILITIES = "facilities", _("Facilities")


class RatingQuerySet(models.QuerySet):
    def for_office(self, office: Office) -> RatingQuerySet:
        return self.filter(office=office)


class Rating(models.Model):
    """A customer's satisfaction score of one visit to a counter (one per ticket)."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("office")
    )
    counter = models.ForeignKey(
        Counter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
        verbose_name=_("counter"),
    )
    # Null for a rating that names no ticket (a paper form, later); a ticket has at most
    # one rating: the unique constraint below, whatever the concurrency.
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
        db_index=False,  # the unique constraint's index serves look-ups by ticket
        verbose_name=_("ticket"),
    )
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("served by"),
    )
    score = models.PositiveSmallIntegerField(_("score"), choices=Score.choices)
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    device = models.ForeignKey(
        Device,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("device"),
    )
    created_at = models.DateTimeField(_("time"))
    day = models.DateField(_("business day"))

    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("counter rating")
        verbose_name_plural = _("counter ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(ticket__isnull=False),
                name="rating_one_per_ticket",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="rating_score_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="rating_channel_valid"
            ),
            # A tablet rating names the tablet; a QR rating was made on the customer's phone.
            models.CheckConstraint(
                condition=Q(channel="tablet", device__isnull=False)
                | (~Q(channel="tablet") & Q(device__isnull=True)),
                name="rating_device_only_for_tablet",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "day"], name="rating_office_day_idx"),
            models.Index(
                fields=["served_by", "day"],
                condition=Q(served_by__isnull=False),
                name="rating_staff_day_idx",
            ),
            models.Index(
                fields=["counter", "day"],
                condition=Q(counter__isnull=False),
                name="rating_counter_day_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_score_display()}"


class RatingReason(models.Model):
    """One reason chip chosen with a rating (a row each, so reports count them in SQL)."""

    rating = models.ForeignKey(
        Rating, on_delete=models.PROTECT, related_name="reasons", verbose_name=_("rating")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)

    class Meta:
        verbose_name = _("rating reason")
        verbose_name_plural = _("rating reasons")
        constraints = [
            models.UniqueConstraint(fields=["rating", "reason"], name="rating_reason_unique"),
            models.CheckConstraint(
                condition=Q(reason__in=Reason.values), name="rating_reason_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_reason_display()


class TallyDimension(models.TextChoices):
    """What a rating tally counts by. Every rating counts once under its channel, so the
    channel rows of a day are that day's totals."""

    CHANNEL = "channel", _("channel")
    COUNTER = "counter", _("counter")
    STAFF = "staff", _("staff member")
    SERVICE = "service", _("service")
    REASON = "reason", _("reason")


class RatingTally(models.Model):
    """One office's counter ratings of one business day, counted by score along one
    dimension (a counter, a staff member, a service, a channel, a reason chip).

    Kept by feedback.tallies in the transaction that writes each rating; the Customer
    Satisfaction Analysis Report sums these rows instead of reading every rating."""

    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the unique constraint's index starts with the office
        verbose_name=_("office"),
    )
    day = models.DateField(_("business day"))
    dimension = models.CharField(_("counted by"), max_length=10, choices=TallyDimension.choices)
    # The counter's, staff member's (user's) or service's id; the channel's or reason's code.
    key = models.CharField(_("key"), max_length=40)
    s1 = models.PositiveIntegerField(_("very dissatisfied (1)"), default=0)
    s2 = models.PositiveIntegerField(_("dissatisfied (2)"), default=0)
    s3 = models.PositiveIntegerField(_("neutral (3)"), default=0)
    s4 = models.PositiveIntegerField(_("satisfied (4)"), default=0)
    s5 = models.PositiveIntegerField(_("very satisfied (5)"), default=0)

    class Meta:
        verbose_name = _("daily rating tally")
        verbose_name_plural = _("daily rating tallies")
        constraints = [
            # Also the reports' index: offices, then a range of days.
            models.UniqueConstraint(
                fields=["office", "day", "dimension", "key"], name="rating_tally_unique"
            ),
            models.CheckConstraint(
                condition=Q(dimension__in=TallyDimension.values), name="rating_tally_dimension"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension} {self.key}"


# Complaints (BAP) live in their own module; imported here so Django finds them.
from weserve.feedback.attachment_models import ComplaintAttachment  # noqa: E402, F401, I001
from weserve.feedback.box_models import BoxOpening, BoxSlip, Remark  # noqa: E402, F401, I001
from weserve.feedback.complaint_models import (  # noqa: E402, F401
    Complaint,
    ComplaintEvent,
    ComplaintSequence,
    ComplaintSettings,
    SubmissionCounter,
)
from weserve.feedback.satisfaction_models import (  # noqa: E402, F401
    SatisfactionAnswer,
    SatisfactionForm,
    SatisfactionItem,
)

# The perception survey lives in its own module; imported here so Django finds it.
from weserve.feedback.survey_models import (  # noqa: E402, F401
    SurveyAnswer,
    SurveyFollowUp,
    SurveyItem,
    SurveyPeriod,
    SurveyReport,
    SurveyResponse,
    SurveySection,
)
