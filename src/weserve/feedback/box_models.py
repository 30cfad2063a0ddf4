"""The suggestion and complaint box (Peti Cadangan dan Aduan; PY-6.3 ii), and suggestions
and compliments as records of their own (for the Customer Feedback Report, SMP16).

Each opening of the box is logged (`BoxOpening`: when, who opened it, the witness, how
many slips were in it). Each slip is then keyed in (`BoxSlip`) as a complaint (a BAP
complaint of channel "suggestion box"), a suggestion or a compliment (a `Remark`).
A remark may also be taken at the counter or online; the action taken on it is kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weserve.feedback.complaint_models import Complaint
from weserve.organisation.models import Office

WITNESS_MAX = 200
REMARK_TEXT_MAX = 5000
ACTION_MAX = 5000
SLIPS_MAX = 10000


class BoxOpening(models.Model):
    """One opening of an office's suggestion and complaint box."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="box_openings", verbose_name=_("office")
    )
    opened_on = models.DateField(_("date opened"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    witness = models.CharField(_("witness"), max_length=WITNESS_MAX)
    slip_count = models.PositiveIntegerField(_("number of slips"))
    note = models.TextField(_("note"), max_length=ACTION_MAX, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("box opening")
        verbose_name_plural = _("box openings")
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slip_count__lte=SLIPS_MAX), name="box_opening_slips_bounded"
            ),
            models.CheckConstraint(condition=~Q(witness=""), name="box_opening_has_witness"),
        ]

    def __str__(self) -> str:
        return f"{self.opened_on:%Y-%m-%d}"


class RemarkKind(models.TextChoices):
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLIMENT = "compliment", _("Compliment")


class RemarkChannel(models.TextChoices):
    COUNTER = "counter", _("At the counter")
    ONLINE = "online", _("Online form")
    SUGGESTION_BOX = "suggestion_box", _("Suggestion box")


class RemarkTopic(models.TextChoices):
    SERVICE = "service", _("Service delivery")
    STAFF = "staff", _("Staff")
    FACILITIES = "facilities", _("Facilities")
    INFORMATION = "information", _("Information")
    PROCESS = "process", _("Procedures and forms")
    OTHER = "other", _("Other")


class Remark(models.Model):
    """A customer's suggestion or compliment."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="remarks", verbose_name=_("office")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=RemarkKind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=RemarkChannel.choices)
    topic = models.CharField(_("topic"), max_length=20, choices=RemarkTopic.choices)
    text = models.TextField(_("text"), max_length=REMARK_TEXT_MAX)
    received_on = models.DateField(_("date received"))
    keyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("keyed in by"),
    )
    keyed_at = models.DateTimeField(_("keyed in at"))
    action = models.TextField(_("action taken"), max_length=ACTION_MAX, blank=True)
    actioned_at = models.DateTimeField(_("action recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("suggestion or compliment")
        verbose_name_plural = _("suggestions and compliments")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RemarkKind.values), name="remark_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=RemarkChannel.values), name="remark_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(topic__in=RemarkTopic.values), name="remark_topic_valid"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="remark_has_text"),
            models.CheckConstraint(
                condition=Q(action="") | Q(actioned_at__isnull=False),
                name="remark_action_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "received_on"], name="remark_office_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.received_on:%Y-%m-%d} {self.get_kind_display()}"


class SlipKind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    COMPLIMENT = "compliment", _("Compliment")


class BoxSlip(models.Model):
    """One slip of an opening, keyed in as a complaint or a remark."""

    opening = models.ForeignKey(
        BoxOpening, on_delete=models.PROTECT, related_name="slips", verbose_name=_("box opening")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=SlipKind.choices)
    complaint = models.OneToOneField(
        Complaint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="box_slip",
        verbose_name=_("complaint"),
    )
    remark = models.OneToOneField(
        Remark,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="box_slip",
        verbose_name=_("suggestion or compliment"),
    )

    class Meta:
        verbose_name = _("box slip")
        verbose_name_plural = _("box slips")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="complaint") & Q(complaint__isnull=False) & Q(remark__isnull=True)
                )
                | (~Q(kind="complaint") & Q(complaint__isnull=True) & Q(remark__isnull=False)),
                name="box_slip_kind_matches_record",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()
