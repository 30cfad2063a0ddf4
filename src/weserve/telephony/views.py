"""The telephone desk's pages: thin — parse, check access (weserve.telephony.access),
call one service or selector, render.

- /phone/ the operator console: calls ringing (time rung, highlighted at 10 s), the call
  in hand (caller, service, notes), the directory with presence, transfer with the words
  to say, hold prompts every 20 s, transfers that came back, messages. It follows the
  office's `telephony` stream and re-renders its parts from the server on each event.
- /messages/ an officer's inbox of messages and call-backs (the supervisor sees the
  office's, escalated ones first).

htmx requests get the partial back; a refusal (DomainError) is shown in it with its
status (409/422) and nothing changes.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from weserve.core import clock
from weserve.core.errors import DomainError
from weserve.core.roles import Role, has_role
from weserve.core.scoping import visible_office_ids
from weserve.organisation.models import Office, Service, StaffMember
from weserve.organisation.services import set_presence
from weserve.telephony import selectors, services
from weserve.telephony.access import (
    require_call_back,
    require_console,
    staff_of,
)
from weserve.telephony.models import ANSWER_TARGET_SECONDS, HOLD_PROMPT_SECONDS, Call, Message
from weserve.telephony.services import InvalidInput


def _office(request: HttpRequest) -> Office:
    office = getattr(request, "office", None)
    if office is None:
        raise Http404
    return office


def _console_office(request: HttpRequest) -> Office:
    office = _office(request)
    require_console(request.user, office)
    return office


def _call(request: HttpRequest, pk: int) -> tuple[Office, Call]:
    office = _console_office(request)
    return office, get_object_or_404(
        Call.objects.filter(office__in=visible_office_ids(request.user)), pk=pk, office=office
    )


def _calls_context(office: Office) -> dict[str, Any]:
    services.return_unanswered_transfers(office)
    now = clock.now()
    calls = list(selectors.open_calls(office))
    return {
        "office": office,
        "calls": calls,
        "now": now,
        "answer_target": ANSWER_TARGET_SECONDS,
        "hold_prompt": HOLD_PROMPT_SECONDS,
        "rows": [
            {
                "call": call,
                "rung": int((now - call.ring_at).total_seconds()),
                "late": call.status == Call.Status.RINGING
                and (now - call.ring_at).total_seconds() >= ANSWER_TARGET_SECONDS,
                "hold_due": services.hold_update_due(call, now),
            }
            for call in calls
        ],
    }


@never_cache
@login_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    """The operator console (PT-3.1–PT-3.8)."""
    office = _console_office(request)
    context = _calls_context(office)
    context["services"] = Service.objects.offered_at(office)
    return render(request, "telephony/console.html", context)


@never_cache
@login_required
@require_GET
def calls(request: HttpRequest) -> HttpResponse:
    """The list of calls (the console's live part: its snapshot)."""
    office = _console_office(request)
    return render(request, "telephony/_calls.html", _calls_context(office))


def _call_context(office: Office, call: Call, **extra: Any) -> dict[str, Any]:
    return {
        "office": office,
        "call": call,
        "services": Service.objects.offered_at(office),
        "hold_prompt": HOLD_PROMPT_SECONDS,
        "hold_due": services.hold_update_due(call),
        "languages": Call.Language.choices,
        "urgencies": Message.Urgency.choices,
        "officers": StaffMember.objects.active().of_office(office).order_by("name", "pk"),
        **extra,
    }


def _render_call(
    request: HttpRequest, office: Office, call: Call, *, status: int = 200, **extra: Any
) -> HttpResponse:
    call = Call.objects.select_related("service", "transfer_to", "transfer_to__section").get(
        pk=call.pk
    )
    return render(
        request, "telephony/_call.html", _call_context(office, call, **extra), status=status
    )


@never_cache
@login_required
@require_GET
def call_panel(request: HttpRequest, pk: int) -> HttpResponse:
    office, call = _call(request, pk)
    return _render_call(request, office, call)


def _act(request: HttpRequest, pk: int, action: Any) -> HttpResponse:
    office, call = _call(request, pk)
    try:
        extra = action(call) or {}
    except InvalidInput as exc:
        return _render_call(
            request,
            office,
            call,
            status=422,
            error=exc.message,
            errors=exc.fields,
            typed=request.POST,
        )
    except DomainError as exc:
        return _render_call(request, office, call, status=exc.status, error=exc.message)
    return _render_call(request, office, call, **extra)


@login_required
@require_POST
def log_call(request: HttpRequest) -> HttpResponse:
    """A call taken on a telephone without the exchange: logged by hand, its ring time
    marked untrustworthy (left out of the 10-second figure)."""
    office = _console_office(request)
    try:
        call = services.ring(
            office,
            caller_number=request.POST.get("caller_number", ""),
            caller_name=request.POST.get("caller_name", ""),
            language=request.POST.get("language", "ms"),
            acting_user=request.user,
        )
        call = services.answer(call, acting_user=request.user)
    except DomainError as exc:
        context = _calls_context(office)
        context["error"] = exc.message
        return render(request, "telephony/_calls.html", context, status=exc.status)
    return _render_call(request, office, call)


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda call: services.answer(call, acting_user=request.user) and None)


