"""The display board's notices: the office's client charter and its announcements.

Every change is one transaction, audited, and tells the office's displays through the
office's live stream (`notices_changed`, no content), so the ticker updates at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from weserve.core import clock
from weserve.core.audit import log_action
from weserve.core.errors import DomainError
from weserve.organisation.models import Office
from weserve.queueing import events
from weserve.queueing.models import Announcement, ClientCharter

NOTICES_CHANGED = "notices_changed"
CHARTER_MAX = 2000
ANNOUNCEMENT_MAX = 500


def _user(acting_user: Any) -> Any:
    return acting_user if getattr(acting_user, "is_authenticated", False) else None


_LANGUAGE_LABELS = {"ms": _("Malay"), "en": _("English")}


def _clean(text: str, *, language: str, limit: int, required: bool) -> str:
    text = (text or "").strip()
    label = _LANGUAGE_LABELS[language]
    if required and not text:
        raise DomainError(
            f"text_{language}_required",
            _("Write the text in {language}.").format(language=label),
            status=422,
        )
    if len(text) > limit:
        raise DomainError(
            f"text_{language}_too_long",
            _("The {language} text has at most {limit} characters.").format(
                language=label, limit=limit
            ),
            status=422,
        )
    return text


def _check_window(active_from: dt.datetime | None, active_until: dt.datetime | None) -> None:
    if active_from and active_until and active_until <= active_from:
        raise DomainError(
            "until_before_from",
            _("The end must come after the start."),
            status=422,
        )


def _announce_change(office: Office) -> None:
    events.publish(office.pk, NOTICES_CHANGED)


def charter_for(office: Office) -> ClientCharter | None:
    return ClientCharter.objects.select_related("office").filter(office=office).first()


@transaction.atomic
def save_charter(
    office: Office, *, text_ms: str, text_en: str, show_wait_target: bool, acting_user: Any
) -> ClientCharter:
    """Write the office's client charter (there is one per office)."""
    text_ms = _clean(text_ms, language="ms", limit=CHARTER_MAX, required=True)
    text_en = _clean(text_en, language="en", limit=CHARTER_MAX, required=True)
    user = _user(acting_user)
    charter, created = ClientCharter.objects.select_for_update().get_or_create(
        office=office,
        defaults={
            "text_ms": text_ms,
            "text_en": text_en,
            "show_wait_target": show_wait_target,
            "updated_at": clock.now(),
            "updated_by": user,
        },
    )
    if not created:
        charter.text_ms, charter.text_en = text_ms, text_en
        charter.show_wait_target = show_wait_target
        charter.updated_at, charter.updated_by = clock.now(), user
        charter.save(
            update_fields=["text_ms", "text_en", "show_wait_target", "updated_at", "updated_by"]
        )
    log_action(
        "queueing.charter.saved",
        user=user,
        office=office,
        target=charter,
        data={"text_ms": text_ms, "text_en": text_en, "show_wait_target": show_wait_target},
    )
    _announce_change(office)
    return charter


def _announcement_data(announcement: Announcement) -> dict[str, Any]:
    return {
        "text_ms": announcement.text_ms,
        "text_en": announcement.text_en,
        "active_from": announcement.active_from.isoformat() if announcement.active_from else None,
        "active_until": announcement.active_until.isoformat()
        if announcement.active_until
        else None,
        "order": announcement.order,
    }


@transaction.atomic
def create_announcement(
    office: Office,
    *,
    text_ms: str,
    text_en: str = "",
    active_from: dt.datetime | None = None,
    active_until: dt.datetime | None = None,
    order: int = 0,
    acting_user: Any,
) -> Announcement:
    """A new announcement for the office's display ticker."""
    text_ms = _clean(text_ms, language="ms", limit=ANNOUNCEMENT_MAX, required=True)
    text_en = _clean(text_en, language="en", limit=ANNOUNCEMENT_MAX, required=False)
    _check_window(active_from, active_until)
    now = clock.now()
    announcement = Announcement.objects.create(
        office=office,
        text_ms=text_ms,
        text_en=text_en,
        active_from=active_from,
        active_until=active_until,
        order=order,
        created_at=now,
        updated_at=now,
        updated_by=_user(acting_user),
    )
    log_action(
        "queueing.announcement.created",
        user=_user(acting_user),
        office=office,
        target=announcement,
        data=_announcement_data(announcement),
    )
    _announce_change(office)
    return announcement


@transaction.atomic
def update_announcement(
    announcement: Announcement,
    *,
    text_ms: str,
    text_en: str = "",
    active_from: dt.datetime | None = None,
    active_until: dt.datetime | None = None,
    order: int = 0,
    acting_user: Any,
) -> Announcement:
    """Change an announcement's texts, times or order."""
    text_ms = _clean(text_ms, language="ms", limit=ANNOUNCEMENT_MAX, required=True)
    text_en = _clean(text_en, language="en", limit=ANNOUNCEMENT_MAX, required=False)
    _check_window(active_from, active_until)
    announcement = (
        Announcement.objects.select_for_update().select_related("office").get(pk=announcement.pk)
    )
    before = _announcement_data(announcement)
    announcement.text_ms, announcement.text_en = text_ms, text_en
    announcement.active_from, announcement.active_until = active_from, active_until
    announcement.order = order
    announcement.updated_at, announcement.updated_by = clock.now(), _user(acting_user)
    announcement.save(
        update_fields=[
            "text_ms",
            "text_en",
            "active_from",
            "active_until",
            "order",
            "updated_at",
            "updated_by",
        ]
    )
    log_action(
        "queueing.announcement.updated",
        user=_user(acting_user),
        office=announcement.office,
        target=announcement,
        data={"before": before, "after": _announcement_data(announcement)},
    )
    _announce_change(announcement.office)
    return announcement


@transaction.atomic
def delete_announcement(announcement: Announcement, *, acting_user: Any) -> None:
    """Take an announcement off the boards now. The row is kept (records are never
    hard-deleted by the app): it simply ends, and the audit entry says who ended it."""
    now = clock.now()
    office = announcement.office
    updates: dict[str, Any] = {
        "active_until": now,
        "updated_at": now,
        "updated_by": _user(acting_user),
    }
    if announcement.active_from is not None and announcement.active_from >= now:
        updates["active_from"] = now - dt.timedelta(seconds=1)
    ended = (
        Announcement.objects.filter(pk=announcement.pk)
        .filter(Q(active_until__isnull=True) | Q(active_until__gt=now))
        .update(**updates)
    )
    if not ended:
        return
    log_action(
        "queueing.announcement.deleted",
        user=_user(acting_user),
        office=office,
        target=announcement,
        data=_announcement_data(announcement),
    )
    _announce_change(office)


def ticker_data(office: Office, *, at: dt.datetime | None = None) -> dict[str, Any]:
    """What a display needs for its ticker: the charter and every announcement not yet
    ended, with its times, so the page can start and stop them on the minute itself."""
    at = at or clock.now()
    charter = charter_for(office)
    announcements = Announcement.objects.for_office(office).not_ended(at)
    return {
        "charter": {
            "text_ms": charter.text_ms,
            "text_en": charter.text_en,
            "wait_minutes": office.charter_wait_minutes if charter.show_wait_target else None,
        }
        if charter
        else None,
        "announcements": [
            {
                "id": a.pk,
                "text_ms": a.text_ms,
                "text_en": a.text_en,
                "active_from": a.active_from,
                "active_until": a.active_until,
            }
            for a in announcements
        ],
    }
