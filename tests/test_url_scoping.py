"""Every URL the project registers, walked: office scoping and roles, proven per URL.

`CASES` classifies each URL name. A new URL that is not classified here fails
`test_every_registered_url_is_classified`, so no page or endpoint escapes this test.

- `Public`: needs no office scoping (sign-in, health, public ticket page by its
  unguessable id, the API schema...); the reason is written beside it.
- `CurrentOffice`: works on the office the person is working in (request.office) and
  takes no record of another office in its URL; proven: a wrong role gets 403.
- `Record`: names a record of PKMD-PJ in its URL (an office code, a counter, a ticket,
  a device...). Proven: a user of another district (PKMD-JB) *with the right role* gets
  404, and a PKMD-PJ user with the wrong role gets 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.contrib.admin.sites import site as admin_site
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import make_users
from tests.factories import build_office_tree, issue_ticket, make_user
from weserve.core.roles import Role
from weserve.feedback import survey_services as surveys
from weserve.feedback.complaint_services import ComplaintInput, receive_complaint
from weserve.organisation.devices import create_device
from weserve.organisation.models import Counter, Section
from weserve.queueing import notices, services
from weserve.register import services as register


@dataclass(frozen=True)
class Public:
    reason: str


@dataclass(frozen=True)
class CurrentOffice:
    path: str
    actor: str  # a user key with the right role at PKMD-PJ
    wrong_role: str | None  # a user key at PKMD-PJ whose role may not use it
    method: str = "get"


@dataclass(frozen=True)
class Record:
    path: Callable[[Any], str]  # built from the PKMD-PJ records
    actor: str  # right role, at PKMD-PJ; its PKMD-JB counterpart is OTHER[actor]
    wrong_role: str | None
    method: str = "get"
    # The body, or a function of the PKMD-PJ records that makes it.
    data: dict[str, Any] | Callable[[Any], dict[str, Any]] = field(default_factory=dict)
    json: bool = False
    # Device pages read the paired browser's cookie, not a bearer token.
    device_cookie: bool = False


# The PKMD-JB user with the same role as each PKMD-PJ actor.
OTHER = {
    "penyelia": "jb_penyelia",
    "petugas": "jb_petugas",
    "admin": "jb_admin",
    "kiosk": "jb_kiosk",
    "display": "jb_display",
    "rating": "jb_rating",
    "ketua": "jhr_ketua",
}


def _ticket_path(action: str) -> Callable[[Any], str]:
    return lambda r: f"/counter/{r.counter.pk}/tickets/{r.ticket.public_id}/{action}/"


def _api_ticket(action: str) -> Callable[[Any], str]:
    return lambda r: f"/api/v1/tickets/{r.ticket.public_id}/{action}"


def _api_counter(action: str) -> Callable[[Any], str]:
    return lambda r: f"/api/v1/counters/{r.counter.pk}/{action}"


# A register entry the API accepts (the register's own tests check its fields).
REGISTER_ENTRY = {"name": "Siti", "category": "other", "purpose": "Pertanyaan", "action": "info"}

CASES: dict[str, Public | CurrentOffice | Record] = {
    # --- core ---
    "healthz": Public("reports only whether the database and channel layer answer"),
    "favicon": Public("the site's icon"),
    "login": Public("sign-in page"),
    "logout": Public("signs the caller out"),
    "password_change": Public("the caller's own password"),
    "password_change_done": Public("the caller's own password"),
    "set_language": Public("sets the caller's language cookie"),
    "javascript-catalog": Public("translations for scripts"),
    "switch_office": CurrentOffice("/office/switch/", "petugas", None, method="post"),
    "audit_log": CurrentOffice("/audit/", "penyelia", "petugas"),
    "mykad_reveal": Public(
        "generic over models with a MyKad; office and role rules are proven record by "
        "record in tests/core/test_personal.py (404 other office, 403 wrong role)"
    ),
    # --- organisation ---
    "home": CurrentOffice("/", "petugas", None),
    "device_list": CurrentOffice("/devices/", "admin", "penyelia"),
    "device_create": CurrentOffice("/devices/new/", "admin", "penyelia"),
    "device_pairing_code": Record(
        lambda r: f"/devices/{r.device.pk}/pairing-code/", "admin", "penyelia", method="post"
    ),
    "device_revoke": Record(lambda r: f"/devices/{r.device.pk}/revoke/", "admin", "penyelia"),
    "pair": Public("a device types its one-time pairing code; no record is named"),
    "device_paired": Public("shows the caller's own paired device"),
    # --- queueing: pages ---
    "ticket_status": Public("the mobile ticket page: its unguessable id is the secret"),
    "kiosk": Record(lambda r: "/kiosk/PKMD-PJ/", "penyelia", "petugas"),
    "kiosk_priority": Record(lambda r: "/kiosk/PKMD-PJ/services/BKK/", "penyelia", "petugas"),
    "kiosk_issue": Record(
        lambda r: "/kiosk/PKMD-PJ/tickets/",
        "penyelia",
        "petugas",
        method="post",
        data={"service": "BKK", "priority": "none"},
    ),
    "counter_console": CurrentOffice("/counter/", "petugas", "telefonis"),
    "counter_open": CurrentOffice("/counter/open/", "petugas", "telefonis", method="post"),
    "counter_live": CurrentOffice("/counter/live/", "penyelia", "petugas"),
    "counter_live_close": Record(
        lambda r: f"/counter/live/{r.counter.pk}/close/", "penyelia", "petugas", method="post"
    ),
    "counter_console_for": Record(lambda r: f"/counter/{r.counter.pk}/", "petugas", "telefonis"),
    "counter_call_next": Record(
        lambda r: f"/counter/{r.counter.pk}/call-next/", "petugas", "telefonis", method="post"
    ),
    "counter_pause": Record(
        lambda r: f"/counter/{r.counter.pk}/pause/", "petugas", "telefonis", method="post"
    ),
    "counter_resume": Record(
        lambda r: f"/counter/{r.counter.pk}/resume/", "petugas", "telefonis", method="post"
    ),
    "counter_close": Record(
        lambda r: f"/counter/{r.counter.pk}/close/", "petugas", "telefonis", method="post"
    ),
    "counter_recall": Record(_ticket_path("recall"), "petugas", "telefonis", method="post"),
    "counter_start": Record(_ticket_path("start"), "petugas", "telefonis", method="post"),
    "counter_no_show": Record(_ticket_path("no-show"), "petugas", "telefonis", method="post"),
    "counter_reinstate": Record(_ticket_path("reinstate"), "petugas", "telefonis", method="post"),
    "counter_transfer": Record(
        _ticket_path("transfer"), "petugas", "telefonis", method="post", data={"service": "OKU"}
    ),
    "counter_complete": Record(_ticket_path("complete"), "petugas", "telefonis", method="post"),
    "display_home": CurrentOffice("/display/", "penyelia", "pegawai"),
    "display_notices_home": CurrentOffice("/display/notices/", "penyelia", "petugas"),
    "display_board": Record(lambda r: "/display/PKMD-PJ/", "penyelia", "pegawai"),
    "display_notices_json": Record(
        lambda r: "/display/PKMD-PJ/notices.json", "penyelia", "pegawai"
    ),
    "display_notices": Record(lambda r: "/display/PKMD-PJ/notices/", "penyelia", "petugas"),
    "display_announcement_create": Record(
        lambda r: "/display/PKMD-PJ/notices/announcements/",
        "penyelia",
        "petugas",
        method="post",
        data={"text_ms": "Notis baharu", "text_en": "", "order": "0"},
    ),
    "display_announcement_edit": Record(
        lambda r: f"/display/PKMD-PJ/notices/announcements/{r.announcement.pk}/",
        "penyelia",
        "petugas",
    ),
    "display_announcement_delete": Record(
        lambda r: f"/display/PKMD-PJ/notices/announcements/{r.announcement.pk}/delete/",
        "penyelia",
        "petugas",
        method="post",
    ),
    # --- API ---
    "api:api-root": Public("Ninja's index of the API"),
    "api:openapi-json": Public("the API's schema"),
    "api:openapi-view": Public("the API's documentation page"),
    "api:ping": Public("a trivial endpoint for benchmarks"),
    "api:create_token": Public("exchanges the caller's own password for a token"),
    "api:revoke_token": Public("revokes the caller's own token"),
    "api:get_ticket": Public("a ticket's public status: its unguessable id is the secret"),
    "api:list_offices": CurrentOffice("/api/v1/offices", "petugas", None),
    "api:get_office": Record(lambda r: "/api/v1/offices/PKMD-PJ", "petugas", None),
    "api:list_services": Record(lambda r: "/api/v1/offices/PKMD-PJ/services", "petugas", None),
    "api:issue_ticket": Record(
        lambda r: "/api/v1/offices/PKMD-PJ/tickets",
        "kiosk",
        "display",
        method="post",
        data={"service": "BKK"},
        json=True,
    ),
    "api:list_counters": Record(lambda r: "/api/v1/offices/PKMD-PJ/counters", "penyelia", None),
    "api:display": Record(lambda r: "/api/v1/offices/PKMD-PJ/display", "display", "kiosk"),
    "api:open_counter": Record(_api_counter("open"), "petugas", "telefonis", method="post"),
    "api:close_counter": Record(_api_counter("close"), "petugas", "telefonis", method="post"),
    "api:pause_counter": Record(_api_counter("pause"), "petugas", "telefonis", method="post"),
    "api:resume_counter": Record(_api_counter("resume"), "petugas", "telefonis", method="post"),
    "api:call_next": Record(_api_counter("call-next"), "petugas", "telefonis", method="post"),
    "api:recall": Record(_api_ticket("recall"), "petugas", "telefonis", method="post"),
    "api:start": Record(_api_ticket("start"), "petugas", "telefonis", method="post"),
    "api:no_show": Record(_api_ticket("no-show"), "petugas", "telefonis", method="post"),
    "api:reinstate": Record(_api_ticket("reinstate"), "petugas", "telefonis", method="post"),
    "api:complete": Record(
        _api_ticket("complete"), "petugas", "telefonis", method="post", json=True
    ),
    "api:transfer": Record(
        _api_ticket("transfer"),
        "petugas",
        "telefonis",
        method="post",
        data={"service": "OKU"},
        json=True,
    ),
    # --- register: pages ---
    "register_ticket_entry": Record(
        lambda r: f"/register/tickets/{r.ticket.public_id}/", "petugas", "telefonis"
    ),
    "entry_referrals": Record(
        lambda r: f"/register/entries/{r.entry.pk}/referrals/", "petugas", "telefonis"
    ),
    "referral_officers": Record(
        lambda r: f"/register/entries/{r.entry.pk}/officers/?q=pegawai", "petugas", "telefonis"
    ),
    "register_walk_in": CurrentOffice("/register/walk-in/", "petugas", "telefonis"),
    "register_returning": CurrentOffice(
        "/register/returning/", "petugas", "telefonis", method="post"
    ),
    "register_entry": Record(lambda r: f"/register/entries/{r.entry.pk}/", "petugas", "telefonis"),
    # The register for its readers: counter staff keep it but do not search or export it.
    "register_home": CurrentOffice("/register/", "penyelia", "petugas"),
    "register_search": Record(lambda r: "/register/offices/PKMD-PJ/", "penyelia", "petugas"),
    "register_export_csv": Record(
        lambda r: "/register/offices/PKMD-PJ/export.csv", "penyelia", "petugas"
    ),
    "register_export_xlsx": Record(
        lambda r: "/register/offices/PKMD-PJ/export.xlsx", "penyelia", "petugas"
    ),
    "register_print_day": Record(
        lambda r: "/register/offices/PKMD-PJ/print/?date=2026-01-05", "penyelia", "petugas"
    ),
    "live_overdue_referrals": CurrentOffice("/referrals/overdue/", "penyelia", "petugas"),
    "referral_inbox": CurrentOffice("/referrals/", "pegawai", "petugas"),
    "referral_badge": CurrentOffice("/referrals/badge/", "pegawai", "petugas"),
    "referral_accept": Record(
        lambda r: f"/referrals/{r.referral.pk}/accept/", "penyelia", "petugas", method="post"
    ),
    "referral_close": Record(
        lambda r: f"/referrals/{r.referral.pk}/close/",
        "penyelia",
        "petugas",
        method="post",
        data={"outcome": "Selesai"},
    ),
    # --- register API ---
    "api:register_ticket": Record(
        _api_ticket("register"),
        "petugas",
        "telefonis",
        method="post",
        data=REGISTER_ENTRY,
        json=True,
    ),
    "api:register_walk_in": Record(
        lambda r: "/api/v1/offices/PKMD-PJ/register",
        "petugas",
        "telefonis",
        method="post",
        data={**REGISTER_ENTRY, "service": "INFO"},
        json=True,
    ),
    "api:day_register_view": Record(
        lambda r: "/api/v1/offices/PKMD-PJ/register", "penyelia", "petugas"
    ),
    "api:lookup_customer": Record(
        lambda r: "/api/v1/offices/PKMD-PJ/customers/lookup",
        "petugas",
        "telefonis",
        method="post",
        data={"mykad": "850101-14-5123"},
        json=True,
    ),
    # --- feedback: pages ---
    "feedback_tablet": Record(
        lambda r: "/feedback/PKMD-PJ/counter/1/", "rating", "kiosk", device_cookie=True
    ),
    "feedback_tablet_screen": Record(
        lambda r: "/feedback/PKMD-PJ/counter/1/screen/", "rating", "kiosk", device_cookie=True
    ),
    "feedback_tablet_rate": Record(
        lambda r: "/feedback/PKMD-PJ/counter/1/rate/",
        "rating",
        "kiosk",
        method="post",
        data=lambda r: {"ticket": r.ticket.public_id, "score": "5"},
        device_cookie=True,
    ),
    "feedback_ticket_rating": Public(
        "the slip's QR rating: the ticket's unguessable id is the secret"
    ),
    # --- feedback API ---
    "api:rate_ticket": Record(
        lambda r: "/api/v1/offices/PKMD-PJ/ratings",
        "rating",
        "kiosk",
        method="post",
        data=lambda r: {"ticket": r.ticket.public_id, "score": 5},
        json=True,
    ),
    "api:sample_size": Public("Krejcie & Morgan's sample size of a number: no record"),
    # --- knowledge (the reference shelf) ---
    "knowledge_shelf": CurrentOffice("/shelf/", "petugas", None),
    "knowledge_search": CurrentOffice("/shelf/search/?q=bantuan", "petugas", None),
    "knowledge_directory": CurrentOffice("/shelf/directory/", "petugas", None),
    "knowledge_emergency": CurrentOffice("/shelf/emergency/", "petugas", None),
    "knowledge_acknowledgements": CurrentOffice("/shelf/acknowledgements/", "penyelia", "petugas"),
    "knowledge_article": Record(lambda r: _pj_article("approved"), "petugas", None),
    "knowledge_acknowledge": Record(
        lambda r: _pj_article("approved") + "acknowledge/", "petugas", None, method="post"
    ),
    "knowledge_approve": Record(lambda r: _pj_article("draft") + "approve/", "admin", "penyelia"),
    "knowledge_file": Public(
        "a brochure's file, read as its article is; the office rule (404 for another "
        "office's) is proven in tests/knowledge/test_pages.py"
    ),
    "knowledge_public_charter": Public("an office's client charter and JKM's corporate page"),
    "api:search_shelf": CurrentOffice("/api/v1/shelf/search?q=teks", "petugas", "kiosk"),
    "api:get_article": Record(
        lambda r: "/api/v1" + _pj_article("approved").rstrip("/"), "petugas", "kiosk"
    ),
    "api:acknowledge_article": Record(
        lambda r: "/api/v1" + _pj_article("approved") + "acknowledge",
        "petugas",
        "kiosk",
        method="post",
        json=True,
    ),
    # --- feedback: complaints ---
    "feedback_complaint_form": Public("the online complaint form: anyone may complain"),
    "feedback_complaint_received": Public("the caller's own acknowledgement, from its session"),
    "feedback_complaint_list": Record(
        lambda r: "/feedback/PKMD-PJ/complaints/", "penyelia", "petugas"
    ),
    "feedback_complaint_keyed": Record(
        lambda r: "/feedback/PKMD-PJ/complaints/new/", "petugas", "telefonis"
    ),
    "feedback_complaint_detail": Record(
        lambda r: f"/feedback/PKMD-PJ/complaints/{r.complaint.reference}/", "penyelia", "petugas"
    ),
    "feedback_complaint_act": Record(
        lambda r: f"/feedback/PKMD-PJ/complaints/{r.complaint.reference}/acknowledge/",
        "penyelia",
        "petugas",
        method="post",
    ),
    "feedback_complaint_attachment": Record(
        lambda r: (
            f"/feedback/PKMD-PJ/complaints/{r.complaint.reference}/files/"
            f"{_pj_feedback('attachment')}/"
        ),
        "penyelia",
        "petugas",
    ),
    "feedback_complaint_attach": Record(
        lambda r: f"/feedback/PKMD-PJ/complaints/{r.complaint.reference}/files/",
        "penyelia",
        "petugas",
        method="post",
    ),
    # --- feedback: the perception survey ---
    "feedback_survey_public": Public("the questionnaire: its unguessable link id is the secret"),
    "feedback_survey_thanks": Public("the questionnaire's thank-you page, by the same id"),
    "feedback_survey_office": Public("an office's standing link to its open questionnaire"),
    "feedback_survey_home": CurrentOffice("/feedback/surveys/", "penyelia", "petugas"),
    "feedback_survey_list": Record(lambda r: "/feedback/PKMD-PJ/surveys/", "penyelia", "petugas"),
    "feedback_survey_create": Record(
        lambda r: "/feedback/PKMD-PJ/surveys/new/", "penyelia", "petugas"
    ),
    "feedback_survey_detail": Record(
        lambda r: f"/feedback/PKMD-PJ/surveys/{r.survey.pk}/", "penyelia", "petugas"
    ),
    "feedback_survey_paper": Record(
        lambda r: f"/feedback/PKMD-PJ/surveys/{r.survey.pk}/paper/", "petugas", "telefonis"
    ),
    "feedback_survey_report": Record(
        lambda r: f"/feedback/PKMD-PJ/surveys/{r.survey.pk}/report/", "penyelia", "petugas"
    ),
    "feedback_survey_report_pdf": Record(
        lambda r: f"/feedback/PKMD-PJ/surveys/{r.survey.pk}/report.pdf", "penyelia", "petugas"
    ),
    "feedback_survey_report_xlsx": Record(
        lambda r: f"/feedback/PKMD-PJ/surveys/{r.survey.pk}/report.xlsx", "penyelia", "petugas"
    ),
    "feedback_survey_act": Record(
        lambda r: f"/feedback/PKMD-PJ/surveys/{r.survey.pk}/close/",
        "penyelia",
        "petugas",
        method="post",
    ),
    # --- feedback: satisfaction forms, the box, remarks, the reports ---
    "feedback_tablet_form": Record(
        lambda r: "/feedback/PKMD-PJ/counter/1/form/", "rating", "kiosk", device_cookie=True
    ),
    "feedback_forms": Record(lambda r: "/feedback/PKMD-PJ/forms/", "penyelia", "petugas"),
    "feedback_form_new": Record(lambda r: "/feedback/PKMD-PJ/forms/new/", "petugas", "telefonis"),
    "feedback_form_detail": Record(
        lambda r: f"/feedback/PKMD-PJ/forms/{_pj_feedback('form')}/", "penyelia", "petugas"
    ),
    "feedback_form_pdf": Record(
        lambda r: f"/feedback/PKMD-PJ/forms/{_pj_feedback('form')}/pdf/", "penyelia", "petugas"
    ),
    "feedback_box": Record(lambda r: "/feedback/PKMD-PJ/box/", "penyelia", "petugas"),
    "feedback_box_opening": Record(
        lambda r: f"/feedback/PKMD-PJ/box/{_pj_feedback('opening')}/", "penyelia", "petugas"
    ),
    "feedback_remarks": Record(lambda r: "/feedback/PKMD-PJ/remarks/", "penyelia", "petugas"),
    "feedback_remark_action": Record(
        lambda r: f"/feedback/PKMD-PJ/remarks/{_pj_feedback('remark')}/action/",
        "penyelia",
        "petugas",
        method="post",
        data={"action": "Tindakan"},
    ),
    "feedback_hub_home": CurrentOffice("/feedback/reports/", "penyelia", "petugas"),
    "feedback_hub": Record(lambda r: "/feedback/PKMD-PJ/reports/", "penyelia", "petugas"),
    "feedback_satisfaction_report": Record(
        lambda r: "/feedback/PKMD-PJ/reports/satisfaction/", "penyelia", "petugas"
    ),
    "feedback_satisfaction_report_pdf": Record(
        lambda r: "/feedback/PKMD-PJ/reports/satisfaction/pdf/", "penyelia", "petugas"
    ),
    "feedback_satisfaction_report_xlsx": Record(
        lambda r: "/feedback/PKMD-PJ/reports/satisfaction/xlsx/", "penyelia", "petugas"
    ),
    "feedback_feedback_report": Record(
        lambda r: "/feedback/PKMD-PJ/reports/feedback/", "penyelia", "petugas"
    ),
    "feedback_feedback_report_pdf": Record(
        lambda r: "/feedback/PKMD-PJ/reports/feedback/pdf/", "penyelia", "petugas"
    ),
    "feedback_feedback_report_xlsx": Record(
        lambda r: "/feedback/PKMD-PJ/reports/feedback/xlsx/", "penyelia", "petugas"
    ),
    "feedback_survey_inbox": CurrentOffice("/feedback/survey-reports/", "ketua", "penyelia"),
    "feedback_survey_badge": CurrentOffice("/feedback/survey-reports/badge/", "ketua", "penyelia"),
    "feedback_survey_combined": CurrentOffice(
        "/feedback/survey-reports/combined/", "ketua", "penyelia"
    ),
    "feedback_survey_combined_pdf": CurrentOffice(
        "/feedback/survey-reports/combined.pdf", "ketua", "penyelia"
    ),
    "feedback_survey_combined_xlsx": CurrentOffice(
        "/feedback/survey-reports/combined.xlsx", "ketua", "penyelia"
    ),
    "feedback_survey_report_file": Record(
        lambda r: f"/feedback/survey-reports/{r.survey_report.pk}/", "ketua", "penyelia"
    ),
    "feedback_survey_report_act": Record(
        lambda r: f"/feedback/survey-reports/{r.survey_report.pk}/acknowledge/",
        "ketua",
        "penyelia",
        method="post",
    ),
    "api:file_complaint": Public("the online complaint over the API: anyone may complain"),
    "api:complaint_status": Public("the reference with its access code is the secret"),
    # --- telephony (the telephone desk) ---
    "telephony_console": CurrentOffice("/phone/", "telefonis", "petugas"),
    "telephony_calls": CurrentOffice("/phone/calls/", "telefonis", "petugas"),
    "telephony_log_call": CurrentOffice("/phone/calls/log/", "telefonis", "petugas", method="post"),
    "telephony_directory": CurrentOffice("/phone/directory/?q=a", "telefonis", "petugas"),
    "telephony_call": Record(lambda r: _pj_call(), "penyelia", "petugas"),
    **{
        f"telephony_{action}": Record(
            lambda r, action=action: _pj_call() + f"{action.replace('_', '-')}/",
            "penyelia",
            "petugas",
            method="post",
        )
        for action in (
            "answer",
            "details",
            "transfer",
            "hold",
            "hold_update",
            "connected",
            "end",
            "message",
        )
    },
    "telephony_report": CurrentOffice("/phone/report/", "penyelia", "petugas"),
    "telephony_log": CurrentOffice("/phone/log/", "penyelia", "petugas"),
    "telephony_staffing": CurrentOffice("/phone/staffing/", "penyelia", "petugas"),
    "telephony_inbox": CurrentOffice("/messages/", "pegawai", None),
    "telephony_presence": CurrentOffice("/messages/presence/", "pegawai", None, method="post"),
    "telephony_badge": CurrentOffice("/messages/badge/", "pegawai", None),
    "telephony_call_back": Record(
        lambda r: f"/messages/{_pj_message()}/call-back/",
        "penyelia",
        "petugas",
        method="post",
        data={"outcome": "reached"},
    ),
    "api:exchange_event": Public(
        "the exchange's events: only an exchange device's token, acting on its own office "
        "(refusals proven in tests/telephony/test_exchange_events.py)"
    ),
    "api:service_level": Record(
        lambda r: "/api/v1/offices/PKMD-PJ/telephony/service-level?from=2026-01-01&to=2026-01-31",
        "penyelia",
        "petugas",
    ),
}


def _pj_feedback(kind: str) -> int:
    """The id of a PKMD-PJ feedback record of its own (a paper satisfaction form, a box
    opening, a remark, a complaint attachment), made on first use."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from weserve.core.models import User
    from weserve.feedback import attachment_services, box_services, satisfaction_services
    from weserve.feedback.attachment_models import ComplaintAttachment
    from weserve.feedback.box_models import BoxOpening, Remark
    from weserve.feedback.complaint_models import Complaint
    from weserve.feedback.satisfaction_models import SatisfactionForm
    from weserve.organisation.models import Office

    pj = Office.objects.get(code="PKMD-PJ")
    supervisor = User.objects.get(username="penyelia")
    if kind == "form":
        found = SatisfactionForm.objects.filter(office=pj).first()
        if found is None:
            items = satisfaction_services.items_for(pj)
            found = satisfaction_services.file_paper_form(
                pj,
                satisfaction_services.FormInput(answers={i.code: 4 for i in items}, serial="S-1"),
                acting_user=supervisor,
            )
        return found.pk
    if kind == "opening":
        found = BoxOpening.objects.filter(office=pj).first() or box_services.record_opening(
            pj,
            opened_on=None,
            opened_by=supervisor,
            witness="Saksi",
            slip_count=1,
            acting_user=supervisor,
        )
        return found.pk
    if kind == "remark":
        found = Remark.objects.filter(office=pj).first() or box_services.record_remark(
            pj,
            kind="suggestion",
            topic="other",
            text="Cadangan",
            channel="counter",
            acting_user=supervisor,
        )
        return found.pk
    found = ComplaintAttachment.objects.filter(complaint__office=pj).first()
    if found is None:
        complaint = Complaint.objects.filter(office=pj).order_by("pk").first()
        found = attachment_services.attach(
            complaint,
            [SimpleUploadedFile("a.pdf", b"%PDF-1.4 scoping")],
            acting_user=supervisor,
        )[0]
    return found.pk


