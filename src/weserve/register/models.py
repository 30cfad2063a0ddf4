"""The customer register (buku rekod daftar pelanggan): one entry per visit, and the
office's catalogue of JKM forms with the forms handed over at each visit (PT-1.8)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from weserve.core.fields import MyKadField, PhoneNumberField
from weserve.organisation.models import Office, Service
from weserve.queueing.models import Ticket

NAME_MAX = 200
PURPOSE_MAX = 1000
NOTE_MAX = 1000
FORM_CODE_MAX = 30


class Category(models.TextChoices):
    OKU = "oku", _("Person with disabilities (OKU)")
    ELDERLY = "elderly", _("Senior citizen (warga emas)")
    SINGLE_PARENT = "single_parent", _("Single parent")
    CHILD = "child", _("Child")
    OTHER = "other", _("Other")


class Action(models.TextChoices):
    INFO = "info", _("Information given")
    FORM_ISSUED = "form_issued", _("Form issued")
    APPLICATION_RECEIVED = "application_received", _("Application received")
    REFERRED = "referred", _("Referred to an officer")
    OTHER = "other", _("Other")


class FormLanguage(models.TextChoices):
    MALAY = "ms", _("Malay")
    ENGLISH = "en", _("English")


class JkmForm(models.Model):
    """A JKM form (borang) in an office's catalogue, handed out at its counters."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="jkm_forms", verbose_name=_("office")
    )
    code = models.CharField(_("code"), max_length=FORM_CODE_MAX)
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(
        _("language"), max_length=2, choices=FormLanguage.choices, default=FormLanguage.MALAY
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("JKM form")
        verbose_name_plural = _("JKM forms")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["office", "code"], name="jkm_form_unique_code"),
            models.CheckConstraint(condition=~Q(code=""), name="jkm_form_code_not_empty"),
            models.CheckConstraint(
                condition=Q(language__in=["ms", "en"]), name="jkm_form_language_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class RegisterEntryQuerySet(models.QuerySet):
    def for_office(self, office: Office) -> RegisterEntryQuerySet:
        return self.filter(office=office)

    def on_day(self, day: object) -> RegisterEntryQuerySet:
        return self.filter(day=day)


class RegisterEntry(models.Model):
    """One visit in an office's customer register: who came, why, and what was done."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="register_entries", verbose_name=_("office")
    )
    # A walk-in served without a ticket has none; a ticket has at most one entry.
    ticket = models.OneToOneField(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="register_entry",
        verbose_name=_("ticket"),
    )
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("served by"),
    )
    served_at = models.DateTimeField(_("time"))
    day = models.DateField(_("business day"))
    name = models.CharField(_("customer name"), max_length=NAME_MAX)
    mykad = MyKadField(_("MyKad number"), blank=True, hash_field="mykad_hash")
    mykad_hash = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=_("MyKad hash")
    )
    phone = PhoneNumberField(_("telephone"), blank=True)
    category = models.CharField(_("customer category"), max_length=20, choices=Category.choices)
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    purpose = models.TextField(_("purpose of visit"), max_length=PURPOSE_MAX)
    action = models.CharField(_("action taken"), max_length=30, choices=Action.choices)
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)

    objects = RegisterEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("register entry")
        verbose_name_plural = _("register entries")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="register_entry_name_not_empty"),
            models.CheckConstraint(
                condition=~Q(purpose=""), name="register_entry_purpose_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="register_entry_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(action__in=Action.values), name="register_entry_action_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["office", "day", "served_at"], name="register_entry_day_idx"),
            # The register's search (bench/register.py, docs/performance.md): filtered by
            # service, PostgreSQL otherwise ANDs the day index with the service foreign
            # key's index and reads 317,799 index entries for 386 visits (session 10, a
            # million visits); by category (a head's search over a state's offices), it
            # otherwise reads every visit of the range.
            models.Index(fields=["office", "service", "day"], name="register_entry_service_idx"),
            models.Index(fields=["office", "category", "day"], name="register_entry_category_idx"),
            # Returning customers: an exact match on the keyed hash within one office.
            models.Index(
                fields=["office", "mykad_hash"],
                condition=~Q(mykad_hash=""),
                name="register_entry_mykad_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"


class FormHandedOver(models.Model):
    """Copies of one JKM form handed to the customer at a visit (for counting stock)."""

    entry = models.ForeignKey(
        RegisterEntry,
        on_delete=models.PROTECT,
        related_name="forms_handed_over",
        verbose_name=_("register entry"),
    )
    form = models.ForeignKey(
        JkmForm, on_delete=models.PROTECT, related_name="+", verbose_name=_("JKM form")
    )
    quantity = models.PositiveSmallIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("form handed over")
        verbose_name_plural = _("forms handed over")
        constraints = [
            models.UniqueConstraint(fields=["entry", "form"], name="form_handed_over_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="form_handed_over_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form_id} × {self.quantity}"


REFERRAL_NOTE_MAX = 1000
REFERRAL_OUTCOME_MAX = 1000


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the officer")
    ACCEPTED = "accepted", _("Accepted")
    CLOSED = "closed", pgettext_lazy("referral", "Closed")


OPEN_REFERRAL_STATUSES = (ReferralStatus.PENDING, ReferralStatus.ACCEPTED)


class ReferralQuerySet(models.QuerySet):
    def open(self) -> ReferralQuerySet:
        return self.filter(status__in=OPEN_REFERRAL_STATUSES)

    def overdue(self, now: object) -> ReferralQuerySet:
        """Not accepted by the time the office allows (the supervisor is warned)."""
        return self.filter(status=ReferralStatus.PENDING, accept_by__lte=now)


class Referral(models.Model):
    """A customer in the register referred by the counter to the responsible officer
    (PT-2.5): the officer accepts it, records the outcome and closes it."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("office")
    )
    entry = models.ForeignKey(
        RegisterEntry,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("register entry"),
    )
    officer = models.ForeignKey(
        "organisation.StaffMember",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("officer"),
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("referred by"),
    )
    note = models.TextField(_("note for the officer"), max_length=REFERRAL_NOTE_MAX, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.PENDING
    )
    created_at = models.DateTimeField(_("referred at"))
    # created_at plus the office's referral_accept_minutes at the time of referral.
    accept_by = models.DateTimeField(_("to be accepted by"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), max_length=REFERRAL_OUTCOME_MAX, blank=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="referral_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(accepted_at__isnull=False),
                name="referral_accepted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | (Q(closed_at__isnull=False) & ~Q(outcome="")),
                name="referral_closed_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(accept_by__gte=models.F("created_at")),
                name="referral_accept_by_after_created",
            ),
            # One open referral per visit: a second officer is asked after the first closes.
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(status__in=["pending", "accepted"]),
                name="referral_one_open_per_entry",
            ),
        ]
        indexes = [
            models.Index(fields=["officer", "status"], name="referral_officer_idx"),
            models.Index(
                fields=["office", "accept_by"],
                condition=Q(status="pending"),
                name="referral_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry} → {self.officer_id} ({self.status})"

    def is_overdue(self, now: object) -> bool:
        return self.status == ReferralStatus.PENDING and self.accept_by <= now  # type: ignore[operator]
