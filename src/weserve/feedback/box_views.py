"""Suggestion box and remark pages: the log of the box's openings, each opening's slips
keyed in as complaints, suggestions or compliments, and the office's suggestions and
compliments with the action taken on each.

Reading: feedback.report_access.require_reader; writing: require_box_keeper. Thin: one
service call per POST; a refusal keeps what was typed, with a message per field.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from weserve.core.errors import DomainError
from weserve.core.roles import Role, has_role
from weserve.core.scoping import home_office_ids
from weserve.feedback import box_services as box
from weserve.feedback import complaint_services as complaints
from weserve.feedback.box_models import BoxOpening, Remark, RemarkKind, RemarkTopic, SlipKind
from weserve.feedback.complaint_models import ComplaintCategory
from weserve.feedback.report_access import may_keep_box, require_box_keeper, require_reader
from weserve.feedback.services import InvalidInput
from weserve.organisation.models import Office, StaffMember

OPENING_FIELDS = ("opened_on", "opened_by", "witness", "slip_count", "note")
SLIP_FIELDS = ("kind", "category", "description", "name", "phone", "topic", "text")
REMARK_FIELDS = ("kind", "topic", "text", "channel", "received_on")


def _typed(post: Any, names: tuple[str, ...]) -> dict[str, str]:
    return {name: str(post.get(name, ""))[:6000] for name in names}


def _staff(office: Office) -> list[Any]:
    members = (
        StaffMember.objects.filter(user__is_active=True).select_related("user").order_by("name")
    )
    return [m for m in members if m.user is not None and office.pk in home_office_ids(m.user)]


@never_cache
@require_http_methods(["GET", "POST"])
def box_list(request: HttpRequest, office_code: str) -> HttpResponse:
    office = require_reader(request.user, office_code)
    typed = dict.fromkeys(OPENING_FIELDS, "")
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        office = require_box_keeper(request.user, office_code)
        typed = _typed(request.POST, OPENING_FIELDS)
        opener = next(
            (m.user for m in _staff(office) if str(m.user.pk) == typed["opened_by"]), None
        )
        try:
            opening = box.record_opening(
                office,
                opened_on=typed["opened_on"],
                opened_by=opener,
                witness=typed["witness"],
                slip_count=typed["slip_count"],
                note=typed["note"],
                acting_user=request.user,
            )
        except InvalidInput as exc:
            errors = {k: str(v) for k, v in exc.fields.items()}
            status = 422
        else:
            return redirect("feedback_box_opening", office.code, opening.pk)
    openings = (
        BoxOpening.objects.filter(office=office)
        .select_related("opened_by__staff")
        .annotate(keyed=Count("slips"))
        .order_by("-opened_on", "-pk")[:200]
    )
    context = {
        "office": office,
        "openings": openings,
        "typed": typed,
        "errors": errors,
        "staff": _staff(office),
        "may_keep": may_keep_box(request.user),
    }
    return render(request, "feedback/box/list.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def box_opening(request: HttpRequest, office_code: str, pk: int) -> HttpResponse:
    office = require_reader(request.user, office_code)
    opening = (
        BoxOpening.objects.filter(office=office, pk=pk).select_related("opened_by__staff").first()
    )
    if opening is None:
        raise Http404
    typed = dict.fromkeys(SLIP_FIELDS, "")
    typed["kind"] = SlipKind.COMPLAINT
    errors: dict[str, str] = {}
    message = ""
    status = 200
    if request.method == "POST":
        require_box_keeper(request.user, office_code)
        typed = _typed(request.POST, SLIP_FIELDS)
        try:
            box.key_slip(
                opening,
                kind=typed["kind"],
                acting_user=request.user,
                complaint=complaints.ComplaintInput(
                    category=typed["category"],
                    description=typed["description"],
                    name=typed["name"],
                    phone=typed["phone"],
                )
                if typed["kind"] == SlipKind.COMPLAINT
                else None,
                topic=typed["topic"],
                text=typed["text"],
            )
        except InvalidInput as exc:
            errors = {k: str(v) for k, v in exc.fields.items()}
            status = 422
        except DomainError as exc:
            message = str(exc.message)
            status = exc.status
        else:
            return redirect("feedback_box_opening", office.code, opening.pk)
    slips = opening.slips.select_related("complaint", "remark").order_by("pk")
    context = {
        "office": office,
        "opening": opening,
        "slips": slips,
        "keyed": slips.count(),
        "typed": typed,
        "errors": errors,
        "message": message,
        "kinds": SlipKind.choices,
        "categories": ComplaintCategory.choices,
        "topics": RemarkTopic.choices,
        "may_keep": may_keep_box(request.user),
    }
    return render(request, "feedback/box/opening.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def remark_list(request: HttpRequest, office_code: str) -> HttpResponse:
    office = require_reader(request.user, office_code)
    typed = dict.fromkeys(REMARK_FIELDS, "")
    typed["channel"] = "counter"
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        office = require_box_keeper(request.user, office_code)
        typed = _typed(request.POST, REMARK_FIELDS)
        try:
            box.record_remark(
                office,
                kind=typed["kind"],
                topic=typed["topic"],
                text=typed["text"],
                channel=typed["channel"],
                received_on=typed["received_on"],
                acting_user=request.user,
            )
        except InvalidInput as exc:
            errors = {k: str(v) for k, v in exc.fields.items()}
            status = 422
        else:
            return redirect("feedback_remarks", office.code)
    kind = str(request.GET.get("kind", ""))
    remarks = Remark.objects.filter(office=office).select_related("keyed_by__staff")
    if kind in RemarkKind.values:
        remarks = remarks.filter(kind=kind)
    context = {
        "office": office,
        "remarks": remarks.order_by("-received_on", "-pk")[:200],
        "kind": kind,
        "kinds": RemarkKind.choices,
        "topics": RemarkTopic.choices,
        "typed": typed,
        "errors": errors,
        "may_keep": may_keep_box(request.user),
        "is_supervisor": has_role(request.user, Role.SUPERVISOR),
    }
    return render(request, "feedback/box/remarks.html", context, status=status)


@never_cache
@require_POST
def remark_action(request: HttpRequest, office_code: str, pk: int) -> HttpResponse:
    office = require_box_keeper(request.user, office_code)
    remark = Remark.objects.filter(office=office, pk=pk).first()
    if remark is None:
        raise Http404
    try:
        box.record_action(remark, request.POST.get("action", ""), acting_user=request.user)
    except InvalidInput:
        return redirect("feedback_remarks", office.code)
    return redirect("feedback_remarks", office.code)
