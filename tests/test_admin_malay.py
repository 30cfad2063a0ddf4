"""The administration speaks Malay (issue 14, item 8): every changelist, change form and
add form of every model in the admin, with its column headers, field labels, filters and
Django's own words ("Show counts", "Please correct the errors below."), read in Malay.

Each page is rendered in Malay and in English from the same records; a label that reads
the same in both was never translated. Known English labels, seen in the Malay admin
before, must not appear on any Malay page at all."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, issue_ticket
from tests.queueing.conftest import MORNING
from weserve.core.audit import log_action
from weserve.core.models import User
from weserve.feedback.complaint_services import ComplaintInput, receive_complaint
from weserve.feedback.models import ComplaintSettings
from weserve.feedback.services import RatingInput, rate_by_ticket
from weserve.knowledge.models import Article
from weserve.knowledge.models import Status as ArticleStatus
from weserve.knowledge.services import acknowledge as shelf_acknowledge
from weserve.organisation.demo import load_demo
from weserve.organisation.devices import create_device
from weserve.organisation.models import Counter, Device, Office
from weserve.queueing import notices, services
from weserve.register.services import record_walk_in, refer
from weserve.telephony.exchange import record_event
from weserve.telephony.models import TelephonySettings

# Seen in the Malay admin before this was fixed.
KNOWN_ENGLISH = (
    "Show counts",
    "Hide counts",
    "Please correct the error",
    "Model name",
    "Add link",
    "Change or view list link",
    "Queued at",
    "No show at",
    "Served by",
    "Target counter",
    "Opened at",
    "Pause reason",
    "Daripada ",
    "sepalingnya",
    "dipilh",
)
# Words that are the same in both languages.
SAME_IN_BOTH = {"ID", "Status", "Status:", "IP", "MyKad", "MyKad:", "Token", "Email", "URL"}
LABEL_TAGS = {"th", "label", "legend", "summary", "h3", "caption"}


class Labels(HTMLParser):
    """The texts a person reads as labels: headers, field labels, filter titles, buttons,
    error notes. Not the records' own values: row headers of a changelist's body, the
    choices of a checkbox list, the options of a menu."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: list[str] = []
        self._open: list[tuple[str, list[str]]] = []
        self._in_body = 0
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "tbody":
            self._in_body += 1
        elif tag in ("select", "option"):
            self._skip += 1
        elif tag == "input" and attributes.get("type") in ("checkbox", "radio") and self._open:
            if self._open[-1][0] == "label":
                self._open[-1] = ("label-of-a-choice", [])
        if tag == "input" and attributes.get("type") == "submit" and attributes.get("value"):
            self.labels.append(attributes["value"])
        css = attributes.get("class") or ""
        if tag == "th" and self._in_body:
            return
        if tag in LABEL_TAGS or "errornote" in css or (tag == "a" and "showcounts" in css):
            self._open.append((tag, []))

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body -= 1
        elif tag in ("select", "option"):
            self._skip -= 1
        if self._open and self._open[-1][0] in (tag, f"{tag}-of-a-choice"):
            kind, parts = self._open.pop()
            text = re.sub(r"\s+", " ", "".join(parts)).strip()
            if text and kind == tag:
                self.labels.append(text)

    def handle_data(self, data):
        if self._skip:
            return
        for _, parts in self._open:
            parts.append(data)


def labels(html: str) -> list[str]:
    # Only the page's own part: the navigation sidebar lists model names, checked elsewhere.
    content = html.split('id="content"', 1)[-1]
    parser = Labels()
    parser.feed(content)
    return parser.labels


def untranslated(malay: list[str], english: list[str]) -> list[str]:
    return [
        text
        for text, other in zip(malay, english, strict=False)
        if text == other and re.search(r"[a-z]{2}", text) and text not in SAME_IN_BOTH
    ]


