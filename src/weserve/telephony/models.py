"""The telephone desk: calls, the exchange's events, messages for officers, hold updates
and each office's telephone settings."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from weserve.core.fields import EncryptedTextField
from weserve.organisation.models import Office, Service, StaffMember

# The rules of the seed (PT-3.1, PT-3.6, PT-3.7), in seconds.
ANSWER_TARGET_SECONDS = 10
HOLD_PROMPT_SECONDS = 20
DEFAULT_TRANSFER_TIMEOUT_SECONDS = 20
MIN_TRANSFER_TIMEOUT_SECONDS = 5
NOTE_MAX = 2000
NAME_MAX = 200


class TelephonySettings(models.Model):
    """An office's telephone desk settings: how long a transfer may ring unanswered."""

    office = models.OneToOneField(
        Office,
        on_delete=models.CASCADE,
        related_name="telephony_settings",
        verbose_name=_("office"),
    )
    transfer_timeout_seconds = models.PositiveSmallIntegerField(
        _("an unanswered transfer comes back after (seconds)"),
        default=DEFAULT_TRANSFER_TIMEOUT_SECONDS,
        validators=[MinValueValidator(MIN_TRANSFER_TIMEOUT_SECONDS), MaxValueValidator(300)],
    )

    class Meta:
        verbose_name = _("telephone settings")
        verbose_name_plural = _("telephone settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(transfer_timeout_seconds__gte=5, transfer_timeout_seconds__lte=300),
                name="telephony_settings_timeout_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.office.code}: {self.transfer_timeout_seconds} s"


class Call(models.Model):
    """One telephone call to or from an office, from the first ring to its end."""

    class Direction(models.TextChoices):
        IN = "in", _("Incoming")
        OUT = "out", _("Outgoing")

    class Status(models.TextChoices):
        RINGING = "ringing", _("Ringing")
        ANSWERED = "answered", _("With the operator")
        ON_HOLD = "on_hold", _("On hold")
        TRANSFERRING = "transferring", _("Being transferred")
        WITH_OFFICER = "with_officer", _("With the officer")
        ENDED = "ended", _("Ended")

    class Outcome(models.TextChoices):
        HANDLED = "handled", _("Handled by the operator")
        TRANSFERRED = "transferred", _("Put through to an officer")
        MESSAGE = "message", _("Message taken")
        ABANDONED = "abandoned", _("Caller hung up before an answer")
        UNANSWERED = "unanswered", _("Left the queue unanswered (timeout or no operator)")

    class Language(models.TextChoices):
        MS = "ms", _("Malay")
        EN = "en", _("English")

    # No index of its own: the (office, ring_at) index and the (office, call_id) unique
    # constraint both start with it, and one fewer index is cheaper to keep on every call.
    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        related_name="calls",
        db_index=False,
    )
    call_id = models.CharField(_("call id"), max_length=64)
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default=Direction.IN
    )
    # E.164 when it parses, the exchange's digits otherwise; encrypted like every phone.
    caller_number = EncryptedTextField(_("caller's number"), blank=True)
    caller_name = models.CharField(_("caller's name"), max_length=NAME_MAX, blank=True)
    language = models.CharField(
        _("caller's language"), max_length=2, choices=Language.choices, default=Language.MS
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RINGING
    )
    # False for a call logged by hand: its ring time is a guess and stays out of the
    # 10-second figure (PY-3.1).
    times_from_exchange = models.BooleanField(_("times from the exchange"), default=False)
    ring_at = models.DateTimeField(_("ringing since"), db_index=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    operator_extension = models.CharField(_("operator's extension"), max_length=20, blank=True)
    service = models.ForeignKey(
        Service,
        verbose_name=_("service asked about"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True, max_length=NOTE_MAX)
    transfer_to = models.ForeignKey(
        StaffMember,
        verbose_name=_("transferred to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transferred_calls",
    )
    transferred_at = models.DateTimeField(_("transferred at"), null=True, blank=True)
    officer_answered_at = models.DateTimeField(_("officer answered at"), null=True, blank=True)
    transfer_returned_at = models.DateTimeField(_("transfer came back at"), null=True, blank=True)
    hold_since = models.DateTimeField(_("on hold since"), null=True, blank=True)
    last_hold_update_at = models.DateTimeField(_("caller last told at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-ring_at", "-pk"]
        indexes = [models.Index(fields=["office", "ring_at"], name="call_office_ring")]
        constraints = [
            models.UniqueConstraint(fields=["office", "call_id"], name="call_unique_call_id"),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(answered_at__gte=F("ring_at")),
                name="call_answered_after_ring",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("ring_at")),
                name="call_ended_after_ring",
            ),
            models.CheckConstraint(
                condition=(Q(status="ended") & Q(ended_at__isnull=False) & ~Q(outcome=""))
                | (~Q(status="ended") & Q(ended_at__isnull=True) & Q(outcome="")),
                name="call_ended_has_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(outcome__in=["abandoned", "unanswered"]) | Q(answered_at__isnull=True),
                name="call_abandoned_unanswered",
            ),
            models.CheckConstraint(
                condition=Q(transfer_to__isnull=False) | Q(transferred_at__isnull=True),
                name="call_transfer_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office_id}:{self.call_id}"

    @property
    def transfer_returned(self) -> bool:
        return self.transfer_returned_at is not None


class HoldUpdate(models.Model):
    """The operator told a caller on hold how their call stands (every 20 seconds)."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="hold_updates"
    )
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("what the caller was told"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("hold update")
        verbose_name_plural = _("hold updates")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.call_id} {self.at:%H:%M:%S}"


class CallEvent(models.Model):
    """An event the exchange sent (webhook or queue_log line), kept once by its id."""

    class Kind(models.TextChoices):
        RINGING = "ringing", _("Ringing")
        ANSWERED = "answered", _("Answered")
        TRANSFERRED = "transferred", _("Transferred")
        HANGUP = "hangup", _("Hung up")
        QUEUE_LOG = "queue_log", _("queue_log line")

    class Result(models.TextChoices):
        APPLIED = "applied", _("Applied")
        IGNORED = "ignored", _("Ignored")

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    event_id = models.CharField(_("event id"), max_length=128)
    kind = models.CharField(_("event"), max_length=12, choices=Kind.choices)
    call = models.ForeignKey(
        Call,
        verbose_name=_("call"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    call_ref = models.CharField(_("call id"), max_length=64, blank=True)
    extension = models.CharField(_("extension"), max_length=20, blank=True)
    at = models.DateTimeField(_("at (exchange time)"))
    received_at = models.DateTimeField(_("received at"))
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("exchange event")
        verbose_name_plural = _("exchange events")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["office", "event_id"], name="callevent_unique_id")
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.kind}"


class Message(models.Model):
    """A message taken for an officer who could not take the call, and its call-back."""

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        URGENT = "urgent", _("Urgent")

    class CallBackOutcome(models.TextChoices):
        REACHED = "reached", _("Spoke to the caller")
        NO_ANSWER = "no_answer", _("No answer")
        LEFT_MESSAGE = "left_message", _("Left a voice message")
        WRONG_NUMBER = "wrong_number", _("Wrong number")

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    call = models.ForeignKey(
        Call,
        verbose_name=_("call"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    officer = models.ForeignKey(
        StaffMember, verbose_name=_("for"), on_delete=models.PROTECT, related_name="messages"
    )
    caller_name = models.CharField(_("caller's name"), max_length=NAME_MAX)
    caller_number = EncryptedTextField(_("number to call back"))
    purpose = models.TextField(_("purpose"), max_length=NOTE_MAX)
    best_time = models.CharField(_("best time to call"), max_length=100, blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    taken_at = models.DateTimeField(_("taken at"), db_index=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    call_back_due = models.DateField(_("call back by"))
    called_back_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    called_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called back by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    call_back_outcome = models.CharField(
        _("call-back outcome"), max_length=12, choices=CallBackOutcome.choices, blank=True
    )
    call_back_note = models.TextField(_("call-back note"), blank=True, max_length=NOTE_MAX)
    escalated_at = models.DateTimeField(_("escalated to the supervisor at"), null=True, blank=True)

    class Meta:
        verbose_name = _("telephone message")
        verbose_name_plural = _("telephone messages")
        ordering = ["-taken_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(called_back_at__isnull=True) & Q(call_back_outcome=""))
                | (Q(called_back_at__isnull=False) & ~Q(call_back_outcome="")),
                name="message_call_back_has_outcome",
            )
        ]

    def __str__(self) -> str:
        return f"{self.caller_name} → {self.officer_id}"

    @property
    def is_done(self) -> bool:
        return self.called_back_at is not None
