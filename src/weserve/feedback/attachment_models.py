"""Files attached to a complaint (photographs, scanned letters): kept under MEDIA_ROOT,
never served as static files, only through the access-checked view of the complaint's
file (`feedback_complaint_attachment`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weserve.feedback.complaint_models import Complaint

NAME_MAX = 200


class ComplaintAttachment(models.Model):
    """One file attached to a complaint."""

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        related_name="attachments",
        verbose_name=_("complaint"),
    )
    file = models.FileField(_("file"), upload_to="complaints/%Y/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=NAME_MAX)
    content_type = models.CharField(_("file type"), max_length=60)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        verbose_name = _("complaint attachment")
        verbose_name_plural = _("complaint attachments")
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=("image/jpeg", "image/png", "application/pdf")),
                name="complaint_attachment_type_valid",
            )
        ]

    def __str__(self) -> str:
        return self.original_name
