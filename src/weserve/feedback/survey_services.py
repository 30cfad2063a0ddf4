"""Every state change of the perception survey: one function each, one transaction each,
with its audit entry and a `survey` event on the office's `feedback` live stream. A
report submitted or acknowledged is also published on the `survey_reports` stream of its
office and of every office above it (`_publish_report`): the heads of department there
follow it (feedback/consumers.py, SurveyReportConsumer) and their menu badge refreshes.

    period: draft -> open -> closed        (the questionnaire is edited only in draft)
    report: submitted -> acknowledged      (follow-up actions are added at any time)

Input is checked in full before anything is written (`InvalidInput`, 422, a translated
message per field): a response with a score that is not a whole number from 1 to 5, a
missing or unknown item, an unknown age band or category, another office's service, a
paper serial already used in the period: refused as a whole, nothing saved. Audit
entries and live events carry the period and the channel, never anything a customer
typed (they type nothing but their choices).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from weserve.core import clock, live
from weserve.core.audit import log_action
from weserve.core.errors import DomainError
from weserve.core.text import clean_text
from weserve.feedback.sampling import krejcie_morgan
from weserve.feedback.services import FEEDBACK, InvalidInput
from weserve.feedback.survey_models import (
    LIKERT_MAX,
    LIKERT_MIN,
    NOTE_MAX,
    POPULATION_MAX,
    SERIAL_MAX,
    SOURCE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    AgeBand,
    CustomerCategory,
    PeriodState,
    PopulationSource,
    ReportState,
    ResponseChannel,
    SurveyAnswer,
    SurveyFollowUp,
    SurveyItem,
    SurveyPeriod,
    SurveyReport,
    SurveyResponse,
    SurveySection,
)
from weserve.organisation.models import Device, Office, Service

# The default questionnaire: the five SERVQUAL dimensions, three statements each, in
# Malay and English. An office copies it into a new period and may change it there.
DEFAULT_QUESTIONNAIRE: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "tangibles",
        "Ketaraan (kemudahan fizikal)",
        "Tangibles (physical facilities)",
        (
            (
                "Pejabat ini bersih, selesa dan mudah dikunjungi.",
                "This office is clean, comfortable and easy to get to.",
            ),
            (
                "Papan tanda dan maklumat di pejabat ini jelas.",
                "The signs and information in this office are clear.",
            ),
            (
                "Kakitangan berpakaian kemas dan mudah dikenali.",
                "Staff are neatly dressed and easy to recognise.",
            ),
        ),
    ),
    (
        "reliability",
        "Kebolehpercayaan",
        "Reliability",
        (
            (
                "Perkhidmatan diberikan dengan betul pada kali pertama.",
                "The service is done right the first time.",
            ),
            (
                "Pejabat ini menepati janji dan tempoh piagam pelanggan.",
                "This office keeps its promises and its client charter times.",
            ),
            (
                "Maklumat yang diberikan kepada saya tepat.",
                "The information given to me is accurate.",
            ),
        ),
    ),
    (
        "responsiveness",
        "Ketanggapan",
        "Responsiveness",
        (
            (
                "Saya dilayan dengan segera.",
                "I am attended to promptly.",
            ),
            (
                "Kakitangan sentiasa bersedia membantu.",
                "Staff are always willing to help.",
            ),
            (
                "Pertanyaan dan aduan saya dijawab dengan cepat.",
                "My questions and complaints are answered quickly.",
            ),
        ),
    ),
    (
        "assurance",
        "Jaminan",
        "Assurance",
        (
            (
                "Kakitangan berpengetahuan untuk menjawab soalan saya.",
                "Staff have the knowledge to answer my questions.",
            ),
            (
                "Kakitangan bersopan santun.",
                "Staff are courteous.",
            ),
            (
                "Saya yakin maklumat peribadi saya dijaga.",
                "I am confident that my personal information is kept safe.",
            ),
        ),
    ),
    (
        "empathy",
        "Empati",
        "Empathy",
        (
            (
                "Kakitangan memahami keperluan saya.",
                "Staff understand my needs.",
            ),
            (
                "Kakitangan memberi perhatian kepada saya sebagai individu.",
                "Staff give me individual attention.",
            ),
            (
                "Waktu operasi pejabat ini sesuai untuk saya.",
                "This office's opening hours suit me.",
            ),
        ),
    ),
)


def _publish(period: SurveyPeriod, change: str, **extra: Any) -> None:
    live.publish(
        period.office_id,
        FEEDBACK,
        "survey",
        survey={"period": period.pk, "state": period.state, "change": change, **extra},
    )


# The stream the heads' report badge follows: each office's carries the reports of the
# offices below it (and its own), so a head follows only the office they belong to.
SURVEY_REPORTS = "survey_reports"


def _publish_report(report: SurveyReport, type_: str) -> None:
    """Number a report event on its office's `survey_reports` stream and on every office
    above it (leaf first, so concurrent reports lock the streams in the same order)."""
    office = report.period.office
    office_ids = [office.pk]
    parent_id = office.parent_id
    while parent_id is not None and parent_id not in office_ids:
        office_ids.append(parent_id)
        parent_id = Office.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    for office_id in office_ids:
        live.publish(
            office_id,
            SURVEY_REPORTS,
            type_,
            report=report.pk,
            office=office.pk,
            state=report.state,
        )


def _audit(verb: str, period: SurveyPeriod, user: Any, target: Any = None, **data: Any) -> None:
    log_action(
        f"feedback.survey.{verb}",
        user=user,
        office=period.office,
        target=target if target is not None else period,
        data={"period": period.pk, "title": period.title, **data},
    )


def _locked(period: SurveyPeriod) -> SurveyPeriod:
    return SurveyPeriod.objects.select_for_update().select_related("office").get(pk=period.pk)


def _require_state(period: SurveyPeriod, *states: str) -> None:
    if period.state not in states:
        messages = {
            PeriodState.DRAFT: _("The questionnaire can only be changed before the survey opens."),
            PeriodState.OPEN: _("This survey period is not open."),
            PeriodState.CLOSED: _("Close the survey period first."),
        }
        raise DomainError("wrong_state", messages[PeriodState(states[0])], status=409)


# --- Periods and their questionnaires ------------------------------------------------------


def _date(value: Any, name: str, errors: dict[str, str | Promise]) -> dt.date | None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        errors[name] = _("Enter a date.")
        return None
    if not 2000 <= value.year <= 2100:
        errors[name] = _("Enter a date between 2000 and 2100.")
        return None
    return value


@transaction.atomic
def create_period(
    office: Office,
    *,
    title: Any,
    starts_on: Any,
    ends_on: Any,
    copy_default: bool = True,
    acting_user: Any,
) -> SurveyPeriod:
    """A new survey period in draft, with the default questionnaire copied in (or none)."""
    errors: dict[str, str | Promise] = {}
    clean_title = clean_text(errors, "title", title, max_length=TITLE_MAX, required=True)
    first = _date(starts_on, "starts_on", errors)
    last = _date(ends_on, "ends_on", errors)
    if first and last and last < first:
        errors["ends_on"] = _("The last day is before the first.")
    elif first and last and (last - first).days > 731:
        errors["ends_on"] = _("A survey period lasts at most two years.")
    if errors:
        raise InvalidInput(errors)
    period = SurveyPeriod.objects.create(
        office=office,
        title=clean_title,
        starts_on=first,
        ends_on=last,
        public_id=secrets.token_urlsafe(18),
        created_by=acting_user,
        created_at=clock.now(),
    )
    if copy_default:
        for s_order, (code, title_ms, title_en, items) in enumerate(DEFAULT_QUESTIONNAIRE, 1):
            section = SurveySection.objects.create(
                period=period, code=code, order=s_order, title_ms=title_ms, title_en=title_en
            )
            SurveyItem.objects.bulk_create(
                SurveyItem(section=section, order=i_order, text_ms=ms, text_en=en)
                for i_order, (ms, en) in enumerate(items, 1)
            )
    _audit("created", period, acting_user)
    _publish(period, "created")
    return period


@transaction.atomic
def add_section(
    period: SurveyPeriod, *, title_ms: Any, title_en: Any, acting_user: Any
) -> SurveySection:
    period = _locked(period)
    _require_state(period, PeriodState.DRAFT)
    errors: dict[str, str | Promise] = {}
    ms = clean_text(errors, "title_ms", title_ms, max_length=TITLE_MAX, required=True)
    en = clean_text(errors, "title_en", title_en, max_length=TITLE_MAX, required=True)
    if errors:
        raise InvalidInput(errors)
    order = (period.sections.aggregate(m=Max("order"))["m"] or 0) + 1
    section = SurveySection.objects.create(
        period=period, code=f"s{order}", order=order, title_ms=ms, title_en=en
    )
    _audit("section_added", period, acting_user, target=section, section=ms)
    _publish(period, "questionnaire")
    return section


@transaction.atomic
def add_item(section: SurveySection, *, text_ms: Any, text_en: Any, acting_user: Any) -> SurveyItem:
    period = _locked(section.period)
    _require_state(period, PeriodState.DRAFT)
    errors: dict[str, str | Promise] = {}
    ms = clean_text(errors, "text_ms", text_ms, max_length=TEXT_MAX, required=True)
    en = clean_text(errors, "text_en", text_en, max_length=TEXT_MAX, required=True)
    if errors:
        raise InvalidInput(errors)
    order = (section.items.aggregate(m=Max("order"))["m"] or 0) + 1
    item = SurveyItem.objects.create(section=section, order=order, text_ms=ms, text_en=en)
    _audit("item_added", period, acting_user, target=item, section=section.title_ms)
    _publish(period, "questionnaire")
    return item


@transaction.atomic
def remove_item(item: SurveyItem, *, acting_user: Any) -> None:
    period = _locked(item.section.period)
    _require_state(period, PeriodState.DRAFT)
    text = item.text_ms
    item.delete()
    _audit("item_removed", period, acting_user, item=text[:100])
    _publish(period, "questionnaire")


@transaction.atomic
def remove_section(section: SurveySection, *, acting_user: Any) -> None:
    period = _locked(section.period)
    _require_state(period, PeriodState.DRAFT)
    title = section.title_ms
    section.delete()
    _audit("section_removed", period, acting_user, section=title[:100])
    _publish(period, "questionnaire")


@transaction.atomic
def set_population(
    period: SurveyPeriod, *, source: Any, number: Any = None, note: Any = "", acting_user: Any
) -> SurveyPeriod:
    """The sampling plan's population: the customers served in the period, counted by
    WeServe, or a number entered with where it comes from."""
    period = _locked(period)
    if period.state == PeriodState.CLOSED:
        raise DomainError(
            "wrong_state", _("The sampling plan of a closed period cannot be changed."), status=409
        )
    errors: dict[str, str | Promise] = {}
    if source not in PopulationSource.values:
        errors["source"] = _("Choose where the population comes from.")
    clean_note = clean_text(
        errors, "note", note, max_length=SOURCE_MAX, required=source == "entered"
    )
    population: int | None = None
    if source == PopulationSource.ENTERED:
        if isinstance(number, bool) or not isinstance(number, int):
            errors["number"] = _("Enter the population as a whole number.")
        elif not 1 <= number <= POPULATION_MAX:
            errors["number"] = _("The population must be between 1 and {most}.").format(
                most=f"{POPULATION_MAX:,}"
            )
        else:
            population = number
    if errors:
        raise InvalidInput(errors)
    period.population_source = source
    period.population_entered = population
    period.population_note = clean_note if source == PopulationSource.ENTERED else ""
    period.save(update_fields=["population_source", "population_entered", "population_note"])
    _audit("population_set", period, acting_user, source=source, population=population)
    _publish(period, "plan")
    return period


@transaction.atomic
def open_period(period: SurveyPeriod, *, acting_user: Any) -> SurveyPeriod:
    """Open the period for responses (its questionnaire is then fixed). An office has one
    open period at a time."""
    period = _locked(period)
    _require_state(period, PeriodState.DRAFT)
    if not SurveyItem.objects.filter(section__period=period).exists():
        raise DomainError(
            "empty_questionnaire", _("Add at least one statement before opening."), status=409
        )
    if SurveyPeriod.objects.filter(office_id=period.office_id, state=PeriodState.OPEN).exists():
        raise DomainError(
            "another_open",
            _("Another survey period of this office is open: close it first."),
            status=409,
        )
    period.state = PeriodState.OPEN
    period.opened_at = clock.now()
    try:
        with transaction.atomic():
            period.save(update_fields=["state", "opened_at"])
    except IntegrityError as exc:
        raise DomainError(
            "another_open",
            _("Another survey period of this office is open: close it first."),
            status=409,
        ) from exc
    _audit("opened", period, acting_user)
    _publish(period, "opened")
    return period


@transaction.atomic
def close_period(period: SurveyPeriod, *, acting_user: Any) -> SurveyPeriod:
    period = _locked(period)
    _require_state(period, PeriodState.OPEN)
    period.state = PeriodState.CLOSED
    period.closed_at = clock.now()
    period.save(update_fields=["state", "closed_at"])
    _audit("closed", period, acting_user)
    _publish(period, "closed")
    return period


# --- Responses -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseInput:
    """A filled questionnaire: `answers` maps each item's id to a score from 1 to 5; the
    demographics are codes of `AgeBand` and `CustomerCategory` and a service code."""

    answers: Any
    age_band: Any
    category: Any
    service: Any = ""
    serial: Any = ""


def _score(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit() and len(text) == 1):
            return None
        value = int(text)
    if not isinstance(value, int) or not LIKERT_MIN <= value <= LIKERT_MAX:
        return None
    return value


def clean_response(
    period: SurveyPeriod, given: ResponseInput, *, paper: bool
) -> tuple[dict[int, int], str, str, Service | None, str]:
    """The response as it will be saved, or `InvalidInput` naming every bad field (an
    item's field is `item-<id>`)."""
    errors: dict[str, str | Promise] = {}
    items = list(SurveyItem.objects.filter(section__period=period).values_list("pk", flat=True))
    raw = given.answers if isinstance(given.answers, Mapping) else {}
    if not isinstance(given.answers, Mapping):
        errors["answers"] = _("Answer every statement.")
    by_id: dict[int, Any] = {}
    for key, value in raw.items():
        try:
            by_id[int(str(key))] = value
        except ValueError:
            errors["answers"] = _("Answer only the statements of this survey.")
    unknown = set(by_id) - set(items)
    if unknown:
        errors["answers"] = _("Answer only the statements of this survey.")
    scores: dict[int, int] = {}
    for item_id in items:
        value = by_id.get(item_id)
        score = _score(value) if value not in (None, "") else None
        if value in (None, ""):
            errors[f"item-{item_id}"] = _("Choose an answer from 1 to 5.")
        elif score is None:
            errors[f"item-{item_id}"] = _("Choose an answer from 1 to 5.")
        else:
            scores[item_id] = score
    age = given.age_band
    if not isinstance(age, str) or age not in AgeBand.values:
        errors["age_band"] = _("Choose an age band from the list.")
        age = ""
    category = given.category
    if not isinstance(category, str) or category not in CustomerCategory.values:
        errors["category"] = _("Choose a category from the list.")
        category = ""
    service: Service | None = None
    code = given.service
    if code not in (None, ""):
        if not isinstance(code, str) or len(code) > 20 or not code.isprintable():
            errors["service"] = _("Choose a service of this office.")
        else:
            service = Service.objects.filter(code=code, offices=period.office_id).first()
            if service is None:
                errors["service"] = _("Choose a service of this office.")
    serial = ""
    if paper:
        serial = clean_text(
            errors, "serial", given.serial, max_length=SERIAL_MAX, required=True
        ).upper()
        if "serial" in errors:
            pass
        elif not all(c.isalnum() or c in "-/" for c in serial):
            errors["serial"] = _("Use letters, digits, - and / only.")
        elif period.responses.filter(serial=serial).exists():
            errors["serial"] = _("A form with this serial number is already keyed in.")
    if errors:
        raise InvalidInput(errors)
    return scores, age, category, service, serial


def already_received() -> DomainError:
    return DomainError(
        "already_received", _("This questionnaire has already been received."), status=409
    )


@transaction.atomic
def record_response(
    period: SurveyPeriod,
    given: ResponseInput,
    *,
    channel: str,
    device: Device | None = None,
    acting_user: Any = None,
    submission_key: str = "",
) -> SurveyResponse:
    """A filled questionnaire, from the office's tablet (`device`), the QR link, or a
    paper form keyed in by staff (`acting_user`, with its serial number). Only an open
    period takes responses. `submission_key` is the rendered form's one-time key: a
    second response with it is refused (409 `already_received`)."""
    if channel not in ResponseChannel.values:
        raise InvalidInput({"channel": _("Choose a channel from the list.")})
    paper = channel == ResponseChannel.PAPER
    if paper and not getattr(acting_user, "is_authenticated", False):
        raise DomainError("not_allowed", _("Staff key in paper forms."), status=403)
    if (channel == ResponseChannel.TABLET) != (device is not None):
        raise DomainError(
            "not_allowed", _("Only the office's tablet answers as a tablet."), status=403
        )
    period = SurveyPeriod.objects.select_for_update().select_related("office").get(pk=period.pk)
    _require_state(period, PeriodState.OPEN)
    key_hash = hashlib.sha256(submission_key.encode()).hexdigest() if submission_key else None
    if key_hash and SurveyResponse.objects.filter(submission_key=key_hash).exists():
        raise already_received()
    scores, age, category, service, serial = clean_response(period, given, paper=paper)
    response = SurveyResponse(
        period=period,
        channel=channel,
        serial=serial,
        age_band=age,
        category=category,
        service=service,
        device=device,
        entered_by=acting_user if paper else None,
        submission_key=key_hash,
        created_at=clock.now(),
    )
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError as exc:
        if key_hash and SurveyResponse.objects.filter(submission_key=key_hash).exists():
            raise already_received() from exc
        raise InvalidInput(
            {"serial": _("A form with this serial number is already keyed in.")}
        ) from exc
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(response=response, item_id=item_id, score=score)
        for item_id, score in scores.items()
    )
    log_action(
        "feedback.survey.response_received",
        user=acting_user if paper else None,
        actor="" if paper else str(ResponseChannel(channel).label),
        office=period.office,
        target=response,
        data={"period": period.pk, "title": period.title, "channel": channel, "serial": serial},
    )
    _publish(period, "response", channel=channel)
    return response


