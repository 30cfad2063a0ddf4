"""Tickets, their daily numbering, counter sessions, and the records reports read."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weserve.core import clock
from weserve.organisation.models import Counter, Office, Service


class DailySequence(models.Model):
    """The last number issued per office, series (prefix letter) and business day."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, verbose_name=_("office"))
    series = models.CharField(max_length=1, verbose_name=_("series"))
    day = models.DateField(verbose_name=_("day"))
    last = models.PositiveIntegerField(default=0, verbose_name=_("last number"))

    class Meta:
        verbose_name = _("daily number")
        verbose_name_plural = _("daily numbers")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "series", "day"], name="daily_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.series} {self.day}: {self.last}"


class Priority(models.TextChoices):
    NONE = "none", _("None")
    OKU = "oku", _("Person with disabilities (OKU)")
    ELDERLY = "elderly", _("Senior citizen (60+)")
    PREGNANT = "pregnant", _("Pregnant")


# The priority values, looked up on every ticket issue (Priority.values builds a list).
PRIORITIES = frozenset(Priority.values)

# The audit log's action for an issued ticket.
ISSUED_ACTION = "queueing.ticket.issued"


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    SERVING = "serving", _("Being served")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = (TicketStatus.CALLED, TicketStatus.SERVING)


class TicketQuerySet(models.QuerySet):
    def for_office(self, office: Office) -> TicketQuerySet:
        return self.filter(office=office)

    def waiting(self) -> TicketQuerySet:
        return self.filter(status=TicketStatus.WAITING)

    def active(self) -> TicketQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def today(self, office: Office) -> TicketQuerySet:
        return self.filter(office=office, day=clock.business_day())