@pytest.fixture
def every_record(db):
    """The demo data, plus a record of every model the admin shows that the demo lacks."""
    with time_machine.travel(MORNING, tick=False):
        load_demo()
        office = Office.objects.get(code="PKMD-PJ")
        counter = Counter.objects.filter(office=office).order_by("number").first()
        staff = User.objects.get(username="petugas1")
        services.open_counter(counter, acting_user=staff)
        service = counter.services.order_by("pk").first()
        issue_ticket(office, service)
        ticket = services.call_next(counter, acting_user=staff)
        services.start_service(ticket, acting_user=staff)
        notices.save_charter(
            office, text_ms="Piagam", text_en="Charter", show_wait_target=True, acting_user=staff
        )
        notices.create_announcement(office, text_ms="Notis", text_en="Notice", acting_user=staff)
        walk_in = record_walk_in(
            office,
            acting_user=staff,
            service=service,
            name="Aminah",
            category="other",
            purpose="Pertanyaan",
            action="info",
        )
        create_device(office, Device.Kind.KIOSK, "Kiosk 1")
        log_action("core.token.issued", user=staff)
        # The feedback app's records: a rating of a finished visit, a complaint.
        services.complete(ticket, acting_user=staff)
        rate_by_ticket(ticket.public_id, RatingInput(score=4))
        issue_ticket(office, service)
        services.start_service(services.call_next(counter, acting_user=staff), acting_user=staff)
        receive_complaint(
            office, ComplaintInput(category="other", description="Aduan"), channel="online"
        )
        ComplaintSettings.objects.create(office=office)
        # The shelf's reading acknowledgement, the register's referral.
        shelf_acknowledge(
            Article.objects.filter(status=ArticleStatus.APPROVED).order_by("pk").first(),
            acting_user=staff,
        )
        refer(walk_in, acting_user=staff, officer=User.objects.get(username="pegawai1").staff)
        # The telephone desk's: an office's settings and an event from its exchange (the
        # demo has calls and a message).
        TelephonySettings.objects.create(office=office)
        record_event(office, event_id="e-1", event="ringing", call_id="1.1", at=MORNING)
    # Outside the clock: the admin's sign-in would otherwise clear them as stale.
    AccessAttempt.objects.create(username="x", ip_address="10.0.0.9", failures_since_start=1)
    AccessFailureLog.objects.create(username="x", ip_address="10.0.0.9")


def pages() -> list[tuple[str, str]]:
    """(model label, kind) for every model in the admin: changelist, change form, add form."""
    found = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        found += [(label, "changelist"), (label, "change")]
        if model_admin.has_add_permission(_RequestAs()):
            found += [(label, "add"), (label, "add-errors")]
    return sorted(found)


class _RequestAs:
    """What `has_add_permission` reads of a request: a superuser."""

    class user:  # noqa: N801 - stands for request.user
        is_active = is_staff = is_superuser = True

        @staticmethod
        def has_perm(*_args) -> bool:
            return True


def _client(user: User, language: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _model(label: str):
    return next(m for m in admin.site._registry if m._meta.label == label)


def render(label: str, kind: str, client: Client) -> str:
    model = _model(label)
    info = (model._meta.app_label, model._meta.model_name)
    if kind == "changelist":
        response = client.get(reverse("admin:{}_{}_changelist".format(*info)))
    elif kind == "change":
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"no {label} record to open"
        response = client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    elif kind == "add":
        response = client.get(reverse("admin:{}_{}_add".format(*info)))
    else:
        response = client.post(reverse("admin:{}_{}_add".format(*info)), {})
    assert response.status_code == 200, (label, kind, response.status_code)
    return response.content.decode()


def problems_of(label: str, kind: str, malay: str, english: str) -> list[str]:
    found = []
    if 'lang="ms"' not in malay:
        found.append("not in Malay")
    if kind == "add-errors" and "Sila betulkan ralat di bawah." not in malay:
        found.append("no Malay error note")
    malay_labels, english_labels = labels(malay), labels(english)
    if not malay_labels or len(malay_labels) != len(english_labels):
        found.append(f"labels differ: {malay_labels} / {english_labels}")
    found += [f"untranslated {text!r}" for text in untranslated(malay_labels, english_labels)]
    content = malay.split('id="content"', 1)[-1]
    found += [f"English {known!r}" for known in KNOWN_ENGLISH if known in content]
    return found


def test_every_admin_page_reads_in_malay(every_record):
    """One test for every page, so the demo data is loaded once."""
    root = User.objects.create_superuser("root", password=PASSWORD)
    malay_client, english_client = _client(root, "ms"), _client(root, "en")
    checked = pages()
    assert len(checked) > 40  # every model's changelist and change form, and the add forms
    problems = {}
    for label, kind in checked:
        malay = render(label, kind, malay_client)
        english = render(label, kind, english_client)
        if found := problems_of(label, kind, malay, english):
            problems[f"{label} {kind}"] = found
    assert problems == {}


def test_the_index_and_its_navigation_read_in_malay(every_record):
    root = User.objects.create_superuser("root", password=PASSWORD)
    malay = _client(root, "ms").get("/admin/").content.decode()
    english = _client(root, "en").get("/admin/").content.decode()
    parser_ms, parser_en = Labels(), Labels()
    parser_ms.feed(malay)
    parser_en.feed(english)
    assert untranslated(parser_ms.labels, parser_en.labels) == []
    assert "Model name" not in malay and "Nama model" in malay
