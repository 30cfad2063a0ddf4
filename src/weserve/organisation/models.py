"""Offices, sections, the staff directory, counters, the service catalogue, hours, devices."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import holidays as holidays_lib
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from weserve.core import clock
from weserve.core.db import CompiledQuery
from weserve.core.fields import PhoneNumberField
from weserve.core.tokens import hash_token, is_stale

# The holidays package's subdivision codes for Malaysia's states and federal territories.
STATE_CHOICES = [
    ("01", "Johor"),
    ("02", "Kedah"),
    ("03", "Kelantan"),
    ("04", "Melaka"),
    ("05", "Negeri Sembilan"),
    ("06", "Pahang"),
    ("07", "Pulau Pinang"),
    ("08", "Perak"),
    ("09", "Perlis"),
    ("10", "Selangor"),
    ("11", "Terengganu"),
    ("12", "Sabah"),
    ("13", "Sarawak"),
    ("14", "W.P. Kuala Lumpur"),
    ("15", "W.P. Labuan"),
    ("16", "W.P. Putrajaya"),
]


class BilingualName(models.Model):
    """Names that staff type in both languages; `name` picks the active language."""

    name_ms = models.CharField(_("name (Malay)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "ms").startswith("en"):
            return self.name_en or self.name_ms
        return self.name_ms or self.name_en


@functools.lru_cache(maxsize=256)
def _state_holidays(state: str, year: int) -> holidays_lib.HolidayBase:
    return holidays_lib.Malaysia(subdiv=state, years=year)


class OfficeQuerySet(models.QuerySet):
    def active(self) -> OfficeQuerySet:
        return self.filter(is_active=True)


class Office(BilingualName):
    """A JKM office: HQ, a state office (JKMN) or a district office (PKMD)."""

    class UnservedService(models.TextChoices):
        """What the kiosk does for a service that no open counter serves now."""

        ISSUE = "issue", _("Issue the ticket, saying no counter is open for it")
        WARN = "warn", _("Warn the customer first, then issue if they still want it")
        REFUSE = "refuse", _("Refuse to issue it")

    class Kind(models.TextChoices):
        HQ = "hq", _("Headquarters")
        STATE = "state", _("State office (JKMN)")
        DISTRICT = "district", _("District office (PKMD)")

    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9][A-Z0-9-]*$",
                _("Use capital letters, digits and hyphens, e.g. PKMD-PJ."),
            )
        ],
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    address = models.TextField(_("address"), blank=True)
    state = models.CharField(_("state"), max_length=2, choices=STATE_CHOICES)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    follows_state_calendar = models.BooleanField(
        _("closed on the state's weekend and public holidays"), default=True
    )
    priority_wait_minutes = models.PositiveSmallIntegerField(
        _("priority customers go first after (minutes)"),
        default=5,
        validators=[MaxValueValidator(120)],
    )
    charter_wait_minutes = models.PositiveSmallIntegerField(
        _("client charter waiting-time target (minutes)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
    )
    # The customer register (weserve.register): whether a ticket may be completed without
    # a register entry (the console asks by default; on, it refuses), and how long a
    # referral to an officer may wait for acceptance before the supervisor is warned.
    # Defaults in the database too: rows written by code that predates these columns (an
    # older migration state in tests/migrating.py) still get a value.
    register_entry_required = models.BooleanField(
        _("a register entry is required to complete a ticket"), default=False, db_default=False
    )
    referral_accept_minutes = models.PositiveSmallIntegerField(
        _("referrals not accepted within this time are flagged to the supervisor (minutes)"),
        default=15,
        db_default=15,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
    )
    kiosk_unserved = models.CharField(
        _("kiosk: a service no open counter serves now"),
        max_length=8,
        choices=UnservedService.choices,
        default=UnservedService.ISSUE,
        # Also the column's default: rows written by older code (a migration test's
        # historical models, a script) issue as before.
        db_default=UnservedService.ISSUE,
        help_text=_(
            "A counter on a break counts as open. Refusing applies to every ticket of the "
            "office: the kiosk, its program and staff alike."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = OfficeQuerySet.as_manager()

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="hq") | Q(parent__isnull=False), name="office_parent_unless_hq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def is_working_day(self, day: dt.date) -> bool:
        """A pure rule: the state's calendar, then the office's own additions and removals."""
        override = next((h for h in self.holiday_overrides() if h.date == day), None)
        if override is not None:
            return override.is_open
        if not self.follows_state_calendar:
            return True
        return _state_holidays(self.state, day.year).is_working_day(day)

    def holiday_overrides(self) -> list[OfficeHoliday]:
        cached = getattr(self, "_holiday_overrides", None)
        if cached is None:
            cached = list(self.holidays.all())
            self._holiday_overrides = cached
        return cached

    def public_holiday_name(self, day: dt.date) -> str | None:
        if not self.follows_state_calendar:
            return None
        return _state_holidays(self.state, day.year).get(day)

    def is_open(self, at: dt.datetime | None = None) -> bool:
        """Whether the office serves the public at this instant."""
        local = clock.to_local(at or clock.now())
        if not self.is_working_day(local.date()):
            return False
        t = local.time()
        return any(h.covers(t) for h in self.opening_hours.all() if h.weekday == local.weekday())

    def ancestors(self) -> list[Office]:
        chain: list[Office] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class OpeningHours(models.Model):
    """One opening period of an office on a weekday; several periods make a day."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    # 00:00 as the closing time means midnight at the end of the day.
    closes = models.TimeField(_("closes"), help_text=_("00:00 means midnight."))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["office", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gt=models.F("opens")) | Q(closes=dt.time(0, 0)),
                name="opening_hours_closes_after_opens",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="opening_hours_weekday_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def covers(self, t: dt.time) -> bool:
        if self.closes == dt.time(0, 0):
            return t >= self.opens
        return self.opens <= t < self.closes