# --- The report to the head of department ---------------------------------------------------


@transaction.atomic
def submit_report(period: SurveyPeriod, *, note: Any = "", acting_user: Any) -> SurveyReport:
    """Submit a closed period's report to the head of department (JKMN), with the sample
    figures as they stand now. A period is reported once."""
    from weserve.feedback.survey_selectors import population_of

    period = _locked(period)
    _require_state(period, PeriodState.CLOSED)
    errors: dict[str, str | Promise] = {}
    clean_note = clean_text(errors, "note", note, max_length=NOTE_MAX, multiline=True)
    if errors:
        raise InvalidInput(errors)
    if SurveyReport.objects.filter(period=period).exists():
        raise DomainError(
            "already_submitted", _("This report has already been submitted."), status=409
        )
    population = population_of(period)
    report = SurveyReport(
        period=period,
        population=population,
        sample_target=krejcie_morgan(population) if population else 0,
        sample_achieved=period.responses.count(),
        note=clean_note,
        submitted_by=acting_user,
        submitted_at=clock.now(),
    )
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:
        raise DomainError(
            "already_submitted", _("This report has already been submitted."), status=409
        ) from exc
    _audit(
        "report_submitted",
        period,
        acting_user,
        target=report,
        achieved=report.sample_achieved,
        target_size=report.sample_target,
    )
    _publish(period, "report_submitted")
    _publish_report(report, "survey_report.submitted")
    return report