def _pj_call() -> str:
    """A call ringing at PKMD-PJ (the telephone desk), as the path of its console panel."""
    from weserve.organisation.models import Office
    from weserve.telephony import services as telephony

    call = telephony.ring(Office.objects.get(code="PKMD-PJ"), from_exchange=True)
    return f"/phone/calls/{call.pk}/"


def _pj_message() -> int:
    """A message taken at PKMD-PJ for its officer pegawai1, by its id."""
    from weserve.organisation.models import Office, StaffMember
    from weserve.telephony import services as telephony

    message = telephony.take_message(
        Office.objects.get(code="PKMD-PJ"),
        acting_user=None,
        officer=StaffMember.objects.get(user__username="pegawai1"),
        caller_name="Siti",
        caller_number="0123456789",
        purpose="OKU",
    )
    return message.pk


def _pj_article(status: str) -> str:
    """The page of a PKMD-PJ article of its own (approved, or a draft), made on first use."""
    from weserve.core.clock import now
    from weserve.knowledge.models import Article, ArticleSection
    from weserve.organisation.models import Office

    pj = Office.objects.get(code="PKMD-PJ")
    article = Article.objects.filter(office=pj, status=status).first()
    if article is None:
        owner = pj.home_staff.exclude(user=None).first().user
        approved = status == "approved"
        article = Article.objects.create(
            office=pj,
            kind="pkw",
            title_ms=f"Artikel {status}",
            owner=owner,
            status=status,
            version=1 if approved else 0,
            approved_at=now() if approved else None,
        )
        ArticleSection.objects.create(article=article, heading_ms="Syarat", body_ms="Teks")
    return f"/shelf/articles/{article.pk}/"


