"""Every state change of the reference shelf: one function per use case, one transaction
each, with its audit entry.

Input is checked in full before anything is written: an approval with one bad field is
refused as a whole with `InvalidInput` (422, a translated message per field) and nothing
of it is saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from weserve.core import clock
from weserve.core.audit import log_action
from weserve.core.errors import DomainError
from weserve.core.forms import LATEST_DATE
from weserve.core.scoping import home_office_id
from weserve.core.text import clean_text
from weserve.knowledge.access import readable, require_editor
from weserve.knowledge.models import CHANGE_NOTE_MAX, Acknowledgement, Article, Status


class InvalidInput(DomainError):
    """Fields that cannot be saved, each with a translated message."""

    def __init__(self, fields: dict[str, str | Promise]):
        super().__init__("invalid", " ".join(str(m) for m in fields.values()), status=422)
        self.fields = fields


def _note(errors: dict[str, str | Promise], field: str, value: Any, *, required: bool) -> str:
    value = clean_text(errors, field, value, max_length=CHANGE_NOTE_MAX, multiline=True)
    if required and not value and field not in errors:
        errors[field] = _("Say what changed in this version.")
    return value


def _locked(article: Article) -> Article:
    return (
        Article.objects.select_for_update(of=("self",)).select_related("office").get(pk=article.pk)
    )


@transaction.atomic
def approve_article(
    article: Article,
    *,
    acting_user: Any,
    what_changed_ms: Any,
    what_changed_en: Any = "",
    review_due: dt.date | None,
) -> Article:
    """Approve the draft as the article's next version: staff see it from now on, with
    what changed, and each reader is asked to acknowledge it again."""
    article = _locked(article)
    require_editor(acting_user, article)
    if article.status != Status.DRAFT:
        raise DomainError(
            "already_approved", _("This version is already approved; edit it to make a draft.")
        )
    errors: dict[str, str | Promise] = {}
    note_ms = _note(errors, "what_changed_ms", what_changed_ms, required=True)
    note_en = _note(errors, "what_changed_en", what_changed_en, required=False)
    today = clock.business_day()
    if not isinstance(review_due, dt.date):
        errors["review_due"] = _("Enter the date this article is next reviewed.")
    elif not today < review_due <= LATEST_DATE:
        errors["review_due"] = _("The review date must be after today.")
    if not article.sections.exists() and not article.file:
        errors["sections"] = _("An article needs at least one section or a file.")
    if errors:
        raise InvalidInput(errors)
    article.status = Status.APPROVED
    article.version += 1
    article.what_changed_ms = note_ms
    article.what_changed_en = note_en
    article.review_due = review_due
    article.approved_at = clock.now()
    article.approved_by = acting_user
    article.save(
        update_fields=[
            "status",
            "version",
            "what_changed_ms",
            "what_changed_en",
            "review_due",
            "approved_at",
            "approved_by",
        ]
    )
    log_action(
        "knowledge.article.approved",
        user=acting_user,
        office=article.office,
        target=article,
        data={"version": article.version, "review_due": review_due.isoformat()},
    )
    return article


@transaction.atomic
def return_to_draft(article: Article, *, acting_user: Any) -> Article:
    """An approved article is being edited: staff no longer see it until the edit is
    approved as the next version. Called by the admin when an article is changed."""
    article = _locked(article)
    require_editor(acting_user, article)
    if article.status == Status.DRAFT:
        return article
    article.status = Status.DRAFT
    article.save(update_fields=["status"])
    log_action(
        "knowledge.article.returned_to_draft",
        user=acting_user,
        office=article.office,
        target=article,
        data={"version": article.version},
    )
    return article


@transaction.atomic
def acknowledge(article: Article, *, acting_user: Any) -> Acknowledgement:
    """The person has read the article's current version (once per version; a second
    press answers with the first acknowledgement)."""
    article = (
        Article.objects.filter(readable(acting_user), status=Status.APPROVED, pk=article.pk)
        .select_related("office")
        .first()
    )
    if article is None:
        raise Http404
    existing = Acknowledgement.objects.filter(
        article=article, version=article.version, user=acting_user
    ).first()
    if existing is not None:
        return existing
    office_id = home_office_id(acting_user)
    try:
        with transaction.atomic():
            ack = Acknowledgement.objects.create(
                office_id=office_id if office_id is not None else article.office_id,
                article=article,
                version=article.version,
                user=acting_user,
                acknowledged_at=clock.now(),
            )
    except IntegrityError:
        # The same person pressed twice at once: the first one counts.
        return Acknowledgement.objects.get(
            article=article, version=article.version, user=acting_user
        )
    log_action(
        "knowledge.article.acknowledged",
        user=acting_user,
        office=ack.office,
        target=article,
        data={"version": article.version},
    )
    return ack