class Ticket(models.Model):
    """A customer's place in the queue, from the kiosk to the end of service."""

    # Indexes are chosen for the ticket issue, which writes a row on every kiosk touch:
    # the unique public id is a constraint (no pattern index: nobody searches it with
    # LIKE), office and service are covered by the composite indexes below, and the
    # foreign keys empty at issue are indexed only where set.
    public_id = models.CharField(max_length=43, editable=False, verbose_name=_("public id"))
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
        verbose_name=_("office"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
        verbose_name=_("service"),
    )
    # The series and number never change, even when a transfer changes the service.
    series = models.CharField(max_length=1, verbose_name=_("series"))
    day = models.DateField(_("business day"))
    seq = models.PositiveIntegerField(verbose_name=_("sequence"))
    number = models.CharField(_("number"), max_length=8)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NONE
    )
    language = models.CharField(max_length=5, default="ms", verbose_name=_("language"))
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    issued_at = models.DateTimeField(_("issued"))
    # The time the queue orders by: the issue time, kept across transfers.
    queued_at = models.DateTimeField(verbose_name=_("queued at"))
    called_at = models.DateTimeField(_("called"), null=True, blank=True)
    started_at = models.DateTimeField(_("service started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    no_show_at = models.DateTimeField(null=True, blank=True, verbose_name=_("no show at"))
    counter = models.ForeignKey(
        Counter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
        verbose_name=_("counter"),
    )
    # A transfer to a named counter: only that counter may call the ticket.
    target_counter = models.ForeignKey(
        Counter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("target counter"),
    )
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("served by"),
    )
    outcome = models.CharField(max_length=200, blank=True, verbose_name=_("outcome"))
    recalls = models.PositiveSmallIntegerField(default=0, verbose_name=_("recalls"))
    transfers = models.PositiveSmallIntegerField(default=0, verbose_name=_("transfers"))

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(fields=["public_id"], name="ticket_unique_public_id"),
            models.UniqueConstraint(
                fields=["office", "series", "day", "seq"], name="ticket_unique_number"
            ),
            # One called-or-serving ticket per counter, whatever the concurrency.
            models.UniqueConstraint(
                fields=["counter"],
                condition=Q(status__in=["called", "serving"]),
                name="ticket_one_active_per_counter",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["waiting", "called", "serving", "completed", "no_show", "cancelled"]
                ),
                name="ticket_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["called", "serving"]) | Q(counter__isnull=False),
                name="ticket_active_has_counter",
            ),
        ]
        indexes = [
            models.Index(fields=["office", "status", "queued_at"], name="ticket_queue_idx"),
            # The waiting tickets alone, with what the people-ahead count of every ticket
            # issue reads (estimate.waiting_ahead): small, and an index-only scan on
            # PostgreSQL however long the office's history grows.
            models.Index(
                fields=["office", "queued_at"],
                include=["service", "priority"],
                condition=Q(status="waiting"),
                name="ticket_waiting_idx",
            ),
            models.Index(
                fields=["counter"], condition=Q(counter__isnull=False), name="ticket_counter_idx"
            ),
            models.Index(
                fields=["target_counter"],
                condition=Q(target_counter__isnull=False),
                name="ticket_target_counter_idx",
            ),
            models.Index(
                fields=["served_by"],
                condition=Q(served_by__isnull=False),
                name="ticket_served_by_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def new_waiting(
        cls,
        office: Office,
        service: Service,
        *,
        public_id: str,
        day: dt.date,
        seq: int,
        number: str,
        priority: str,
        language: str,
        at: dt.datetime,
    ) -> Ticket:
        """A just-issued ticket, not saved: both ways of issuing (services.py and its
        hot path, issue_statement.py) build it here."""
        return cls(
            public_id=public_id,
            office=office,
            service=service,
            series=service.prefix,
            day=day,
            seq=seq,
            number=number,
            priority=priority,
            language=language,
            status=TicketStatus.WAITING,
            issued_at=at,
            queued_at=at,
        )

    @property
    def is_priority(self) -> bool:
        return self.priority != Priority.NONE

    def waited(self, at: dt.datetime | None = None) -> dt.timedelta:
        """How long the customer has waited (until called, or until now)."""
        end = self.called_at if self.called_at and self.status != TicketStatus.WAITING else None
        return (end or at or clock.now()) - self.queued_at


class TicketEvent(models.Model):
    """Every step of a ticket, with the counter and staff member: what reports read."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        CALLED = "called", _("Called")
        RECALLED = "recalled", _("Called again")
        STARTED = "started", _("Service started")
        NO_SHOW = "no_show", _("Did not come")
        REINSTATED = "reinstated", _("Reinstated")
        TRANSFERRED = "transferred", _("Transferred")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    # Covered by the (ticket, at) index; counter and user indexed only where set.
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
        verbose_name=_("ticket"),
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, verbose_name=_("kind"))
    at = models.DateTimeField(verbose_name=_("at"))
    counter = models.ForeignKey(
        Counter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        verbose_name=_("counter"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    data = models.JSONField(default=dict, blank=True, verbose_name=_("details"))

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["ticket", "at"]),
            models.Index(
                fields=["counter"],
                condition=Q(counter__isnull=False),
                name="ticketevent_counter_idx",
            ),
            models.Index(
                fields=["user"], condition=Q(user__isnull=False), name="ticketevent_user_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.at:%H:%M:%S}"


class CounterSession(models.Model):
    """A staff member's stint at a counter, from open to close, with its pauses."""

    counter = models.ForeignKey(
        Counter, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("counter")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="counter_sessions",
        verbose_name=_("user"),
    )
    opened_at = models.DateTimeField(verbose_name=_("opened at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("closed by"),
    )
    paused_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paused at"))
    pause_reason = models.CharField(max_length=100, blank=True, verbose_name=_("pause reason"))

    class Meta:
        verbose_name = _("counter session")
        verbose_name_plural = _("counter sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["counter"],
                condition=Q(closed_at__isnull=True),
                name="counter_one_open_session",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(closed_at__isnull=True),
                name="user_one_open_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counter} {self.user} {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def is_paused(self) -> bool:
        return self.closed_at is None and self.paused_at is not None


class CounterSessionEvent(models.Model):
    """Opened, paused, resumed, closed: by whom and when (attendance reads this)."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        PAUSED = "paused", _("Paused")
        RESUMED = "resumed", _("Resumed")
        CLOSED = "closed", _("Closed")

    session = models.ForeignKey(
        CounterSession, on_delete=models.PROTECT, related_name="events", verbose_name=_("session")
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, verbose_name=_("kind"))
    at = models.DateTimeField(verbose_name=_("at"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    reason = models.CharField(max_length=100, blank=True, verbose_name=_("reason"))

    class Meta:
        verbose_name = _("counter session event")
        verbose_name_plural = _("counter session events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.session_id} {self.kind} {self.at:%H:%M}"


class WaitingCount(models.Model):
    """How many tickets wait, per office, service and lane: kept by the database itself.

    Triggers on the ticket table (migration 0006, `waiting_count.py`) add and take away
    in the same statement as every insert, update and delete of a ticket, whoever makes
    it (the ORM, the issue statement, a bulk update, the admin), so the count is exact
    in every transaction and rolls back with it. The ticket issue reads these few rows
    instead of counting every waiting ticket of the office (0.3 ms of PostgreSQL per
    1,000 waiting: bench/queue_load.py, session 2).

    SQLite re-creates a table to alter it, which drops its triggers: a migration that
    alters the ticket table must run `waiting_count.install` again afterwards
    (tests/queueing/test_waiting_count.py fails otherwise).
    """

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("office")
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("service"),
    )
    # True for the priority lane (OKU, warga emas, pregnant).
    priority_lane = models.BooleanField(verbose_name=_("priority lane"))
    waiting = models.IntegerField(default=0, verbose_name=_("waiting"))

    class Meta:
        verbose_name = _("waiting count")
        verbose_name_plural = _("waiting counts")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "service", "priority_lane"], name="waiting_count_unique"
            )
        ]

    def __str__(self) -> str:
        lane = "priority" if self.priority_lane else "normal"
        return f"{self.office_id} {self.service_id} {lane}: {self.waiting}"


class ClientCharter(models.Model):
    """An office's client charter (piagam pelanggan), shown on its display board."""

    office = models.OneToOneField(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="client_charter"
    )
    text_ms = models.TextField(_("charter (Malay)"), max_length=2000)
    text_en = models.TextField(_("charter (English)"), max_length=2000)
    # The minutes themselves are the office's setting (Office.charter_wait_minutes), which
    # the supervisor's alerts use too; one number, so the board and the alerts agree.
    show_wait_target = models.BooleanField(_("show the waiting-time target"), default=True)
    updated_at = models.DateTimeField(_("updated"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("client charter")
        verbose_name_plural = _("client charters")

    def __str__(self) -> str:
        return f"{self.office_id} charter"

    @property
    def target_wait_minutes(self) -> int:
        return self.office.charter_wait_minutes


class AnnouncementQuerySet(models.QuerySet):
    def for_office(self, office: Office) -> AnnouncementQuerySet:
        return self.filter(office=office)

    def active(self, at: dt.datetime) -> AnnouncementQuerySet:
        return self.filter(
            Q(active_from__isnull=True) | Q(active_from__lte=at),
            Q(active_until__isnull=True) | Q(active_until__gt=at),
        )

    def not_ended(self, at: dt.datetime) -> AnnouncementQuerySet:
        return self.filter(Q(active_until__isnull=True) | Q(active_until__gt=at))


class Announcement(models.Model):
    """A notice for the display board's ticker, shown between its from and until times."""

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="announcements"
    )
    text_ms = models.CharField(_("text (Malay)"), max_length=500)
    text_en = models.CharField(_("text (English)"), max_length=500, blank=True)
    active_from = models.DateTimeField(_("shown from"), null=True, blank=True)
    active_until = models.DateTimeField(_("shown until"), null=True, blank=True)
    order = models.SmallIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["office", "order", "active_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_from__isnull=True)
                | Q(active_until__isnull=True)
                | Q(active_until__gt=models.F("active_from")),
                name="announcement_until_after_from",
            )
        ]

    def __str__(self) -> str:
        return self.text_ms[:60]

    def is_active(self, at: dt.datetime | None = None) -> bool:
        at = at or clock.now()
        return (self.active_from is None or self.active_from <= at) and (
            self.active_until is None or self.active_until > at
        )
