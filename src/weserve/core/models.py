"""Shared records: the user account, the audit log, API tokens, idempotent responses,
the numbers of the live streams.

Also the disposal of records: the `DisposableModel` mixin and the `Disposal` register.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in; their offices and directory entry live in organisation."""

    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=settings.LANGUAGES, default="ms"
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class AuditLog(models.Model):
    """Who did what to which record, in which office, and when; never edited."""

    at = models.DateTimeField(_("time"), db_index=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # indexed only where set (Meta): kiosks and devices write none
    )
    actor = models.CharField(_("actor"), max_length=150, blank=True)
    # Office is kept by id and code, not as a foreign key: core sits below organisation.
    # Indexed by (office, time) below, which serves look-ups by office alone too.
    office_id = models.BigIntegerField(_("office"), null=True, blank=True)
    office_code = models.CharField(_("office code"), max_length=32, blank=True)
    target_type = models.CharField(_("record type"), max_length=100, blank=True)
    target_id = models.CharField(_("record"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        permissions = [("reveal_personal_data", "Can reveal personal data in full")]
        indexes = [
            models.Index(fields=["office_id", "-at"]),
            models.Index(
                fields=["user"], condition=models.Q(user__isnull=False), name="auditlog_user_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class ApiToken(models.Model):
    """A person's bearer token for the API; expires, and can be revoked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    key_hash = models.CharField(max_length=64, unique=True, verbose_name=_("key hash"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} #{self.pk}"


class IdempotentResponse(models.Model):
    """The first response to a POST sent with an Idempotency-Key, replayed on repeats."""

    scope = models.CharField(max_length=64, verbose_name=_("scope"))
    key = models.CharField(max_length=255, verbose_name=_("key"))
    method_path = models.CharField(max_length=512, verbose_name=_("method and path"))
    created_at = models.DateTimeField(db_index=True, verbose_name=_("created at"))
    completed = models.BooleanField(default=False, verbose_name=_("completed"))
    status = models.PositiveSmallIntegerField(null=True, verbose_name=_("status code"))
    content_type = models.CharField(max_length=100, blank=True, verbose_name=_("content type"))
    body = models.BinaryField(blank=True, default=b"", verbose_name=_("body"))
    # Who is running the request now (host, process and a random part per attempt), and
    # until when: the holding process renews the lease while the request runs, so a lease
    # that ran out belongs to a request that died with its process (core/idempotency.py).
    owner = models.CharField(max_length=100, blank=True, verbose_name=_("held by"))
    lease_until = models.DateTimeField(null=True, blank=True, verbose_name=_("lease until"))

    class Meta:
        verbose_name = _("saved answer to a repeated request")
        verbose_name_plural = _("saved answers to repeated requests")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.method_path}"


class DisposableQuerySet(models.QuerySet):
    """Reads of records that may be disposed of; subclass it for a model's own queryset."""

    def live(self) -> DisposableQuerySet:
        return self.filter(disposed_at__isnull=True)

    def disposed(self) -> DisposableQuerySet:
        return self.filter(disposed_at__isnull=False)


class DisposableModel(models.Model):
    """Mixin: a record the application never deletes; disposal marks it and hides it.

    Disposal goes through `weserve.core.disposal.dispose`, which also writes the
    `Disposal` register entry and the audit entry. Operational screens read `.live()`.
    """

    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True, editable=False)

    # Plain-text personal data to blank on disposal (encrypted fields always are).
    erase_on_disposal: tuple[str, ...] = ()

    objects = DisposableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_disposed(self) -> bool:
        return self.disposed_at is not None


class Disposal(models.Model):
    """One record disposed of under an approved retention schedule: who, when, why."""

    at = models.DateTimeField(_("time"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("disposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Office is kept by id and code, not as a foreign key: core sits below organisation.
    office_id = models.BigIntegerField(_("office"), null=True, blank=True, db_index=True)
    office_code = models.CharField(_("office code"), max_length=32, blank=True)
    target_type = models.CharField(_("record type"), max_length=100)
    target_id = models.CharField(_("record"), max_length=64)
    reason = models.TextField(_("reason"))
    schedule_ref = models.CharField(_("approved retention schedule reference"), max_length=100)
    erased_fields = models.JSONField(_("personal data erased"), default=list, blank=True)

    class Meta:
        verbose_name = _("disposal")
        verbose_name_plural = _("disposals")
        ordering = ["-at", "-id"]
        constraints = [
            # A record is disposed of once; a second disposal would be a second story.
            models.UniqueConstraint(
                fields=["target_type", "target_id"], name="disposal_target_unique"
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="disposal_reason_given"),
            models.CheckConstraint(
                condition=~models.Q(schedule_ref=""), name="disposal_schedule_ref_given"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_type}#{self.target_id} ({self.schedule_ref})"


class StreamSequence(models.Model):
    """The last event number per office and live stream (`weserve.core.live`)."""

    # Office by id, not a foreign key: core sits below organisation (as in AuditLog).
    # Offices are never deleted, so the id cannot dangle.
    office_id = models.BigIntegerField(_("office"))
    stream = models.CharField(max_length=40, verbose_name=_("stream"))
    last = models.PositiveBigIntegerField(default=0, verbose_name=_("last number"))

    class Meta:
        verbose_name = _("live stream number")
        verbose_name_plural = _("live stream numbers")
        constraints = [
            # The upsert in live.next_seq conflicts on these two columns. Not named as
            # queueing's old constraint was: both tables exist while the rows move, and
            # PostgreSQL wants index names unique in the schema.
            models.UniqueConstraint(fields=["office_id", "stream"], name="live_stream_unique")
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.stream}: {self.last}"
