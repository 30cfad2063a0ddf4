"""Complaint pages: the public complaint form (the online BAP) and its acknowledgement,
and the office's complaint list and file for its supervisor and complaint officers.

Thin: check who calls (feedback.complaint_access), call one service, render. A refused
complaint keeps everything typed, with a translated message per field. The public form
carries a one-time submission key (a double submit files one complaint), a honeypot
field that people never see, and the per-address limit of the API's endpoint.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from weserve.core import clock
from weserve.core.audit import log_action
from weserve.core.errors import DomainError
from weserve.core.fields import format_phone
from weserve.core.personal import PERSONAL_VIEWED
from weserve.core.roles import Role, has_role
from weserve.core.scoping import home_office_ids
from weserve.feedback import attachment_services as attachments
from weserve.feedback import complaint_services as complaints
from weserve.feedback import ratelimit
from weserve.feedback.complaint_access import (
    can_assign,
    require_complaint,
    require_handler,
    require_keyer,
)
from weserve.feedback.complaint_models import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintState,
)
from weserve.feedback.complaint_selectors import breaches, complaints_for, overdue
from weserve.feedback.services import InvalidInput
from weserve.organisation.models import Office, Service, StaffMember

LANGUAGES = ("ms", "en")
HONEYPOT = "website"
RECEIPT_SESSION_KEY = "feedback_complaint_receipt"
FIELDS = (
    "name",
    "phone",
    "email",
    "category",
    "against",
    "service",
    "staff_name",
    "description",
    "channel",
)


def _language(request: HttpRequest) -> str:
    requested = request.GET.get("lang")
    if requested in LANGUAGES:
        return requested
    current = translation.get_language() or settings.LANGUAGE_CODE
    return current if current in LANGUAGES else settings.LANGUAGE_CODE


def _public_office(office_code: str) -> Office:
    office = Office.objects.active().filter(code=office_code).first()
    if office is None:
        raise Http404
    return office


def _typed(post: Any) -> dict[str, str]:
    return {name: str(post.get(name, ""))[:6000] for name in FIELDS}


def _against(typed: dict[str, str]) -> dict[str, str] | None:
    if typed["against"] == "service":
        return {"service": typed["service"]}
    if typed["against"] == "staff":
        return {"staff_name": typed["staff_name"]}
    return None


def _form_context(
    office: Office, language: str, typed: dict[str, str], *, staff: bool = False
) -> dict[str, Any]:
    page = "feedback_complaint_keyed" if staff else "feedback_complaint_form"
    page_url = reverse(page, args=[office.code])
    return {
        "office": office,
        "language": language,
        "toggle_url": f"{page_url}?lang={'en' if language == 'ms' else 'ms'}",
        "action_url": f"{page_url}?lang={language}",
        "categories": ComplaintCategory.choices,
        "services": Service.objects.filter(offices=office).order_by("code"),
        "typed": typed,
        "submission": secrets.token_urlsafe(24),
        "honeypot": HONEYPOT,
        "attachment_limits": attachments.limits_text(),
        # Staff say where the complaint came from: the counter or a suggestion-box slip.
        "channels": [
            (c, label) for c, label in ComplaintChannel.choices if c != ComplaintChannel.ONLINE
        ]
        if staff
        else [],
    }


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_form(request: HttpRequest, office_code: str) -> HttpResponse:
    """Public: the online complaint form (BAP) of an office; no sign-in."""
    return _complaint_form(request, _public_office(office_code), staff=False)


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_keyed(request: HttpRequest, office_code: str) -> HttpResponse:
    """Staff key in a complaint taken at the counter or from a suggestion-box slip."""
    return _complaint_form(request, require_keyer(request.user, office_code), staff=True)


def _complaint_form(request: HttpRequest, office: Office, *, staff: bool) -> HttpResponse:
    language = _language(request)
    with translation.override(language):
        if request.method == "GET":
            typed = dict.fromkeys(FIELDS, "")
            typed["against"] = "none"
            typed["channel"] = ComplaintChannel.COUNTER
            context = _form_context(office, language, typed, staff=staff)
            return render(request, "feedback/complaint_form.html", context)
        typed = _typed(request.POST)
        context = _form_context(office, language, typed, staff=staff)
        context["submission"] = (
            str(request.POST.get("submission", ""))[:64] or context["submission"]
        )
        if not staff and request.POST.get(HONEYPOT):
            # Filled by a program, never by a person (the field is hidden from people).
            context["message"] = _("Your complaint could not be sent. Please try again.")
            return render(request, "feedback/complaint_form.html", context, status=400)
        try:
            if not staff:
                ratelimit.check(request, "complaint")
            received = attachments.receive_with_attachments(
                office,
                complaints.ComplaintInput(
                    category=typed["category"],
                    description=typed["description"],
                    name=typed["name"],
                    phone=typed["phone"],
                    email=typed["email"],
                    against=_against(typed),
                ),
                request.FILES.getlist("attachments"),
                channel=_staff_channel(typed["channel"]) if staff else ComplaintChannel.ONLINE,
                acting_user=request.user if staff else None,
                submission_key=f"{office.pk}:{context['submission']}",
            )
        except InvalidInput as exc:
            context["errors"] = {k: str(v) for k, v in exc.fields.items()}
            return render(request, "feedback/complaint_form.html", context, status=422)
        except DomainError as exc:
            if exc.code == "already_received":
                # The same form sent twice: the first one's acknowledgement.
                return redirect(_receipt_url(office, language))
            context["message"] = str(exc.message)
            return render(request, "feedback/complaint_form.html", context, status=exc.status)
        request.session[RECEIPT_SESSION_KEY] = {
            "office": office.code,
            "reference": received.complaint.reference,
            "access_code": received.access_code,
            "received_at": received.complaint.received_at.isoformat(),
        }
        return redirect(_receipt_url(office, language))


def _staff_channel(typed: str) -> str:
    """The counter or the suggestion box; anything else is refused by the service."""
    return typed if typed in (ComplaintChannel.COUNTER, ComplaintChannel.SUGGESTION_BOX) else ""


def _receipt_url(office: Office, language: str) -> str:
    return f"{reverse('feedback_complaint_received', args=[office.code])}?lang={language}"


@never_cache
@require_GET
def complaint_received(request: HttpRequest, office_code: str) -> HttpResponse:
    """The acknowledgement of the complaint this browser just filed: its reference and
    access code, printable, with the text for an SMS or e-mail."""
    office = _public_office(office_code)
    receipt = request.session.get(RECEIPT_SESSION_KEY)
    language = _language(request)
    if not receipt or receipt.get("office") != office.code:
        return redirect(reverse("feedback_complaint_form", args=[office.code]))
    received_at = clock.to_local(dt.datetime.fromisoformat(receipt["received_at"]))
    with translation.override(language):
        message = _(
            "JKM {office}: your complaint has been received. Reference {reference}, "
            "access code {code}. Keep them to ask about its progress."
        ).format(office=office.name, reference=receipt["reference"], code=receipt["access_code"])
        context = {
            "office": office,
            "language": language,
            "receipt": receipt,
            "received_at": received_at,
            "message": message,
            "settings": complaints.settings_of(office),
        }
        return render(request, "feedback/complaint_received.html", context)


# --- The office's complaints (staff) -------------------------------------------------


def _officers(office: Office) -> list[Any]:
    staff = StaffMember.objects.filter(user__is_active=True).select_related("user")
    return [
        s.user
        for s in staff
        if s.user is not None
        and has_role(s.user, Role.COMPLAINT_OFFICER)
        and office.pk in home_office_ids(s.user)
    ]


@never_cache
@require_GET
def complaint_list(request: HttpRequest, office_code: str) -> HttpResponse:
    office = require_handler(request.user, office_code)
    now = clock.now()
    rows = list(complaints_for(request.user, office.pk)[:200])
    context = {
        "office": office,
        "rows": [{"complaint": c, "breaches": breaches(c, at=now)} for c in rows],
        "overdue": list(overdue([office.pk], at=now)) if can_assign(request.user) else [],
    }
    return render(request, "feedback/complaint_list.html", context)


ACTIONS = {
    "acknowledge": (complaints.acknowledge, (ComplaintState.NEW,)),
    "start_action": (complaints.start_action, (ComplaintState.ACKNOWLEDGED,)),
    "wait": (complaints.wait_on_complainant, (ComplaintState.IN_ACTION,)),
    "resume": (complaints.resume, (ComplaintState.WAITING,)),
    "reply": (complaints.reply, (ComplaintState.IN_ACTION,)),
    "resolve": (complaints.resolve, (ComplaintState.REPLIED,)),
    "close": (complaints.close, (ComplaintState.RESOLVED,)),
}


def _action_labels() -> dict[str, str]:
    return {
        "acknowledge": _("Acknowledge"),
        "start_action": _("Start action"),
        "wait": _("Wait on the complainant"),
        "resume": _("Resume"),
        "reply": _("Record the reply"),
        "resolve": _("Resolve"),
        "close": _("Close"),
    }


def _detail(
    request: HttpRequest, office: Office, reference: str, *, status: int = 200, **extra: Any
) -> HttpResponse:
    complaint = require_complaint(request.user, office, reference)
    log_action(
        PERSONAL_VIEWED,
        user=request.user,
        office=office,
        target=complaint,
        data={"reference": complaint.reference},
    )
    labels = _action_labels()
    actions = [
        {"name": name, "label": labels[name]}
        for name, (_fn, states) in ACTIONS.items()
        if complaint.state in states
    ]
    context = {
        "office": office,
        "complaint": complaint,
        "phone": format_phone(complaint.phone),
        "events": complaint.events.select_related("user__staff"),
        "breaches": breaches(complaint),
        "actions": actions,
        "officers": _officers(office) if can_assign(request.user) else [],
        "attachments": complaint.attachments.all(),
        "attachment_limits": attachments.limits_text(),
        **extra,
    }
    return render(request, "feedback/complaint_detail.html", context, status=status)


@never_cache
@require_GET
def complaint_detail(request: HttpRequest, office_code: str, reference: str) -> HttpResponse:
    office = require_handler(request.user, office_code)
    return _detail(request, office, reference)


@never_cache
@require_POST
def complaint_act(
    request: HttpRequest, office_code: str, reference: str, action: str
) -> HttpResponse:
    """One action on the file: a state change, a note, or (supervisors) an assignment."""
    office = require_handler(request.user, office_code)
    complaint = require_complaint(request.user, office, reference)
    note = request.POST.get("note", "")
    try:
        if action in ACTIONS:
            ACTIONS[action][0](complaint, acting_user=request.user, note=note)
        elif action == "note":
            complaints.add_note(complaint, note, acting_user=request.user)
        elif action == "assign":
            if not can_assign(request.user):
                raise PermissionDenied
            officer = next(
                (u for u in _officers(office) if str(u.pk) == request.POST.get("officer", "")),
                None,
            )
            complaints.assign(complaint, officer, acting_user=request.user)
        else:
            raise Http404
    except InvalidInput as exc:
        errors = {k: str(v) for k, v in exc.fields.items()}
        return _detail(request, office, reference, status=422, errors=errors, note=note)
    except DomainError as exc:
        return _detail(request, office, reference, status=exc.status, message=str(exc.message))
    return redirect("feedback_complaint_detail", office.code, complaint.reference)