@transaction.atomic
def acknowledge_report(report: SurveyReport, *, acting_user: Any) -> SurveyReport:
    """The head of department acknowledges a submitted report (once)."""
    report = (
        SurveyReport.objects.select_for_update().select_related("period__office").get(pk=report.pk)
    )
    if report.state != ReportState.SUBMITTED:
        raise DomainError(
            "already_acknowledged", _("This report has already been acknowledged."), status=409
        )
    report.state = ReportState.ACKNOWLEDGED
    report.acknowledged_by = acting_user
    report.acknowledged_at = clock.now()
    report.save(update_fields=["state", "acknowledged_by", "acknowledged_at"])
    _audit("report_acknowledged", report.period, acting_user, target=report)
    _publish(report.period, "report_acknowledged")
    _publish_report(report, "survey_report.acknowledged")
    return report


@transaction.atomic
def record_follow_up(report: SurveyReport, *, action: Any, acting_user: Any) -> SurveyFollowUp:
    """A follow-up action the head records on a report (kept; never edited)."""
    report = (
        SurveyReport.objects.select_for_update().select_related("period__office").get(pk=report.pk)
    )
    errors: dict[str, str | Promise] = {}
    text = clean_text(errors, "action", action, max_length=NOTE_MAX, required=True, multiline=True)
    if errors:
        raise InvalidInput(errors)
    follow_up = SurveyFollowUp.objects.create(
        report=report, action=text, recorded_by=acting_user, recorded_at=clock.now()
    )
    _audit("follow_up_recorded", report.period, acting_user, target=follow_up)
    _publish(report.period, "follow_up")
    return follow_up
