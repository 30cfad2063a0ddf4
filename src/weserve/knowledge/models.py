"""The reference shelf (rak rujukan): what staff and operators consult while serving —
the WeServe Product Knowledge manual (PKW), the JKM service profile kit, service
brochures, corporate information, the directory of other agencies and the emergency
contacts (PT-1.7, PY-4.1–4.4, PY-5.4).

An article belongs to an office: an article of HQ (the top of the hierarchy) reaches
every office, a state's its districts, a district's only itself (and, as every record,
its hierarchy's heads). Only approved articles are shown to staff; each approval is a
new version, which staff acknowledge having read (PY-2.3, PY-3.3).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from weserve.core.forms import within_calendar
from weserve.organisation.models import Office, Service

TITLE_MAX = 200
SUMMARY_MAX = 500
BODY_MAX = 20000
CHANGE_NOTE_MAX = 1000


def in_language(obj: object, field: str) -> str:
    """The Malay or English text of a bilingual field, in the page's language (Malay
    where the English is empty)."""
    malay = getattr(obj, f"{field}_ms")
    if (get_language() or "ms").startswith("en"):
        return getattr(obj, f"{field}_en") or malay
    return malay


class Kind(models.TextChoices):
    PKW = "pkw", _("Product knowledge (PKW)")
    PROFILE = "profile", _("Service profile kit")
    BROCHURE = "brochure", _("Service brochure")
    CORPORATE = "corporate", _("Corporate information")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class Article(models.Model):
    """A document of the reference shelf, in Malay and English, with its sections."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service"),
    )
    title_ms = models.CharField(_("title (Malay)"), max_length=TITLE_MAX)
    title_en = models.CharField(_("title (English)"), max_length=TITLE_MAX, blank=True)
    summary_ms = models.TextField(_("summary (Malay)"), max_length=SUMMARY_MAX, blank=True)
    summary_en = models.TextField(_("summary (English)"), max_length=SUMMARY_MAX, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # 0 until first approved; each approval is the next version.
    version = models.PositiveIntegerField(_("version"), default=0)
    review_due = models.DateField(
        _("review due"), null=True, blank=True, validators=[within_calendar]
    )
    what_changed_ms = models.TextField(
        _("what changed (Malay)"), max_length=CHANGE_NOTE_MAX, blank=True
    )
    what_changed_en = models.TextField(
        _("what changed (English)"), max_length=CHANGE_NOTE_MAX, blank=True
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    # A brochure's printable file, kept under the var directory's media/.
    file = models.FileField(
        _("file (PDF)"),
        upload_to="knowledge/",
        blank=True,
        validators=[FileExtensionValidator(["pdf"])],
    )

    class Meta:
        verbose_name = _("reference article")
        verbose_name_plural = _("reference articles")
        ordering = ["kind", "title_ms"]
        constraints = [
            models.CheckConstraint(condition=~Q(title_ms=""), name="article_title_not_empty"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="article_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="article_status_valid"
            ),
            # An approved article has been approved at least once.
            models.CheckConstraint(
                condition=Q(status="draft") | Q(version__gte=1, approved_at__isnull=False),
                name="article_approved_has_version",
            ),
        ]
        indexes = [models.Index(fields=["office", "status"], name="article_office_status_idx")]

    def __str__(self) -> str:
        return self.title_ms

    @property
    def title(self) -> str:
        return in_language(self, "title")

    @property
    def summary(self) -> str:
        return in_language(self, "summary")

    @property
    def what_changed(self) -> str:
        return in_language(self, "what_changed")

    @property
    def is_approved(self) -> bool:
        return self.status == Status.APPROVED


class ArticleSection(models.Model):
    """One section of an article (e.g. eligibility, documents to bring, forms)."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="sections", verbose_name=_("article")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    heading_ms = models.CharField(_("heading (Malay)"), max_length=TITLE_MAX)
    heading_en = models.CharField(_("heading (English)"), max_length=TITLE_MAX, blank=True)
    body_ms = models.TextField(_("text (Malay)"), max_length=BODY_MAX)
    body_en = models.TextField(_("text (English)"), max_length=BODY_MAX, blank=True)

    class Meta:
        verbose_name = _("article section")
        verbose_name_plural = _("article sections")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(heading_ms=""), name="section_heading_not_empty")
        ]

    def __str__(self) -> str:
        return self.heading_ms

    @property
    def heading(self) -> str:
        return in_language(self, "heading")

    @property
    def body(self) -> str:
        return in_language(self, "body")


class Acknowledgement(models.Model):
    """A staff member has read one approved version of an article."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    article = models.ForeignKey(
        Article,
        on_delete=models.PROTECT,
        related_name="acknowledgements",
        verbose_name=_("article"),
    )
    version = models.PositiveIntegerField(_("version"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
    )
    acknowledged_at = models.DateTimeField(_("read at"))

    class Meta:
        verbose_name = _("reading acknowledgement")
        verbose_name_plural = _("reading acknowledgements")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "version", "user"], name="acknowledgement_once_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.version} {self.user_id}"


class Agency(models.Model):
    """Another service or agency customers can be sent to (the shelf's directory)."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    agency = models.CharField(_("agency"), max_length=TITLE_MAX)
    service_ms = models.CharField(_("service (Malay)"), max_length=TITLE_MAX)
    service_en = models.CharField(_("service (English)"), max_length=TITLE_MAX, blank=True)
    address = models.TextField(_("address"), max_length=500, blank=True)
    phone = models.CharField(_("telephone"), max_length=40)
    hours_ms = models.CharField(_("hours (Malay)"), max_length=TITLE_MAX, blank=True)
    hours_en = models.CharField(_("hours (English)"), max_length=TITLE_MAX, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("agency in the directory")
        verbose_name_plural = _("directory of agencies")
        ordering = ["agency", "service_ms"]
        constraints = [
            models.CheckConstraint(condition=~Q(agency=""), name="agency_name_not_empty"),
            models.CheckConstraint(condition=~Q(phone=""), name="agency_phone_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} — {self.service_ms}"

    @property
    def service(self) -> str:
        return in_language(self, "service")

    @property
    def hours(self) -> str:
        return in_language(self, "hours")


class EmergencyContact(models.Model):
    """A number to call in an emergency (PY-5.4), with when to call it."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="+", verbose_name=_("office")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name_ms = models.CharField(_("name (Malay)"), max_length=TITLE_MAX)
    name_en = models.CharField(_("name (English)"), max_length=TITLE_MAX, blank=True)
    phone = models.CharField(_("telephone"), max_length=40)
    when_ms = models.CharField(_("when to call (Malay)"), max_length=300, blank=True)
    when_en = models.CharField(_("when to call (English)"), max_length=300, blank=True)
    hours_ms = models.CharField(_("hours (Malay)"), max_length=TITLE_MAX, blank=True)
    hours_en = models.CharField(_("hours (English)"), max_length=TITLE_MAX, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")
        ordering = ["order", "name_ms"]
        constraints = [
            models.CheckConstraint(condition=~Q(name_ms=""), name="emergency_name_not_empty"),
            models.CheckConstraint(condition=~Q(phone=""), name="emergency_phone_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name_ms} {self.phone}"

    @property
    def name(self) -> str:
        return in_language(self, "name")

    @property
    def when(self) -> str:
        return in_language(self, "when")

    @property
    def hours(self) -> str:
        return in_language(self, "hours")
