"""Referrals to the responsible officer (PT-2.5): the counter's part inside the register
panel, the officer's inbox, and the live badge in the menu.

Thin, as the register panel: find the record (another office's, or a referral that is not
the person's, is 404), ask weserve.register.access who may act (a wrong role is 403), call
one service, render. A refusal re-renders with what was typed and a translated message.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weserve.core import clock
from weserve.core.errors import DomainError
from weserve.organisation.models import StaffMember
from weserve.register import services
from weserve.register.access import (
    may_handle_referral,
    overseen_office_ids,
    page_caller,
    recorded_here,
    require_inbox_user,
)
from weserve.register.models import REFERRAL_NOTE_MAX, REFERRAL_OUTCOME_MAX, Referral, RegisterEntry
from weserve.register.nav import referral_badge
from weserve.register.selectors import (
    entry_referrals,
    inbox,
    overdue_referrals,
    referable_officers,
    with_referral_details,
)
from weserve.register.services import InvalidEntry

QUERY_MAX = 100
_entries = RegisterEntry.objects.select_related("office", "ticket")


def _is_id(value: str) -> bool:
    """Plain ASCII digits that fit a database id. str.isdigit() alone lets through "²",
    which int() refuses (a 500), and numbers past a bigint."""
    return value.isascii() and value.isdigit() and len(value) <= 18


def _query(request: HttpRequest) -> str:
    return " ".join(request.GET.get("q", request.POST.get("q", "")).split())[:QUERY_MAX]


def referral_context(
    entry: RegisterEntry,
    *,
    query: str = "",
    chosen: str = "",
    note: str = "",
    errors: dict[str, str] | None = None,
    error: str = "",
) -> dict[str, Any]:
    """What the referral part of the register panel shows for an entry."""
    now = clock.now()
    referrals = entry_referrals(entry, now)
    open_ = [r for r in referrals if r.status != "closed"]
    return {
        "entry": entry,
        "referrals": referrals,
        "can_refer": not open_,
        "officers": referable_officers(entry.office, query) if not open_ else [],
        "query": query,
        "chosen": chosen,
        "note": note,
        "note_max": REFERRAL_NOTE_MAX,
        "errors": errors or {},
        "error": error,
        "key": secrets.token_urlsafe(18),
        "status_url": reverse("entry_referrals", args=[entry.pk]),
        "search_url": reverse("referral_officers", args=[entry.pk]),
        "live_path": f"/ws/offices/{entry.office.code}/referrals/",
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def entry_referrals_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    """GET: the entry's referrals and their status (refreshed live in the panel).
    POST: refer the customer to the officer chosen from the directory."""
    entry, user = recorded_here(request, _entries.filter(pk=entry_id))
    if request.method == "GET":
        return render(request, "register/referral_status.html", {"ref": referral_context(entry)})
    chosen = request.POST.get("officer", "").strip()[:20]
    note = request.POST.get("note", "")[: REFERRAL_NOTE_MAX * 2]
    query = _query(request)
    officer = StaffMember.objects.filter(pk=int(chosen)).first() if _is_id(chosen) else None
    try:
        services.refer(entry, acting_user=user, officer=officer, note=note)
    except InvalidEntry as exc:
        fields = {name: str(message) for name, message in exc.fields.items()}
        context = referral_context(entry, query=query, chosen=chosen, note=note, errors=fields)
        return render(request, "register/referral_section.html", {"ref": context}, status=422)
    except DomainError as exc:
        context = referral_context(entry, query=query, chosen=chosen, note=note, error=str(exc))
        return render(request, "register/referral_section.html", {"ref": context}, status=409)
    return render(request, "register/referral_section.html", {"ref": referral_context(entry)})


@never_cache
@login_required
@require_GET
def officers_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    """The directory's officers of the entry's office matching the search (name, section
    or a service they handle), as the panel's list of choices."""
    entry, _user = recorded_here(request, _entries.filter(pk=entry_id))
    query = _query(request)
    return render(
        request,
        "register/referral_officers.html",
        {"ref": {"officers": referable_officers(entry.office, query), "entry": entry}},
    )


