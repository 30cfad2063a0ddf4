"""Complaint attachments: checked by their content, not their name, before anything is
kept. A file is accepted when its first bytes are those of a JPEG, PNG or PDF and its
name's extension agrees; at most `MAX_FILES` files of at most `MAX_BYTES` each.

`receive_with_attachments` files a complaint and its files in one transaction: a refused
file refuses the complaint (nothing half-saved), and files already written to storage by
a transaction that then fails are removed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from weserve.core import clock
from weserve.core.audit import log_action
from weserve.feedback import complaint_services as complaints
from weserve.feedback.attachment_models import NAME_MAX, ComplaintAttachment
from weserve.feedback.complaint_models import Complaint
from weserve.feedback.services import InvalidInput
from weserve.organisation.models import Office

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 3
# content type: (the first bytes, the extensions a name of it may have)
SIGNATURES: dict[str, tuple[tuple[bytes, ...], tuple[str, ...]]] = {
    "image/jpeg": ((b"\xff\xd8\xff",), (".jpg", ".jpeg")),
    "image/png": ((b"\x89PNG\r\n\x1a\n",), (".png",)),
    "application/pdf": ((b"%PDF-",), (".pdf",)),
}


@dataclass(frozen=True)
class CleanFile:
    name: str
    content_type: str
    data: bytes


def sniff(head: bytes) -> str | None:
    """The content type that these first bytes are, or None."""
    for content_type, (magics, _exts) in SIGNATURES.items():
        if any(head.startswith(magic) for magic in magics):
            return content_type
    return None


def _safe_name(raw: str) -> str:
    name = PurePath(str(raw).replace("\\", "/")).name
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*')
    return name[-NAME_MAX:] or "file"


def clean_files(uploads: Any) -> list[CleanFile]:
    """The uploaded files, checked; `InvalidInput` on the `attachments` field otherwise."""
    uploads = [u for u in (uploads or []) if u is not None and getattr(u, "name", "")]
    errors: dict[str, str | Promise] = {}
    if len(uploads) > MAX_FILES:
        raise InvalidInput({"attachments": _("At most {count} files.").format(count=MAX_FILES)})
    found: list[CleanFile] = []
    for upload in uploads:
        name = _safe_name(upload.name)
        size = int(getattr(upload, "size", 0) or 0)
        if size > MAX_BYTES:
            errors["attachments"] = _("{name} is larger than {mb} MB.").format(
                name=name, mb=MAX_BYTES // (1024 * 1024)
            )
            break
        upload.seek(0)
        data = upload.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            errors["attachments"] = _("{name} is larger than {mb} MB.").format(
                name=name, mb=MAX_BYTES // (1024 * 1024)
            )
            break
        content_type = sniff(data[:16])
        extension = PurePath(name).suffix.lower()
        if content_type is None or extension not in SIGNATURES[content_type][1]:
            errors["attachments"] = _(
                "{name} is not a photograph (JPEG, PNG) or a PDF document."
            ).format(name=name)
            break
        if not data:
            errors["attachments"] = _("{name} is empty.").format(name=name)
            break
        found.append(CleanFile(name=name, content_type=content_type, data=data))
    if errors:
        raise InvalidInput(errors)
    return found


def _store(
    complaint: Complaint, files: list[CleanFile], user: Any, stored: list[Any]
) -> list[ComplaintAttachment]:
    """Write the files and their rows; each stored file is added to `stored`, so the
    caller can remove them if its transaction fails (storage is not rolled back)."""
    kept: list[ComplaintAttachment] = []
    for clean in files:
        attachment = ComplaintAttachment(
            complaint=complaint,
            original_name=clean.name,
            content_type=clean.content_type,
            size=len(clean.data),
            uploaded_at=clock.now(),
            uploaded_by=user if getattr(user, "is_authenticated", False) else None,
        )
        extension = SIGNATURES[clean.content_type][1][0]
        attachment.file.save(
            f"{complaint.reference}{extension}", ContentFile(clean.data), save=False
        )
        stored.append(attachment.file)
        attachment.save()
        kept.append(attachment)
    if kept:
        log_action(
            "feedback.complaint.attached",
            user=user,
            actor="" if getattr(user, "is_authenticated", False) else "public",
            office=complaint.office,
            target=complaint,
            data={"reference": complaint.reference, "files": len(kept)},
        )
    return kept


def _remove(stored: list[Any]) -> None:
    for field in stored:
        field.storage.delete(field.name)


def attach(complaint: Complaint, uploads: Any, *, acting_user: Any) -> list[ComplaintAttachment]:
    """Attach files to a complaint already received (staff, on its file)."""
    files = clean_files(uploads)
    if len(files) + complaint.attachments.count() > MAX_FILES:
        raise InvalidInput({"attachments": _("At most {count} files.").format(count=MAX_FILES)})
    stored: list[Any] = []
    try:
        with transaction.atomic():
            return _store(complaint, files, acting_user, stored)
    except BaseException:
        _remove(stored)
        raise


def receive_with_attachments(
    office: Office,
    given: complaints.ComplaintInput,
    uploads: Any,
    **kwargs: Any,
) -> complaints.Received:
    """Receive a complaint with its files, all or nothing."""
    files = clean_files(uploads)
    stored: list[Any] = []
    try:
        with transaction.atomic():
            received = complaints.receive_complaint(office, given, **kwargs)
            _store(received.complaint, files, kwargs.get("acting_user"), stored)
    except BaseException:
        _remove(stored)
        raise
    return received


def limits_text() -> str:
    return str(
        _("Up to {count} files: photographs (JPEG, PNG) or PDF documents, {mb} MB each.").format(
            count=MAX_FILES, mb=MAX_BYTES // (1024 * 1024)
        )
    )