def registered_url_names() -> list[str]:
    names: list[str] = []

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace
                full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                walk(p.url_patterns, full)
            elif isinstance(p, URLPattern):
                name = p.name or p.lookup_str
                names.append(f"{namespace}:{name}" if namespace else name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_registered_url_is_classified():
    names = registered_url_names()
    unclassified = sorted({n for n in names if not n.startswith("admin:") and n not in CASES})
    assert unclassified == [], "classify these URLs in tests/test_url_scoping.py"
    stale = sorted(set(CASES) - set(names))
    assert stale == [], "these classified URLs no longer exist"


@dataclass
class PjRecords:
    counter: Counter
    ticket: Any
    device: Any
    announcement: Any
    entry: Any
    referral: Any
    complaint: Any
    survey: Any
    survey_report: Any


@pytest.fixture(scope="module")
def world_once(module_db):
    """The world, made once for the module: every test asks its question of the same
    rows, each in a savepoint rolled back after it (tests/conftest.py's module_db)."""
    return module_db(_make_world)


@pytest.fixture
def world(world_once, db):
    """PKMD-PJ records, users per role here and at JB, and device tokens, as each test
    finds them (whatever an earlier test's requests changed was rolled back)."""
    return world_once[:3]


def _make_world():
    """PKMD-PJ records, a JB user per role, and device clients."""
    tree = build_office_tree()
    users = make_users(tree)
    users["jb_admin"] = make_user("admin.jb", tree.jb, Role.ADMIN)
    users["jb_admin"].is_staff = True
    users["jb_admin"].save(update_fields=["is_staff"])
    users["admin"].is_staff = True
    users["admin"].save(update_fields=["is_staff"])
    counter = Counter.objects.get(office=tree.pj, number=1)
    services.open_counter(counter, acting_user=users["petugas"])
    ticket = issue_ticket(tree.pj, tree.services["BKK"])
    services.call_next(counter, acting_user=users["petugas"])
    device, _token = create_device(tree.pj, "kiosk", "Kiosk PJ")
    announcement = notices.create_announcement(
        tree.pj, text_ms="Notis", text_en="Notice", acting_user=users["penyelia"]
    )
    jb_counter = Counter.objects.get(office=tree.jb, number=1)
    tokens = {
        "kiosk": create_device(tree.pj, "kiosk", "K")[1],
        "display": create_device(tree.pj, "display", "D")[1],
        "rating": create_device(tree.pj, "rating", "R", counter=counter)[1],
        "jb_kiosk": create_device(tree.jb, "kiosk", "K")[1],
        "jb_display": create_device(tree.jb, "display", "D")[1],
        "jb_rating": create_device(tree.jb, "rating", "R", counter=jb_counter)[1],
    }
    entry = register.record_visit(
        ticket, acting_user=users["petugas"], **REGISTER_ENTRY | {"category": "other"}
    )
    referral = register.refer(
        entry, acting_user=users["petugas"], officer=users["pegawai"].staff, note=""
    )
    complaint = receive_complaint(
        tree.pj, ComplaintInput(category="other", description="Aduan"), channel="online"
    ).complaint
    # A perception survey reported to the head (closed, submitted) and one open now.
    reported = surveys.create_period(
        tree.pj,
        title="Tinjauan 2025",
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2025, 12, 31),
        acting_user=users["penyelia"],
    )
    surveys.open_period(reported, acting_user=users["penyelia"])
    surveys.close_period(reported, acting_user=users["penyelia"])
    survey_report = surveys.submit_report(reported, acting_user=users["penyelia"])
    survey = surveys.create_period(
        tree.pj,
        title="Tinjauan 2026",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        acting_user=users["penyelia"],
    )
    surveys.open_period(survey, acting_user=users["penyelia"])
    users["jhr_ketua"] = make_user("ketua.jhr", tree.jhr, Role.HEAD)
    return (
        PjRecords(
            counter,
            ticket,
            device,
            announcement,
            entry,
            referral,
            complaint,
            survey,
            survey_report,
        ),
        users,
        tokens,
        tree,
    )