# --- The officer's inbox ----------------------------------------------------------------------


def _inbox_context(
    request: HttpRequest, failed: tuple[int, str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    now = clock.now()
    found = inbox(request.user, now)
    if failed is not None:
        # A refused outcome: kept in its referral's form, with the message beside it.
        for referral in found["open"]:
            if referral.pk == failed[0]:
                referral.typed_outcome, referral.outcome_error = failed[1], failed[2]
    return {
        **found,
        "outcome_max": REFERRAL_OUTCOME_MAX,
        "overseer": bool(overseen_office_ids(request.user)),
        "now": now,
        "key": secrets.token_urlsafe(18),
        "refresh_url": reverse("referral_inbox"),
        "live_path": referral_badge(request)["live_path"],
        **extra,
    }


def _render_inbox(
    request: HttpRequest,
    status: int = 200,
    failed: tuple[int, str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    template = "register/inbox_partial.html" if request.htmx else "register/inbox.html"
    return render(request, template, _inbox_context(request, failed, **extra), status=status)


@never_cache
@login_required
@require_GET
def inbox_view(request: HttpRequest) -> HttpResponse:
    """The referrals to this officer (and, for a supervisor or head, their offices')."""
    require_inbox_user(page_caller(request))
    return _render_inbox(request)


@never_cache
@login_required
@require_GET
def badge_view(request: HttpRequest) -> HttpResponse:
    """The menu's badge alone, for its live refresh."""
    require_inbox_user(page_caller(request))
    return render(request, "register/nav_badge.html", {"badge": referral_badge(request)})


def _referral(request: HttpRequest, referral_id: int) -> tuple[Referral, Any]:
    user = require_inbox_user(page_caller(request))
    referral = with_referral_details(Referral.objects.filter(pk=referral_id)).first()
    if referral is None or not may_handle_referral(user, referral):
        raise Http404
    return referral, user


def _after_action(request: HttpRequest, notice: Any) -> HttpResponse:
    if not request.htmx:
        messages.info(request, notice)
        return redirect("referral_inbox")
    return _render_inbox(request, notice=notice)


@login_required
@require_POST
def accept_view(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral, user = _referral(request, referral_id)
    try:
        services.accept_referral(referral, acting_user=user)
    except DomainError as exc:
        return _render_inbox(request, status=409, error=str(exc))
    return _after_action(
        request, _("You accepted the referral of {name}.").format(name=referral.entry.name)
    )


@login_required
@require_POST
def close_view(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral, user = _referral(request, referral_id)
    outcome = request.POST.get("outcome", "")
    try:
        services.close_referral(referral, acting_user=user, outcome=outcome)
    except InvalidEntry as exc:
        message = str(exc.fields.get("outcome", exc.message))
        return _render_inbox(request, status=422, failed=(referral.pk, outcome[:2000], message))
    except DomainError as exc:
        return _render_inbox(request, status=409, error=str(exc))
    return _after_action(
        request, _("The referral of {name} is closed.").format(name=referral.entry.name)
    )


def live_overdue_context(office: Any, now: Any) -> dict[str, Any]:
    """The register's section of the supervisor's live view (queueing.panels.LiveSection)."""
    return {"office": office, **overdue_referrals(office, now)}


@never_cache
@login_required
@require_GET
def live_overdue_view(request: HttpRequest) -> HttpResponse:
    """The live view's overdue referrals alone, refreshed on the referrals stream."""
    office = getattr(request, "office", None)
    if office is None:
        raise Http404
    if office.pk not in overseen_office_ids(request.user):
        raise PermissionDenied
    section = live_overdue_context(office, clock.now())
    return render(request, "register/live_overdue.html", {"section": section, "office": office})
