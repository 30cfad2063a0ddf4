"""The perception survey's services (PY-6.2, PT-4.2): periods and their questionnaires,
the sampling plan, responses from every channel, and the report to the head of
department. Each refusal is checked to leave nothing half-saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from tests.feedback.conftest import make_tablet
from weserve.core.errors import DomainError
from weserve.core.models import AuditLog
from weserve.feedback import survey_services as surveys
from weserve.feedback.services import InvalidInput
from weserve.feedback.survey_models import (
    PeriodState,
    ReportState,
    SurveyAnswer,
    SurveyFollowUp,
    SurveyItem,
    SurveyPeriod,
    SurveyReport,
    SurveyResponse,
    SurveySection,
)

YEAR_START = dt.date(2026, 1, 1)
YEAR_END = dt.date(2026, 12, 31)


def new_period(office, user, **kwargs):
    return surveys.create_period(
        office,
        title=kwargs.pop("title", "Tinjauan 2026"),
        starts_on=kwargs.pop("starts_on", YEAR_START),
        ends_on=kwargs.pop("ends_on", YEAR_END),
        acting_user=user,
        **kwargs,
    )


def open_period(office, user, **kwargs):
    period = new_period(office, user, **kwargs)
    return surveys.open_period(period, acting_user=user)


def all_answers(period, score=4):
    return {
        item: score
        for item in SurveyItem.objects.filter(section__period=period).values_list("pk", flat=True)
    }


def answer(period, score=4, **changes):
    given = {"answers": all_answers(period, score), "age_band": "30_39", "category": "public"}
    given.update(changes)
    return surveys.ResponseInput(**given)


def counts():
    return (SurveyResponse.objects.count(), SurveyAnswer.objects.count())


# --- Periods and questionnaires ---------------------------------------------------------------


def test_a_new_period_copies_the_default_questionnaire_in_both_languages(tree, users):
    period = new_period(tree.pj, users["penyelia"])
    assert period.state == PeriodState.DRAFT
    sections = list(period.sections.order_by("order"))
    assert [s.code for s in sections] == [
        "tangibles",
        "reliability",
        "responsiveness",
        "assurance",
        "empathy",
    ]
    assert sections[0].title_ms.startswith("Ketaraan") and sections[0].title_en.startswith(
        "Tangibles"
    )
    items = SurveyItem.objects.filter(section__period=period)
    assert items.count() == 15
    assert all(i.text_ms and i.text_en for i in items)
    assert len(period.public_id) >= 20
    assert AuditLog.objects.filter(action="feedback.survey.created", office_id=tree.pj.pk).exists()


def test_a_period_may_start_empty_and_be_built_section_by_section(tree, users):
    user = users["penyelia"]
    period = new_period(tree.pj, user, copy_default=False)
    assert not period.sections.exists()
    with pytest.raises(DomainError) as refused:
        surveys.open_period(period, acting_user=user)
    assert refused.value.code == "empty_questionnaire"
    section = surveys.add_section(
        period, title_ms="Kemudahan", title_en="Facilities", acting_user=user
    )
    surveys.add_item(
        section, text_ms="Tempat duduk cukup.", text_en="Enough seats.", acting_user=user
    )
    second = surveys.add_item(
        section, text_ms="Tandas bersih.", text_en="Clean toilets.", acting_user=user
    )
    assert (section.order, second.order) == (1, 2)
    surveys.remove_item(second, acting_user=user)
    assert SurveyItem.objects.filter(section=section).count() == 1
    surveys.open_period(period, acting_user=user)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "Tinjauan\x00"}, "title"),
        ({"starts_on": "2026-01-01"}, "starts_on"),
        ({"starts_on": dt.date(1, 1, 1)}, "starts_on"),
        ({"ends_on": dt.date(9999, 12, 31)}, "ends_on"),
        ({"ends_on": dt.date(2025, 12, 31)}, "ends_on"),
        ({"ends_on": dt.date(2029, 1, 1)}, "ends_on"),
    ],
)
def test_a_period_with_bad_fields_is_refused_and_nothing_saved(tree, users, changes, field):
    with pytest.raises(InvalidInput) as refused:
        new_period(tree.pj, users["penyelia"], **changes)
    assert field in refused.value.fields
    assert not SurveyPeriod.objects.exists()
    assert not SurveySection.objects.exists()


def test_the_questionnaire_is_fixed_once_the_period_opens(tree, users):
    user = users["penyelia"]
    period = open_period(tree.pj, user)
    section = period.sections.first()
    item = SurveyItem.objects.filter(section=section).first()
    for change in (
        lambda: surveys.add_section(period, title_ms="A", title_en="A", acting_user=user),
        lambda: surveys.add_item(section, text_ms="A", text_en="A", acting_user=user),
        lambda: surveys.remove_item(item, acting_user=user),
        lambda: surveys.remove_section(section, acting_user=user),
    ):
        with pytest.raises(DomainError) as refused:
            change()
        assert refused.value.code == "wrong_state"
    assert SurveyItem.objects.filter(section__period=period).count() == 15


def test_an_office_has_one_open_period_at_a_time(tree, users):
    user = users["penyelia"]
    open_period(tree.pj, user)
    second = new_period(tree.pj, user, title="Tinjauan kedua")
    with pytest.raises(DomainError) as refused:
        surveys.open_period(second, acting_user=user)
    assert refused.value.code == "another_open"
    # The database says so too, whatever the service checks.
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyPeriod.objects.filter(pk=second.pk).update(state=PeriodState.OPEN)
    # Another office opens its own.
    open_period(tree.jb, users["jb_penyelia"])


def test_open_and_close_are_audited_and_in_order(tree, users):
    user = users["penyelia"]
    period = open_period(tree.pj, user)
    assert period.opened_at is not None
    with pytest.raises(DomainError):
        surveys.open_period(period, acting_user=user)
    surveys.close_period(period, acting_user=user)
    with pytest.raises(DomainError):
        surveys.close_period(period, acting_user=user)
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"feedback.survey.opened", "feedback.survey.closed"} <= actions


# --- The sampling plan --------------------------------------------------------------------------


def test_a_population_entered_needs_a_whole_number_and_its_source(tree, users):
    user = users["penyelia"]
    period = new_period(tree.pj, user)
    surveys.set_population(
        period, source="entered", number=1500, note="Laporan tahunan 2025", acting_user=user
    )
    period.refresh_from_db()
    assert (period.population_entered, period.population_note) == (1500, "Laporan tahunan 2025")
    for number, note in (
        (0, "x"),
        (-5, "x"),
        ("1500", "x"),
        (True, "x"),
        (1.5, "x"),
        (10**9, "x"),
        (10, ""),
    ):
        with pytest.raises(InvalidInput):
            surveys.set_population(
                period, source="entered", number=number, note=note, acting_user=user
            )
    period.refresh_from_db()
    assert period.population_entered == 1500
    with pytest.raises(InvalidInput):
        surveys.set_population(period, source="guess", acting_user=user)
    surveys.set_population(period, source="served", acting_user=user)
    period.refresh_from_db()
    assert (period.population_entered, period.population_note) == (None, "")


# --- Responses ------------------------------------------------------------------------------------


def test_a_qr_response_saves_every_answer_and_identifies_no_one(tree, users):
    period = open_period(tree.pj, users["penyelia"])
    response = surveys.record_response(period, answer(period, 5, service="BKK"), channel="qr")
    assert response.answers.count() == 15
    assert response.service.code == "BKK"
    assert (response.device, response.entered_by, response.serial) == (None, None, "")
    entry = AuditLog.objects.get(action="feedback.survey.response_received")
    assert entry.user is None and entry.data["channel"] == "qr"


def test_a_tablet_response_names_the_tablet(tree, users):
    period = open_period(tree.pj, users["penyelia"])
    device, _token = make_tablet(tree.pj, 2, "Tablet tinjauan")
    response = surveys.record_response(period, answer(period), channel="tablet", device=device)
    assert response.device == device
    with pytest.raises(DomainError):
        surveys.record_response(period, answer(period), channel="tablet")


@pytest.mark.parametrize(
    "bad",
    [0, 6, -1, "tiga", "3.0", " ", True, 3.5, None, "\x00", "4" * 10_000, [4], {"a": 1}],
)
def test_a_likert_value_outside_1_to_5_refuses_the_whole_response(tree, users, bad):
    period = open_period(tree.pj, users["penyelia"])
    answers = all_answers(period)
    first = next(iter(answers))
    answers[first] = bad
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        surveys.record_response(period, answer(period, answers=answers), channel="qr")
    assert f"item-{first}" in refused.value.fields
    assert counts() == before


def test_a_digit_string_from_a_form_is_accepted(tree, users):
    period = open_period(tree.pj, users["penyelia"])
    answers = {str(k): "2" for k in all_answers(period)}
    response = surveys.record_response(period, answer(period, answers=answers), channel="qr")
    assert set(response.answers.values_list("score", flat=True)) == {2}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"age_band": "forty"}, "age_band"),
        ({"age_band": ""}, "age_band"),
        ({"category": "x" * 100_000}, "category"),
        ({"category": None}, "category"),
        ({"service": "NOPE"}, "service"),
        ({"service": "B\x00KK"}, "service"),
        ({"answers": "all fives"}, "answers"),
        ({"answers": {}}, None),
    ],
)
def test_bad_demographics_or_answers_refuse_the_whole_response(tree, users, changes, field):
    period = open_period(tree.pj, users["penyelia"])
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        surveys.record_response(period, answer(period, **changes), channel="qr")
    if field:
        assert field in refused.value.fields
    else:  # every statement unanswered
        assert len([f for f in refused.value.fields if f.startswith("item-")]) == 15
    assert counts() == before


def test_an_answer_to_another_periods_statement_is_refused(tree, users):
    period = open_period(tree.pj, users["penyelia"])
    other = new_period(tree.jb, users["jb_penyelia"])
    stranger = SurveyItem.objects.filter(section__period=other).first()
    answers = all_answers(period) | {stranger.pk: 4}
    with pytest.raises(InvalidInput) as refused:
        surveys.record_response(period, answer(period, answers=answers), channel="qr")
    assert "answers" in refused.value.fields
    assert counts() == (0, 0)


def test_a_service_of_another_office_is_refused(tree, users):
    from weserve.organisation.models import Service

    only_jb = Service.objects.create(
        code="JBONLY", prefix="J", name_ms="Khas JB", name_en="JB only"
    )
    only_jb.offices.add(tree.jb)
    period = open_period(tree.pj, users["penyelia"])
    with pytest.raises(InvalidInput) as refused:
        surveys.record_response(period, answer(period, service="JBONLY"), channel="qr")
    assert "service" in refused.value.fields


def test_one_response_per_paper_serial_per_period(tree, users):
    user = users["petugas"]
    period = open_period(tree.pj, users["penyelia"])
    first = surveys.record_response(
        period, answer(period, serial="a-0001"), channel="paper", acting_user=user
    )
    assert (first.serial, first.entered_by) == ("A-0001", user)
    before = counts()
    for serial in ("A-0001", " a-0001 "):
        with pytest.raises(InvalidInput) as refused:
            surveys.record_response(
                period, answer(period, serial=serial), channel="paper", acting_user=user
            )
        assert "serial" in refused.value.fields
    assert counts() == before
    # The database stands behind the check.
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(
            period=period,
            channel="paper",
            serial="A-0001",
            age_band="none",
            category="other",
            entered_by=user,
            created_at=first.created_at,
        )
    # The same serial in another period is another form.
    surveys.close_period(period, acting_user=users["penyelia"])
    later = open_period(
        tree.pj,
        users["penyelia"],
        title="Tinjauan 2027",
        starts_on=dt.date(2027, 1, 1),
        ends_on=dt.date(2027, 12, 31),
    )
    surveys.record_response(
        later, answer(later, serial="A-0001"), channel="paper", acting_user=user
    )


@pytest.mark.parametrize("serial", ["", "   ", "A" * 31, "A\x001", "A 1", "<b>"])
def test_a_paper_form_needs_a_plain_serial(tree, users, serial):
    period = open_period(tree.pj, users["penyelia"])
    with pytest.raises(InvalidInput) as refused:
        surveys.record_response(
            period, answer(period, serial=serial), channel="paper", acting_user=users["petugas"]
        )
    assert "serial" in refused.value.fields
    assert counts() == (0, 0)


def test_paper_needs_a_staff_member_and_other_channels_are_refused(tree, users):
    period = open_period(tree.pj, users["penyelia"])
    with pytest.raises(DomainError) as refused:
        surveys.record_response(period, answer(period, serial="1"), channel="paper")
    assert refused.value.status == 403
    with pytest.raises(InvalidInput):
        surveys.record_response(period, answer(period), channel="email")
    assert counts() == (0, 0)


def test_only_an_open_period_takes_responses(tree, users):
    user = users["penyelia"]
    period = new_period(tree.pj, user)
    with pytest.raises(DomainError) as refused:
        surveys.record_response(period, answer(period), channel="qr")
    assert refused.value.code == "wrong_state"
    surveys.open_period(period, acting_user=user)
    surveys.close_period(period, acting_user=user)
    with pytest.raises(DomainError):
        surveys.record_response(period, answer(period), channel="qr")
    assert counts() == (0, 0)


def test_a_form_sent_twice_is_one_response(tree, users):
    period = open_period(tree.pj, users["penyelia"])
    surveys.record_response(period, answer(period), channel="qr", submission_key="k1")
    with pytest.raises(DomainError) as refused:
        surveys.record_response(period, answer(period), channel="qr", submission_key="k1")
    assert refused.value.code == "already_received"
    assert SurveyResponse.objects.count() == 1


# --- The report to the head of department ---------------------------------------------------------


def test_a_closed_period_is_submitted_once_acknowledged_once_and_followed_up(tree, users):
    user, head = users["penyelia"], users["ketua"]
    period = open_period(tree.pj, user)
    surveys.set_population(period, source="entered", number=10, note="Daftar", acting_user=user)
    for _i in range(3):
        surveys.record_response(period, answer(period), channel="qr")
    with pytest.raises(DomainError) as refused:
        surveys.submit_report(period, acting_user=user)
    assert refused.value.code == "wrong_state"
    surveys.close_period(period, acting_user=user)
    report = surveys.submit_report(period, note="Untuk makluman.", acting_user=user)
    assert (report.population, report.sample_target, report.sample_achieved) == (10, 10, 3)
    assert report.state == ReportState.SUBMITTED
    with pytest.raises(DomainError) as refused:
        surveys.submit_report(period, acting_user=user)
    assert refused.value.code == "already_submitted"
    surveys.acknowledge_report(report, acting_user=head)
    report.refresh_from_db()
    assert report.state == ReportState.ACKNOWLEDGED and report.acknowledged_by == head
    with pytest.raises(DomainError):
        surveys.acknowledge_report(report, acting_user=head)
    surveys.record_follow_up(report, action="Tambah kerusi menunggu.", acting_user=head)
    for bad in ("", "   ", "x" * 2001, "ok\x00", None, 5):
        with pytest.raises(InvalidInput):
            surveys.record_follow_up(report, action=bad, acting_user=head)
    assert SurveyFollowUp.objects.filter(report=report).count() == 1
    actions = list(
        AuditLog.objects.filter(action__startswith="feedback.survey.report").values_list(
            "action", flat=True
        )
    ) + list(
        AuditLog.objects.filter(action="feedback.survey.follow_up_recorded").values_list(
            "action", flat=True
        )
    )
    assert actions.count("feedback.survey.report_submitted") == 1
    assert actions.count("feedback.survey.report_acknowledged") == 1
    assert actions.count("feedback.survey.follow_up_recorded") == 1
    assert SurveyReport.objects.count() == 1


def test_a_covering_note_that_is_too_long_submits_nothing(tree, users):
    user = users["penyelia"]
    period = open_period(tree.pj, user)
    surveys.close_period(period, acting_user=user)
    with pytest.raises(InvalidInput):
        surveys.submit_report(period, note="x" * 2001, acting_user=user)
    assert not SurveyReport.objects.exists()