def _client(
    key: str, users: dict[str, Any], tokens: dict[str, str], *, cookie: bool = False
) -> Client:
    if key in tokens and cookie:
        client = Client()
        client.cookies[settings.DEVICE_COOKIE_NAME] = tokens[key]
        return client
    if key in tokens:
        return Client(HTTP_AUTHORIZATION=f"Bearer {tokens[key]}")
    client = Client()
    client.force_login(users[key])
    return client


def _request(client: Client, case: Record | CurrentOffice, path: str, records: Any = None) -> Any:
    if case.method == "get":
        return client.get(path)
    data = getattr(case, "data", {})
    if callable(data):
        data = data(records)
    if getattr(case, "json", False) or path.startswith("/api/"):
        import json

        return client.post(path, data=json.dumps(data), content_type="application/json")
    return client.post(path, data)


RECORD_CASES = sorted(n for n, c in CASES.items() if isinstance(c, Record))
ROLE_CASES = sorted(
    n for n, c in CASES.items() if isinstance(c, Record | CurrentOffice) and c.wrong_role
)


@pytest.mark.parametrize("name", RECORD_CASES)
def test_another_districts_user_gets_404_on_pkmd_pj_records(name, world):
    records, users, tokens = world
    case = CASES[name]
    assert isinstance(case, Record)
    client = _client(OTHER[case.actor], users, tokens, cookie=case.device_cookie)
    response = _request(client, case, case.path(records), records)
    assert response.status_code == 404, (name, response.status_code)


