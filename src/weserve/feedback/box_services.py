"""The suggestion box and remarks: log an opening, key each slip, record suggestions and
compliments and the action taken on them. One transaction each, with its audit entry and
a live event on the office's feedback stream.

A complaint slip becomes a BAP complaint of channel "suggestion box" through
`complaint_services.receive_complaint` (its reference, deadlines and file as any other);
a suggestion or a compliment becomes a `Remark`. An opening takes no more slips than it
logged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from weserve.core import clock, live
from weserve.core.audit import log_action
from weserve.core.errors import DomainError
from weserve.core.roles import Role, has_role
from weserve.core.scoping import home_office_ids
from weserve.core.text import clean_text
from weserve.feedback import complaint_services as complaints
from weserve.feedback.box_models import (
    ACTION_MAX,
    REMARK_TEXT_MAX,
    SLIPS_MAX,
    WITNESS_MAX,
    BoxOpening,
    BoxSlip,
    Remark,
    RemarkChannel,
    RemarkKind,
    RemarkTopic,
    SlipKind,
)
from weserve.feedback.complaint_models import ComplaintChannel
from weserve.feedback.satisfaction_services import EARLIEST
from weserve.feedback.services import FEEDBACK, InvalidInput
from weserve.organisation.models import Office


def _day(raw: Any, field: str, errors: dict[str, str | Promise]) -> dt.date:
    today = clock.business_day()
    if raw in (None, ""):
        return today
    if isinstance(raw, str):
        try:
            raw = dt.date.fromisoformat(raw.strip()[:10])
        except ValueError:
            errors[field] = _("Enter a date as YYYY-MM-DD.")
            return today
    if not isinstance(raw, dt.date):
        errors[field] = _("Enter a date as YYYY-MM-DD.")
        return today
    if raw > today or raw < EARLIEST:
        errors[field] = _("Enter a date from 2000 up to today.")
    return raw


def _count(raw: Any, errors: dict[str, str | Promise]) -> int:
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        raw = int(raw.strip()) if len(raw.strip()) < 7 else -1
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= SLIPS_MAX:
        errors["slip_count"] = _("Enter the number of slips, from 0 to {most}.").format(
            most=SLIPS_MAX
        )
        return 0
    return raw


def _is_staff_of(user: Any, office: Office) -> bool:
    return bool(getattr(user, "is_active", False)) and office.pk in home_office_ids(user)


@transaction.atomic
def record_opening(
    office: Office,
    *,
    opened_on: Any,
    opened_by: Any,
    witness: Any,
    slip_count: Any,
    note: Any = "",
    acting_user: Any,
) -> BoxOpening:
    """Log an opening of the office's box: when, who opened it (a member of the office's
    staff), the witness, and how many slips it held."""
    errors: dict[str, str | Promise] = {}
    day = _day(opened_on, "opened_on", errors)
    witness_text = clean_text(errors, "witness", witness, max_length=WITNESS_MAX, required=True)
    count = _count(slip_count, errors)
    note_text = clean_text(errors, "note", note, max_length=ACTION_MAX, multiline=True)
    if opened_by is None or not _is_staff_of(opened_by, office):
        errors["opened_by"] = _("Choose a member of this office's staff.")
    if errors:
        raise InvalidInput(errors)
    opening = BoxOpening.objects.create(
        office=office,
        opened_on=day,
        opened_by=opened_by,
        witness=witness_text,
        slip_count=count,
        note=note_text,
        recorded_by=acting_user,
        recorded_at=clock.now(),
    )
    log_action(
        "feedback.box.opened",
        user=acting_user,
        office=office,
        target=opening,
        data={"date": day.isoformat(), "slips": count},
    )
    live.publish(office.pk, FEEDBACK, "box_opening", opening={"id": opening.pk, "slips": count})
    return opening


def _clean_remark(
    kind: Any, topic: Any, text: Any, errors: dict[str, str | Promise]
) -> tuple[str, str, str]:
    if not isinstance(kind, str) or kind not in RemarkKind.values:
        errors["kind"] = _("Choose suggestion or compliment.")
        kind = ""
    if not isinstance(topic, str) or topic not in RemarkTopic.values:
        errors["topic"] = _("Choose a topic from the list.")
        topic = ""
    body = clean_text(
        errors, "text", text, max_length=REMARK_TEXT_MAX, required=True, multiline=True
    )
    return kind, topic, body


def _new_remark(
    office: Office, kind: str, topic: str, text: str, channel: str, day: dt.date, user: Any
) -> Remark:
    remark = Remark.objects.create(
        office=office,
        kind=kind,
        channel=channel,
        topic=topic,
        text=text,
        received_on=day,
        keyed_by=user,
        keyed_at=clock.now(),
    )
    log_action(
        "feedback.remark.recorded",
        user=user,
        office=office,
        target=remark,
        data={"kind": kind, "topic": topic, "channel": channel},
    )
    live.publish(office.pk, FEEDBACK, "remark", remark={"id": remark.pk, "kind": kind})
    return remark


@transaction.atomic
def record_remark(
    office: Office,
    *,
    kind: Any,
    topic: Any,
    text: Any,
    channel: Any,
    received_on: Any = None,
    acting_user: Any,
) -> Remark:
    """A suggestion or compliment taken at the counter or online (box slips go through
    `key_slip`)."""
    errors: dict[str, str | Promise] = {}
    kind, topic, body = _clean_remark(kind, topic, text, errors)
    if not isinstance(channel, str) or channel not in (
        RemarkChannel.COUNTER,
        RemarkChannel.ONLINE,
    ):
        errors["channel"] = _("Choose a channel from the list.")
    day = _day(received_on, "received_on", errors)
    if errors:
        raise InvalidInput(errors)
    return _new_remark(office, kind, topic, body, channel, day, acting_user)


def opening_full(opening: BoxOpening) -> DomainError:
    return DomainError(
        "box_opening_full",
        _("All {count} slips of this opening have been keyed in.").format(count=opening.slip_count),
        status=409,
    )


@transaction.atomic
def key_slip(
    opening: BoxOpening,
    *,
    kind: Any,
    acting_user: Any,
    complaint: complaints.ComplaintInput | None = None,
    topic: Any = "",
    text: Any = "",
) -> BoxSlip:
    """Key in one slip of an opening: a complaint (given as `complaint`) or a suggestion
    or compliment (`topic`, `text`)."""
    opening = BoxOpening.objects.select_for_update().select_related("office").get(pk=opening.pk)
    if not isinstance(kind, str) or kind not in SlipKind.values:
        raise InvalidInput({"kind": _("Choose complaint, suggestion or compliment.")})
    if opening.slips.count() >= opening.slip_count:
        raise opening_full(opening)
    office = opening.office
    if kind == SlipKind.COMPLAINT:
        if complaint is None:
            raise InvalidInput({"description": _("This field is required.")})
        received = complaints.receive_complaint(
            office, complaint, channel=ComplaintChannel.SUGGESTION_BOX, acting_user=acting_user
        )
        slip = BoxSlip.objects.create(opening=opening, kind=kind, complaint=received.complaint)
    else:
        errors: dict[str, str | Promise] = {}
        _kind, topic_code, body = _clean_remark(kind, topic, text, errors)
        if errors:
            raise InvalidInput(errors)
        remark = _new_remark(
            office,
            kind,
            topic_code,
            body,
            RemarkChannel.SUGGESTION_BOX,
            opening.opened_on,
            acting_user,
        )
        slip = BoxSlip.objects.create(opening=opening, kind=kind, remark=remark)
    log_action(
        "feedback.box.slip_keyed",
        user=acting_user,
        office=office,
        target=opening,
        data={"kind": kind, "date": opening.opened_on.isoformat()},
    )
    return slip


@transaction.atomic
def record_action(remark: Remark, action: Any, *, acting_user: Any) -> Remark:
    """What the office did about a suggestion (or with a compliment)."""
    errors: dict[str, str | Promise] = {}
    text = clean_text(
        errors, "action", action, max_length=ACTION_MAX, required=True, multiline=True
    )
    if errors:
        raise InvalidInput(errors)
    remark = Remark.objects.select_for_update().get(pk=remark.pk)
    remark.action = text
    remark.actioned_at = clock.now()
    remark.save(update_fields=["action", "actioned_at"])
    log_action(
        "feedback.remark.actioned",
        user=acting_user,
        office=remark.office,
        target=remark,
        data={"kind": remark.kind},
    )
    return remark


def may_open_box(user: Any) -> bool:
    return has_role(user, Role.SUPERVISOR, Role.COMPLAINT_OFFICER)