@login_required
@require_POST
def details(request: HttpRequest, pk: int) -> HttpResponse:
    def act(call: Call) -> None:
        raw = request.POST.get("service", "")
        service = (
            Service.objects.offered_at(call.office).filter(pk=raw).first()
            if raw.isdigit()
            else None
        )
        services.update_details(
            call,
            acting_user=request.user,
            caller_name=request.POST.get("caller_name", ""),
            notes=request.POST.get("notes", ""),
            language=request.POST.get("language", "ms"),
            service=service,
        )

    return _act(request, pk, act)


def _officer(office: Office, raw: str) -> StaffMember:
    found = (
        StaffMember.objects.active().of_office(office).filter(pk=raw).first()
        if raw.isdigit()
        else None
    )
    if found is None:
        raise DomainError("unknown_officer", "", status=422)
    return found


@login_required
@require_POST
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    def act(call: Call) -> dict[str, Any]:
        officer = _officer(call.office, request.POST.get("officer", ""))
        done = services.transfer(call, officer=officer, acting_user=request.user)
        return {"words": done.words}

    return _act(request, pk, act)


@login_required
@require_POST
def hold(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, lambda call: services.put_on_hold(call, acting_user=request.user) and None
    )


@login_required
@require_POST
def hold_update(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda call: (
            services.record_hold_update(
                call, acting_user=request.user, note=request.POST.get("note", "")
            )
            and None
        ),
    )


@login_required
@require_POST
def connected(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request, pk, lambda call: services.officer_answered(call, acting_user=request.user) and None
    )


@login_required
@require_POST
def end(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda call: services.hang_up(call, acting_user=request.user) and None)


@login_required
@require_POST
def take_message(request: HttpRequest, pk: int) -> HttpResponse:
    def act(call: Call) -> dict[str, Any]:
        officer = _officer(call.office, request.POST.get("officer", ""))
        message = services.take_message(
            call.office,
            acting_user=request.user,
            officer=officer,
            caller_name=request.POST.get("caller_name", ""),
            caller_number=request.POST.get("caller_number", ""),
            purpose=request.POST.get("purpose", ""),
            best_time=request.POST.get("best_time", ""),
            urgency=request.POST.get("urgency", "normal"),
            call=call,
        )
        return {"message_taken": message}

    return _act(request, pk, act)


@never_cache
@login_required
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """The office's officers by name, section or service, present first (PT-3.4)."""
    office = _console_office(request)
    query = request.GET.get("q", "")[: selectors.MAX_QUERY]
    call = None
    raw = request.GET.get("call", "")
    if raw.isdigit():
        call = Call.objects.filter(office=office, pk=int(raw)).first()
    return render(
        request,
        "telephony/_directory.html",
        {"people": selectors.directory(office, query), "query": query, "call": call},
    )


# --- the officers' inbox -----------------------------------------------------------


def _inbox_context(request: HttpRequest) -> dict[str, Any]:
    staff = staff_of(request.user)
    office = getattr(request, "office", None)
    supervises = office is not None and has_role(request.user, Role.SUPERVISOR)
    if office is not None and supervises:
        services.escalate_overdue_call_backs(office)
    return {
        "mine": list(selectors.messages_for(staff)[:100]) if staff else [],
        "office_messages": list(selectors.office_messages(office)[:200]) if supervises else [],
        "outcomes": Message.CallBackOutcome.choices,
        "today": clock.business_day(),
        "office": office,
        "staff": staff,
        "presences": StaffMember.Presence.choices,
    }


@never_cache
@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """An officer's messages; a supervisor also sees the office's, escalated first."""
    if staff_of(request.user) is None and not has_role(request.user, Role.SUPERVISOR):
        raise PermissionDenied
    return render(request, "telephony/inbox.html", _inbox_context(request))


@login_required
@require_POST
def call_back(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(Message.objects.select_related("officer"), pk=pk)
    require_call_back(request.user, message)
    try:
        services.record_call_back(
            message,
            acting_user=request.user,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        context = _inbox_context(request)
        context["error"] = exc.message
        return render(request, "telephony/inbox.html", context, status=exc.status)
    return redirect("telephony_inbox")


@login_required
@require_POST
def presence(request: HttpRequest) -> HttpResponse:
    """The person sets their presence in one click (in the office, out, meeting, leave)."""
    staff = staff_of(request.user)
    if staff is None:
        raise PermissionDenied
    try:
        set_presence(staff, acting_user=request.user, presence=request.POST.get("presence", ""))
    except DomainError as exc:
        context = _inbox_context(request)
        context["error"] = exc.message
        return render(request, "telephony/inbox.html", context, status=exc.status)
    return redirect("telephony_inbox")


@never_cache
@login_required
@require_GET
def inbox_badge(request: HttpRequest) -> HttpResponse:
    count = selectors.outstanding_count(staff_of(request.user))
    return render(request, "telephony/_badge.html", {"badge": {"count": count}})