@pytest.mark.parametrize("name", ROLE_CASES)
def test_wrong_role_in_own_office_gets_403(name, world):
    records, users, tokens = world
    case = CASES[name]
    path = case.path(records) if isinstance(case, Record) else case.path
    cookie = isinstance(case, Record) and case.device_cookie
    response = _request(_client(case.wrong_role, users, tokens, cookie=cookie), case, path, records)
    assert response.status_code == 403, (name, response.status_code)


@pytest.mark.parametrize("name", RECORD_CASES)
def test_right_role_in_own_office_is_not_refused(name, world):
    """The control: the same request by the right role of PKMD-PJ is not 403/404."""
    records, users, tokens = world
    case = CASES[name]
    assert isinstance(case, Record)
    client = _client(case.actor, users, tokens, cookie=case.device_cookie)
    response = _request(client, case, case.path(records), records)
    assert response.status_code not in (403, 404), (name, response.status_code)


# --- The Django admin ---------------------------------------------------------------------


def _office_scoped_admin_models() -> list[Any]:
    return sorted(
        (m for m in admin_site._registry if m._meta.app_label == "organisation"),
        key=lambda m: m._meta.model_name,
    )


def test_admin_refuses_signed_in_people_without_the_administrator_role(world):
    _records, users, tokens = world
    response = _client("penyelia", users, tokens).get("/admin/")
    assert response.status_code == 403


