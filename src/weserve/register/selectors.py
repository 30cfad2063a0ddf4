"""Reads of the register that the API and pages share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from weserve.organisation.models import Office, StaffMember
from weserve.register.access import REFERRAL_OFFICER_ROLES, overseen_office_ids
from weserve.register.models import (
    OPEN_REFERRAL_STATUSES,
    Referral,
    ReferralQuerySet,
    ReferralStatus,
    RegisterEntry,
    RegisterEntryQuerySet,
)


def with_details(entries: RegisterEntryQuerySet) -> RegisterEntryQuerySet:
    """Entries with what a list shows of each (ticket, service, staff, forms) in a fixed
    number of queries, however many entries."""
    return entries.select_related(
        "office", "ticket", "service", "served_by__staff"
    ).prefetch_related("forms_handed_over__form")


def day_register(office: Office, day: dt.date) -> list[RegisterEntry]:
    """An office's register of one business day, in the order the visits were recorded."""
    return list(
        with_details(RegisterEntry.objects.for_office(office).on_day(day)).order_by(
            "served_at", "pk"
        )
    )


# --- Referrals --------------------------------------------------------------------------------

INBOX_CLOSED_SHOWN = 20
DIRECTORY_SHOWN = 12


def with_referral_details(referrals: ReferralQuerySet) -> ReferralQuerySet:
    """Referrals with what the inbox and the panel show of each, in one query."""
    return referrals.select_related(
        "office",
        "officer__section",
        "referred_by__staff",
        "entry__ticket",
        "entry__service",
    )


def visible_referrals(user: Any) -> ReferralQuerySet:
    """The referrals this person may see: their own, and every referral of the offices
    they supervise or head (weserve.register.access)."""
    mine = Q(officer__user_id=user.pk)
    overseen = overseen_office_ids(user)
    return Referral.objects.filter(mine | Q(office_id__in=overseen) if overseen else mine)


def inbox(user: Any, now: dt.datetime) -> dict[str, Any]:
    """The inbox: open referrals (overdue first, then oldest first) and the latest closed."""
    visible = with_referral_details(visible_referrals(user))
    open_ = list(visible.open().order_by("accept_by", "pk"))
    for referral in open_:
        referral.overdue = referral.is_overdue(now)
    open_.sort(key=lambda r: (not r.overdue, r.created_at, r.pk))
    closed = list(
        visible.filter(status=ReferralStatus.CLOSED).order_by("-closed_at", "-pk")[
            :INBOX_CLOSED_SHOWN
        ]
    )
    return {
        "open": open_,
        "closed": closed,
        "overdue": [r for r in open_ if r.overdue],
    }


def attention_count(user: Any, now: dt.datetime) -> int:
    """The navigation badge: open referrals to this person, plus (for a supervisor or
    head) referrals of their offices waiting past the office's time."""
    overseen = overseen_office_ids(user)
    needs = Q(officer__user_id=user.pk, status__in=OPEN_REFERRAL_STATUSES)
    if overseen:
        needs |= Q(office_id__in=overseen, status=ReferralStatus.PENDING, accept_by__lte=now)
    return Referral.objects.filter(needs).count()


def entry_referrals(entry: RegisterEntry, now: dt.datetime) -> list[Referral]:
    """The referrals of one register entry, newest first (the counter's panel)."""
    referrals = list(with_referral_details(Referral.objects.filter(entry=entry)))
    for referral in referrals:
        referral.overdue = referral.is_overdue(now)
    return referrals


def referable_officers(office: Office, query: str = "") -> list[StaffMember]:
    """Officers of the office a customer can be referred to, found by name, position,
    section or a service they handle (either language, or its code)."""
    officers = StaffMember.objects.of_office(office).filter(
        is_active=True,
        user__is_active=True,
        user__groups__name__in=[role.value for role in REFERRAL_OFFICER_ROLES],
    )
    for word in query.split()[:5]:
        officers = officers.filter(
            Q(name__icontains=word)
            | Q(position__icontains=word)
            | Q(section__name_ms__icontains=word)
            | Q(section__name_en__icontains=word)
            | Q(section__code__iexact=word)
            | Q(services__name_ms__icontains=word)
            | Q(services__name_en__icontains=word)
            | Q(services__code__iexact=word)
        )
    ids = officers.values("pk")
    return list(
        StaffMember.objects.filter(pk__in=ids)
        .select_related("section")
        .prefetch_related("services")
        .order_by("name")[:DIRECTORY_SHOWN]
    )


LIVE_OVERDUE_SHOWN = 10


def overdue_referrals(office: Office, now: dt.datetime) -> dict[str, Any]:
    """The office's referrals not accepted within its time, longest waiting first, for the
    supervisor's live view (one query: the list, one more past the first page)."""
    overdue = with_referral_details(Referral.objects.filter(office=office).overdue(now))
    shown = list(overdue.order_by("accept_by", "pk")[: LIVE_OVERDUE_SHOWN + 1])
    total = len(shown) if len(shown) <= LIVE_OVERDUE_SHOWN else overdue.count()
    for referral in shown:
        referral.late_minutes = max(int((now - referral.accept_by).total_seconds() // 60), 0)
    return {"overdue": shown[:LIVE_OVERDUE_SHOWN], "overdue_total": total}
