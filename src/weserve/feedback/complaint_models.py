"""Complaints (Borang Aduan Pelanggan, BAP; PY-6.3, PT-4.3).

A complaint is numbered per office and year without gaps or duplicates (one counter row
per office and year, bumped in the receiving transaction), carries an access code that
is stored only as a keyed hash, and keeps every change and note as a `ComplaintEvent`.
The complainant's name is optional; their phone and e-mail are encrypted at rest. Its
deadlines (acknowledge, reply, resolve) are kept on the row, counted in the office's
working days (`feedback.deadlines`), so the overdue list is one query.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from weserve.core.fields import EncryptedTextField, PhoneNumberField
from weserve.organisation.models import Office, Service

DESCRIPTION_MAX = 5000
NAME_MAX = 200
EMAIL_MAX = 254
STAFF_NAME_MAX = 200
NOTE_MAX = 5000


class ComplaintCategory(models.TextChoices):
    """The Public Complaints Bureau's categories (codes are the API's)."""

    DELAY = "delay", _("Delay or no action")
    UNFAIR_ACTION = "unfair_action", _("Unfair action")
    AMENITIES = "amenities", _("Lack of public amenities")
    POLICY = "policy", _("Flawed policy implementation")
    MISCONDUCT = "misconduct", _("Abuse of power or misconduct")
    PROCEDURE = "procedure", _("Failure to follow procedure")
    ENFORCEMENT = "enforcement", _("Failure of enforcement")
    SERVICE_QUALITY = "service_quality", _("Unsatisfactory service quality")
    OTHER = "other", _("Other")


class ComplaintChannel(models.TextChoices):
    COUNTER = "counter", _("At the counter")
    ONLINE = "online", _("Online form")
    SUGGESTION_BOX = "suggestion_box", _("Suggestion box")


class ComplaintState(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_ACTION = "in_action", _("In action")
    WAITING = "waiting_on_complainant", _("Waiting on the complainant")
    REPLIED = "replied", _("Replied")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# States in which a complaint is still being handled (closed is the end).
OPEN_STATES = tuple(s for s in ComplaintState.values if s != ComplaintState.CLOSED)


class ComplaintSettings(models.Model):
    """An office's complaint deadlines, in working days from receipt."""

    office = models.OneToOneField(
        Office,
        on_delete=models.CASCADE,
        related_name="complaint_settings",
        verbose_name=_("office"),
    )
    acknowledge_days = models.PositiveSmallIntegerField(
        _("acknowledge within (working days)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    reply_days = models.PositiveSmallIntegerField(
        _("reply within (working days)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    resolve_days = models.PositiveSmallIntegerField(
        _("resolve within (working days)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    class Meta:
        verbose_name = _("complaint settings")
        verbose_name_plural = _("complaint settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledge_days__gte=1)
                & Q(reply_days__gte=F("acknowledge_days"))
                & Q(resolve_days__gte=F("reply_days")),
                name="complaint_settings_days_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.acknowledge_days}/{self.reply_days}/{self.resolve_days}"


class ComplaintSequence(models.Model):
    """The last complaint number given per office and year."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, verbose_name=_("office"))
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("complaint number")
        verbose_name_plural = _("complaint numbers")
        constraints = [
            models.UniqueConstraint(fields=["office", "year"], name="complaint_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.year}: {self.last}"


class Complaint(models.Model):
    """A customer's complaint (BAP), from the counter, the online form or the box."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("office")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    reference = models.CharField(_("reference"), max_length=64, unique=True)
    access_code_hash = models.CharField(_("access code (hashed)"), max_length=64, editable=False)
    name = models.CharField(_("complainant's name"), max_length=NAME_MAX, blank=True)
    phone = PhoneNumberField(_("telephone"), blank=True)
    email = EncryptedTextField(_("e-mail"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=ComplaintCategory.choices)
    against_service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("against the service"),
    )
    against_staff_name = models.CharField(
        _("against the staff member"), max_length=STAFF_NAME_MAX, blank=True
    )
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX)
    channel = models.CharField(_("channel"), max_length=20, choices=ComplaintChannel.choices)
    state = models.CharField(
        _("state"), max_length=30, choices=ComplaintState.choices, default=ComplaintState.NEW
    )
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("received by"),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("complaint officer"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Deadlines, in the office's working days from receipt, moved on by the working days
    # the complaint waited on the complainant (the clock pauses while it waits).
    acknowledge_due = models.DateTimeField(_("acknowledge by"))
    reply_due = models.DateTimeField(_("reply by"))
    resolve_due = models.DateTimeField(_("resolve by"))
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)
    paused_days = models.PositiveSmallIntegerField(_("working days paused"), default=0)
    # The web form's one-time key (hashed): a double submit of one rendered form files
    # one complaint, whatever the timing (the unique constraint below).
    submission_key = models.CharField(
        _("form submission (hashed)"), max_length=64, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year", "number"], name="complaint_number_unique"
            ),
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=~Q(submission_key=""),
                name="complaint_submission_once",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="complaint_number_positive"),
            models.CheckConstraint(
                condition=Q(category__in=ComplaintCategory.values),
                name="complaint_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=ComplaintChannel.values),
                name="complaint_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=ComplaintState.values), name="complaint_state_valid"
            ),
            # Against a service, a named staff member, or neither; never both.
            models.CheckConstraint(
                condition=Q(against_service__isnull=True) | Q(against_staff_name=""),
                name="complaint_against_one",
            ),
            # Waiting on the complainant, and only then, the pause has a start.
            models.CheckConstraint(
                condition=(Q(state="waiting_on_complainant") & Q(waiting_since__isnull=False))
                | (~Q(state="waiting_on_complainant") & Q(waiting_since__isnull=True)),
                name="complaint_waiting_since_when_waiting",
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | Q(closed_at__isnull=False),
                name="complaint_closed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(acknowledge_due__lte=F("reply_due"))
                & Q(reply_due__lte=F("resolve_due")),
                name="complaint_deadlines_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "state"], name="complaint_office_state_idx"),
            models.Index(fields=["office", "received_at"], name="complaint_office_recv_idx"),
            models.Index(
                fields=["assigned_to", "state"],
                condition=Q(assigned_to__isnull=False),
                name="complaint_assignee_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class EventKind(models.TextChoices):
    """What happened to a complaint."""

    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ASSIGNED = "assigned", _("Assigned")
    ACTION_STARTED = "action_started", _("Action started")
    WAITING = "waiting", _("Waiting on the complainant")
    RESUMED = "resumed", _("Resumed")
    REPLIED = "replied", _("Replied")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    NOTE = "note", _("Note")


class ComplaintEvent(models.Model):
    """One change of a complaint, or a note on it; every one is kept."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="events", verbose_name=_("complaint")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    from_state = models.CharField(_("from state"), max_length=30, blank=True)
    to_state = models.CharField(_("to state"), max_length=30, blank=True)
    at = models.DateTimeField(_("time"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EventKind.values),
                name="complaint_event_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind="note") | ~Q(note=""), name="complaint_event_note_has_text"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class SubmissionCounter(models.Model):
    """How many public submissions one address made in one window (the rate limit)."""

    scope = models.CharField(_("address and form (hashed)"), max_length=80)
    window_start = models.DateTimeField(_("window"))
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("submission counter")
        verbose_name_plural = _("submission counters")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "window_start"], name="submission_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.window_start:%Y-%m-%d %H:%M} {self.count}"