def test_admin_answers_404_for_another_districts_records(world, world_once):
    _records, users, tokens = world
    tree = world_once[3]
    jb_admin = _client("jb_admin", users, tokens)
    section = Section.objects.create(office=tree.pj, code="X", name_ms="X", name_en="X")
    pj_objects = {
        "office": tree.pj,
        "counter": Counter.objects.get(office=tree.pj, number=1),
        "section": section,
        "device": _records.device,
        "staffmember": users["petugas"].staff,
    }
    checked = []
    for model in _office_scoped_admin_models():
        obj = pj_objects.get(model._meta.model_name)
        if obj is None:
            continue
        url = f"/admin/organisation/{model._meta.model_name}/{obj.pk}/change/"
        assert jb_admin.get(url).status_code == 404, url
        checked.append(model._meta.model_name)
    assert set(checked) == set(pj_objects)


def test_every_admin_page_refuses_a_signed_in_non_administrator(world):
    _records, users, tokens = world
    supervisor = _client("penyelia", users, tokens)
    pages = ["/admin/"] + [
        f"/admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin_site._registry
    ]
    refused = {page: supervisor.get(page).status_code for page in pages}
    assert set(refused.values()) == {403}, refused


def test_admin_hides_another_districts_accounts_and_audit_entries(world):
    from weserve.core.models import AuditLog

    _records, users, tokens = world
    jb_admin = _client("jb_admin", users, tokens)
    pj_user = users["petugas"]
    pj_entry = AuditLog.objects.filter(office_code="PKMD-PJ").first()
    assert pj_entry is not None
    assert jb_admin.get(f"/admin/core/user/{pj_user.pk}/change/").status_code == 404
    assert jb_admin.get(f"/admin/core/auditlog/{pj_entry.pk}/change/").status_code == 404
    ticket = _records.ticket
    assert jb_admin.get(f"/admin/queueing/ticket/{ticket.pk}/change/").status_code == 404
    own = _client("admin", users, tokens).get(f"/admin/queueing/ticket/{ticket.pk}/change/")
    assert own.status_code == 200
    assert ticket.public_id not in own.content.decode()
