"""The Customer Satisfaction Form (Borang Kepuasan Pelanggan; PY-6.1, PT-4.1).

An office configures the form's items (`SatisfactionItem`; the six defaults are made on
first use). A filled form (`SatisfactionForm`) is one customer's answers, each item on the
same 5-point scale as the counter rating: from the tablet at a counter (it may name the
ticket just completed there) or keyed in by staff from a paper form with its printed
serial number. The database refuses a second form of one serial in one office, a second
form of one ticket, and a score outside 1-5. Every form is kept: none is ever deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weserve.feedback.models import SCORE_MAX, SCORE_MIN, Score
from weserve.organisation.models import Counter, Device, Office, Service
from weserve.queueing.models import Ticket

SERIAL_MAX = 30
FORM_COMMENT_MAX = 2000
ITEM_CODE_MAX = 30

# The items an office's form starts with: (code, Malay, English).
DEFAULT_ITEMS = (
    ("waiting_time", "Masa menunggu", "Waiting time"),
    ("courtesy", "Kesopanan petugas", "Courtesy of staff"),
    ("knowledge", "Pengetahuan petugas", "Staff knowledge"),
    ("clarity", "Kejelasan maklumat", "Clarity of information"),
    ("facilities", "Kemudahan", "Facilities"),
    ("overall", "Kepuasan keseluruhan", "Overall satisfaction"),
)


class FormChannel(models.TextChoices):
    TABLET = "tablet", _("Counter tablet")
    PAPER = "paper", _("Paper form keyed in")


class SatisfactionItem(models.Model):
    """One question of an office's satisfaction form, answered on the 5-point scale."""

    office = models.ForeignKey(
        Office,
        on_delete=models.CASCADE,
        related_name="satisfaction_items",
        verbose_name=_("office"),
    )
    code = models.SlugField(_("code"), max_length=ITEM_CODE_MAX)
    label_ms = models.CharField(_("question (Malay)"), max_length=200)
    label_en = models.CharField(_("question (English)"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("asked"), default=True)

    class Meta:
        verbose_name = _("satisfaction form item")
        verbose_name_plural = _("satisfaction form items")
        ordering = ["office", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["office", "code"], name="satisfaction_item_unique")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "ms").startswith("en"):
            return self.label_en or self.label_ms
        return self.label_ms or self.label_en


class SatisfactionForm(models.Model):
    """One filed Customer Satisfaction Form."""

    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        related_name="satisfaction_forms",
        verbose_name=_("office"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=FormChannel.choices)
    # The paper form's printed serial number; blank for a tablet form.
    serial = models.CharField(_("serial number"), max_length=SERIAL_MAX, blank=True)
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="satisfaction_forms",
        db_index=False,  # the unique constraint's index serves look-ups by ticket
        verbose_name=_("ticket"),
    )
    counter = models.ForeignKey(
        Counter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="satisfaction_forms",
        verbose_name=_("counter"),
    )
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service"),
    )
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("served by"),
    )
    device = models.ForeignKey(
        Device,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("device"),
    )
    keyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("keyed in by"),
    )
    comment = models.TextField(_("comment"), max_length=FORM_COMMENT_MAX, blank=True)
    filled_on = models.DateField(_("date filled"))
    filed_at = models.DateTimeField(_("filed at"))

    class Meta:
        verbose_name = _("customer satisfaction form")
        verbose_name_plural = _("customer satisfaction forms")
        ordering = ["-filed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "serial"],
                condition=~Q(serial=""),
                name="satisfaction_form_one_per_serial",
            ),
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(ticket__isnull=False),
                name="satisfaction_form_one_per_ticket",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=FormChannel.values),
                name="satisfaction_form_channel_valid",
            ),
            # A paper form has its serial; a tablet form has its tablet.
            models.CheckConstraint(
                condition=(Q(channel="paper") & ~Q(serial=""))
                | (Q(channel="tablet") & Q(device__isnull=False)),
                name="satisfaction_form_channel_has_source",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "filled_on"], name="satform_office_day_idx"),
        ]

    def __str__(self) -> str:
        return self.serial or f"#{self.pk}"


class SatisfactionAnswer(models.Model):
    """One item's score on one form."""

    form = models.ForeignKey(
        SatisfactionForm,
        on_delete=models.PROTECT,
        related_name="answers",
        verbose_name=_("form"),
    )
    item = models.ForeignKey(
        SatisfactionItem,
        on_delete=models.PROTECT,
        related_name="answers",
        verbose_name=_("form item"),
    )
    score = models.PositiveSmallIntegerField(_("score"), choices=Score.choices)

    class Meta:
        verbose_name = _("satisfaction form answer")
        verbose_name_plural = _("satisfaction form answers")
        constraints = [
            models.UniqueConstraint(fields=["form", "item"], name="satisfaction_answer_unique"),
            models.CheckConstraint(
                condition=Q(score__gte=SCORE_MIN, score__lte=SCORE_MAX),
                name="satisfaction_answer_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.score}"