class OfficeHoliday(models.Model):
    """A day an office closes although the calendar says open, or opens although closed."""

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    is_open = models.BooleanField(
        _("open on this day"),
        default=False,
        help_text=_("Tick to open on a public holiday; leave unticked to close."),
    )
    name = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("office holiday")
        verbose_name_plural = _("office holidays")
        ordering = ["office", "date"]
        constraints = [
            models.UniqueConstraint(fields=["office", "date"], name="office_holiday_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Section(BilingualName):
    """A section (bahagian) of an office."""

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="sections"
    )
    code = models.CharField(_("code"), max_length=32)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["office", "name_ms"]
        constraints = [
            models.UniqueConstraint(fields=["office", "code"], name="section_unique_code")
        ]


class StaffQuerySet(models.QuerySet):
    def active(self) -> StaffQuerySet:
        return self.filter(is_active=True)

    def of_office(self, office: Office) -> StaffQuerySet:
        return self.filter(Q(home_office=office) | Q(offices=office)).distinct()

    # What core's scoping asks of WESERVE_STAFF_MODEL (weserve.core.contracts). Both read
    # the user's `staff` relation, which Django keeps on the user object once loaded.

    def office_ids_of(self, user: Any) -> set[int]:
        """The offices a person belongs to: home office and granted offices."""
        staff = getattr(user, "staff", None)
        if staff is None:
            return set()
        ids = set(staff.offices.values_list("pk", flat=True))
        if staff.home_office_id:
            ids.add(staff.home_office_id)
        return ids

    def home_office_id_of(self, user: Any) -> int | None:
        """The person's home office, or None for someone not in the directory."""
        staff = getattr(user, "staff", None)
        return staff.home_office_id if staff is not None else None


class StaffMember(models.Model):
    """A person in the staff directory; signs in through `user` when they have an account."""

    class Presence(models.TextChoices):
        IN_OFFICE = "in", _("In the office")
        OUT = "out", _("Out of the office")
        MEETING = "meeting", _("In a meeting")
        LEAVE = "leave", _("On leave")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sign-in account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    section = models.ForeignKey(
        Section, verbose_name=_("section"), null=True, blank=True, on_delete=models.PROTECT
    )
    home_office = models.ForeignKey(
        Office, verbose_name=_("home office"), on_delete=models.PROTECT, related_name="home_staff"
    )
    offices = models.ManyToManyField(
        Office,
        verbose_name=_("other offices"),
        blank=True,
        related_name="granted_staff",
        help_text=_("Offices this person also works in."),
    )
    extension = models.CharField(
        _("extension"),
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{2,6}$", _("An extension is 2 to 6 digits."))],
    )
    phone = PhoneNumberField(_("telephone"), blank=True)
    # What the person handles, so the counter can find the responsible officer for a need.
    services = models.ManyToManyField(
        "Service",
        verbose_name=_("services handled"),
        blank=True,
        related_name="handled_by",
    )
    presence = models.CharField(
        _("presence"), max_length=10, choices=Presence.choices, default=Presence.IN_OFFICE
    )
    expected_return = models.DateTimeField(_("expected back"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = StaffQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff directory")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceQuerySet(models.QuerySet):
    def active(self) -> ServiceQuerySet:
        return self.filter(is_active=True)

    def offered_at(self, office: Office) -> ServiceQuerySet:
        return self.filter(is_active=True, offices=office)


class Service(BilingualName):
    """A counter service of the catalogue (an aid scheme, OKU registration, enquiries...)."""

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9-]+$", _("Use capital letters, digits, hyphens."))],
    )
    # One letter per service across the catalogue, so it is unique within every office too.
    prefix = models.CharField(
        _("ticket prefix"),
        max_length=1,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]$", _("One capital letter, A to Z."))],
    )
    description_ms = models.TextField(_("description (Malay)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    typical_minutes = models.PositiveSmallIntegerField(
        _("typical service time (minutes)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
    )
    is_active = models.BooleanField(_("active"), default=True)
    offices = models.ManyToManyField(
        Office, verbose_name=_("offices"), blank=True, related_name="services"
    )

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["prefix"]


class CounterQuerySet(models.QuerySet):
    def active(self) -> CounterQuerySet:
        return self.filter(is_active=True)


class Counter(models.Model):
    """A service counter of an office; the priority kind is the OKU/warga emas counter."""

    class Kind(models.TextChoices):
        NORMAL = "normal", _("Normal")
        PRIORITY = "priority", _("Priority (OKU / senior citizens)")

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="counters"
    )
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    name = models.CharField(_("name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NORMAL)
    # Ranked through CounterService: a counter calls its rank-1 services first.
    services = models.ManyToManyField(
        Service,
        verbose_name=_("services"),
        related_name="counters",
        through="CounterService",
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = CounterQuerySet.as_manager()

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        ordering = ["office", "number"]
        constraints = [
            models.UniqueConstraint(fields=["office", "number"], name="counter_unique_number")
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return str(_("Counter {number}").format(number=self.number))

    def ranked_services(self) -> list[Service]:
        """The services this counter serves, in the order it calls them (rank, then
        prefix). Reads `service_links`, so a prefetch of `services_in_order()` serves it."""
        return [link.service for link in self.service_links.all()]


class CounterService(models.Model):
    """One service a counter serves, and its rank there: rank 1 is called first."""

    counter = models.ForeignKey(
        Counter, verbose_name=_("counter"), on_delete=models.CASCADE, related_name="service_links"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="counter_links"
    )
    # Equal ranks are called by arrival (the rule before ranks existed); a lower number
    # is called first, so a counter can keep its own service moving and help with others.
    rank = models.PositiveSmallIntegerField(
        _("order"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("1 is called first. Services with the same number are called by arrival time."),
    )

    class Meta:
        verbose_name = _("service of a counter")
        verbose_name_plural = _("services of the counter")
        ordering = ["rank", "service__prefix"]
        constraints = [
            models.UniqueConstraint(
                fields=["counter", "service"], name="counterservice_unique_service"
            ),
            models.CheckConstraint(condition=Q(rank__gte=1), name="counterservice_rank_from_1"),
        ]

    def __str__(self) -> str:
        return f"{self.service.prefix} · {self.service.name}"


def services_in_order() -> models.Prefetch:
    """Prefetch for `Counter.ranked_services()`: every counter's services in rank order,
    one query (a new object each time: a shared queryset would carry hints between uses)."""
    return models.Prefetch(
        "service_links", queryset=CounterService.objects.select_related("service")
    )


class DeviceQuerySet(models.QuerySet):
    def live(self) -> DeviceQuerySet:
        return self.filter(revoked_at__isnull=True)

    def for_token(self, raw: str) -> Device | None:
        """The live device behind a token or device cookie, or None.

        What core's authentication asks of WESERVE_DEVICE_MODEL (weserve.core.contracts).
        It also notes the device as seen, at most every `tokens.LAST_USED_RESOLUTION`:
        the devices page shows it, and a device polling every few seconds must not turn
        every read into a write.
        """
        if not raw:
            return None
        # Every kiosk touch and every screen's request asks this: compiled once
        # (core.db.CompiledQuery), without joins; the office and the counter load when a
        # caller needs them (few do: they go by `office_id`).
        device = _live_device_by_hash.first(hash_token(raw))
        if device is not None:
            now = clock.now()
            if is_stale(device.last_seen_at, now):
                Device.objects.filter(pk=device.pk).update(last_seen_at=now)
                device.last_seen_at = now
        return device


class Device(models.Model):
    """A kiosk, display, rating tablet or telephone exchange, tied to one office."""

    # Every kind is created, listed, revoked and (unless a program) paired the same way
    # (organisation/devices.py, `weserve device-token`, the Devices page). A new kind is
    # a line here (at most 10 characters) and, where it is allowed in, its endpoints'
    # and consumers' checks (e.g. `queueing.access.require_device_kind`).
    class Kind(models.TextChoices):
        KIOSK = "kiosk", _("Ticket kiosk")
        DISPLAY = "display", _("Display board")
        RATING = "rating", _("Counter rating tablet")
        EXCHANGE = "exchange", _("Telephone exchange")

    # Programs keep the token printed when they were created; every other kind runs in a
    # browser, which is paired with a code and gets the token as an httpOnly cookie.
    PROGRAM_KINDS = frozenset({Kind.EXCHANGE})

    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="devices"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    counter = models.ForeignKey(
        Counter,
        verbose_name=_("counter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Rating tablets only: the counter they stand at."),
    )
    token_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, verbose_name=_("token hash")
    )
    created_at = models.DateTimeField(_("created"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["office", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="rating", counter__isnull=False)
                | (~Q(kind="rating") & Q(counter__isnull=True)),
                name="device_counter_only_for_rating",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def is_browser(self) -> bool:
        """Paired with a browser by a pairing code (not a program keeping its token)."""
        return self.kind not in self.PROGRAM_KINDS


# DeviceQuerySet.for_token's look-up (a token hash is unique: no ordering needed).
_live_device_by_hash = CompiledQuery(
    lambda token_hash: Device.objects.live().filter(token_hash=token_hash).order_by()[:1], str
)


class PairingCode(models.Model):
    """A short one-time code that pairs a kiosk, display or rating browser with a device."""

    device = models.ForeignKey(
        Device, on_delete=models.CASCADE, related_name="pairing_codes", verbose_name=_("device")
    )
    code_hash = models.CharField(max_length=64, unique=True, verbose_name=_("code hash"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("used at"))

    class Meta:
        verbose_name = _("pairing code")
        verbose_name_plural = _("pairing codes")

    def __str__(self) -> str:
        return f"{self.device} {self.created_at:%Y-%m-%d %H:%M}"
