"""Perception survey pages: the public questionnaire (QR link and the office's tablet:
no sign-in, honeypot, per-address limit, one response per double submit, choices kept on
a refusal), paper entry with its serial, the supervisor's period page, and the head of
department's queue (badge, acknowledge, follow-up). Scoping: another office's periods
and reports are 404, another role 403."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client, override_settings

from tests.factories import make_user
from tests.feedback.conftest import device_browser, make_tablet
from weserve.core.roles import Role
from weserve.feedback import survey_services as surveys
from weserve.feedback.survey_models import (
    PeriodState,
    ReportState,
    SurveyItem,
    SurveyPeriod,
    SurveyReport,
    SurveyResponse,
)


@pytest.fixture
def period(tree, users, clock):
    made = surveys.create_period(
        tree.pj,
        title="Tinjauan 2026",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        acting_user=users["penyelia"],
    )
    return surveys.open_period(made, acting_user=users["penyelia"])


def public(period) -> str:
    return f"/survey/{period.public_id}/"


def submission(client: Client, url: str) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="submission" value="([^"]+)"', page).group(1)


def filled(client: Client, period, url: str, score: str = "4", **changes) -> dict[str, str]:
    data = {
        f"item-{pk}": score
        for pk in SurveyItem.objects.filter(section__period=period).values_list("pk", flat=True)
    }
    return {
        "submission": submission(client, url),
        "age_band": "18_29",
        "category": "recipient",
        "service": "BKK",
        "website": "",
        **data,
        **changes,
    }


def test_the_questionnaire_is_public_in_malay_and_english(period):
    malay = Client().get(public(period))
    assert malay.status_code == 200
    page = malay.content.decode()
    assert "Tinjauan Persepsi Pelanggan" in page
    assert "Pejabat ini bersih" in page
    assert page.count('type="radio"') == 15 * 5
    english = Client().get(public(period) + "?lang=en").content.decode()
    assert "Customer Perception Survey" in english and "This office is clean" in english
    # No field asks who the customer is.
    for field in ('name="name"', 'name="mykad"', 'name="phone"', 'name="email"'):
        assert field not in page
    assert Client().get("/survey/not-a-real-id/").status_code == 404


def test_a_draft_period_is_not_public_and_a_closed_one_says_so(tree, users, period):
    draft = surveys.create_period(
        tree.pj,
        title="Draf",
        starts_on=dt.date(2027, 1, 1),
        ends_on=dt.date(2027, 12, 31),
        acting_user=users["penyelia"],
    )
    assert Client().get(public(draft)).status_code == 404
    surveys.close_period(period, acting_user=users["penyelia"])
    closed = Client().get(public(period))
    assert closed.status_code == 200 and 'data-testid="survey-closed"' in closed.content.decode()
    assert Client().post(public(period), {"age_band": "u18"}).status_code == 200
    assert not SurveyResponse.objects.exists()


def test_a_customer_answers_by_the_qr_link(period):
    client = Client()
    response = client.post(public(period) + "?lang=en", filled(client, period, public(period)))
    assert response.status_code == 302
    assert response["Location"].startswith(f"/survey/{period.public_id}/thanks/")
    saved = SurveyResponse.objects.get()
    assert (saved.channel, saved.category, saved.service.code) == ("qr", "recipient", "BKK")
    assert saved.answers.count() == 15
    thanks = client.get(response["Location"]).content.decode()
    assert "Thank you" in thanks and 'http-equiv="refresh"' not in thanks


def test_the_office_link_leads_the_tablet_to_the_open_period(tree, period):
    device, token = make_tablet(tree.pj, 2, "Tablet tinjauan")
    tablet = device_browser(token)
    start = tablet.get("/feedback/PKMD-PJ/survey/")
    assert start.status_code == 302 and start["Location"].startswith(public(period))
    response = tablet.post(public(period), filled(tablet, period, public(period)))
    assert response.status_code == 302
    saved = SurveyResponse.objects.get()
    assert (saved.channel, saved.device) == ("tablet", device)
    # The tablet's thank-you screen goes back to the questionnaire by itself.
    assert 'http-equiv="refresh"' in tablet.get(response["Location"]).content.decode()
    assert Client().get("/feedback/NOPE/survey/").status_code == 404


def test_the_office_link_says_when_no_survey_is_open(tree):
    page = Client().get("/feedback/PKMD-PJ/survey/")
    assert page.status_code == 200
    assert 'data-testid="survey-closed"' in page.content.decode()


def test_a_refused_response_keeps_every_choice_and_saves_nothing(period):
    client = Client()
    data = filled(client, period, public(period), age_band="")
    first = next(k for k in data if k.startswith("item-"))
    data[first] = "6"
    second = [k for k in data if k.startswith("item-")][1]
    data[second] = "2"
    response = client.post(public(period), data)
    assert response.status_code == 422
    page = response.content.decode()
    assert f'id="{first}-error"' in page
    assert f'name="{second}" value="2" class="peer sr-only" checked' in page
    assert 'value="BKK" selected' in page
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize("bad", ["0", "6", "tiga", "4" * 5000, ""])
def test_a_bad_likert_value_from_the_form_is_refused_clearly(period, bad):
    client = Client()
    data = filled(client, period, public(period))
    first = next(k for k in data if k.startswith("item-"))
    data[first] = bad
    response = client.post(public(period), data)
    assert response.status_code == 422
    assert "1 hingga 5" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_huge_demographics_are_refused(period):
    client = Client()
    data = filled(client, period, public(period), category="x" * 100_000)
    response = client.post(public(period), data)
    assert response.status_code == 422
    assert not SurveyResponse.objects.exists()


def test_a_nul_character_is_refused_before_the_view(period):
    """core's request guard answers a NUL anywhere in a form with 400 and a message."""
    client = Client()
    data = filled(client, period, public(period), service="B\x00KK")
    response = client.post(public(period), data)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_the_honeypot_refuses_a_program(period):
    client = Client()
    response = client.post(public(period), filled(client, period, public(period), website="spam"))
    assert response.status_code == 400
    assert not SurveyResponse.objects.exists()


def test_a_double_submit_is_one_response(period):
    client = Client()
    data = filled(client, period, public(period))
    assert client.post(public(period), data).status_code == 302
    assert client.post(public(period), data).status_code == 302
    assert SurveyResponse.objects.count() == 1


@override_settings(FEEDBACK_RATE_LIMITS={"survey": 2})
def test_the_qr_link_is_limited_per_address(period):
    client = Client()
    for _i in range(2):
        assert (
            client.post(public(period), filled(client, period, public(period))).status_code == 302
        )
    refused = client.post(public(period), filled(client, period, public(period)))
    assert refused.status_code == 429
    assert SurveyResponse.objects.count() == 2


def test_staff_key_in_a_paper_form_once_per_serial(period, client_for):
    url = f"/feedback/PKMD-PJ/surveys/{period.pk}/paper/"
    client = client_for("petugas")
    response = client.post(url, filled(client, period, url, serial="PJ-0042"))
    assert response.status_code == 302 and "saved=PJ-0042" in response["Location"]
    assert "PJ-0042" in client.get(response["Location"]).content.decode()
    again = client.post(url, filled(client, period, url, serial="pj-0042"))
    assert again.status_code == 422
    assert 'data-testid="survey-serial-error"' in again.content.decode()
    assert SurveyResponse.objects.filter(channel="paper").count() == 1
    missing = client.post(url, filled(client, period, url, serial=""))
    assert missing.status_code == 422
    assert SurveyResponse.objects.count() == 1


def test_the_supervisor_builds_opens_and_closes_a_period_through_the_pages(
    tree, users, clock, client_for
):
    client = client_for("penyelia")
    assert client.get("/feedback/surveys/")["Location"] == "/feedback/PKMD-PJ/surveys/"
    bad = client.post(
        "/feedback/PKMD-PJ/surveys/new/",
        {
            "title": "Tinjauan",
            "starts_on": "2026-12-31",
            "ends_on": "2026-01-01",
            "copy_default": "on",
        },
    )
    assert bad.status_code == 422 and not SurveyPeriod.objects.exists()
    made = client.post(
        "/feedback/PKMD-PJ/surveys/new/",
        {
            "title": "Tinjauan",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
            "copy_default": "on",
        },
    )
    period = SurveyPeriod.objects.get()
    base = f"/feedback/PKMD-PJ/surveys/{period.pk}/"
    assert made["Location"] == base
    assert (
        client.post(
            base + "population/", {"source": "entered", "number": "abc", "note": "x"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            base + "population/", {"source": "entered", "number": "1,500", "note": "Rekod 2025"}
        ).status_code
        == 302
    )
    page = client.get(base).content.decode()
    assert 'data-testid="survey-target">306<' in page  # Krejcie & Morgan: 1500 -> 306
    assert client.post(base + "open/").status_code == 302
    period.refresh_from_db()
    assert period.state == PeriodState.OPEN
    assert "<svg" in client.get(base).content.decode()  # the QR code of the link
    assert client.post(base + "add_section/", {"title_ms": "A", "title_en": "A"}).status_code == 409
    assert client.post(base + "close/").status_code == 302
    assert client.post(base + "submit/", {"note": "Untuk tindakan."}).status_code == 302
    assert SurveyReport.objects.get().note == "Untuk tindakan."
    assert client.post(base + "nonsense/").status_code == 404


def test_the_head_acknowledges_and_records_follow_up_in_their_queue(
    tree, users, period, client_for
):
    surveys.close_period(period, acting_user=users["penyelia"])
    report = surveys.submit_report(period, acting_user=users["penyelia"])
    head = client_for("ketua")
    home = head.get("/").content.decode()
    assert 'data-testid="survey-report-badge" data-count="1"' in home
    inbox = head.get("/feedback/survey-reports/").content.decode()
    assert "Tinjauan 2026" in inbox
    file = f"/feedback/survey-reports/{report.pk}/"
    assert head.get(file).status_code == 200
    assert head.post(file + "acknowledge/").status_code == 302
    report.refresh_from_db()
    assert report.state == ReportState.ACKNOWLEDGED
    assert head.post(file + "acknowledge/").status_code == 409
    refused = head.post(file + "follow_up/", {"action": "x" * 3000})
    assert refused.status_code == 422 and "x" * 100 in refused.content.decode()
    assert head.post(file + "follow_up/", {"action": "Tambah kerusi."}).status_code == 302
    assert 'data-count="0"' in head.get("/").content.decode()
    # The supervisor sees the head's follow-up on the period's page.
    page = client_for("penyelia").get(f"/feedback/PKMD-PJ/surveys/{period.pk}/").content.decode()
    assert "Tambah kerusi." in page


def test_another_office_and_another_role_are_refused(tree, users, period, client_for):
    base = f"/feedback/PKMD-PJ/surveys/{period.pk}/"
    jb = client_for("jb_penyelia")
    for url in (base, base + "report/", base + "paper/", "/feedback/PKMD-PJ/surveys/"):
        assert jb.get(url).status_code == 404, url
    # PKMD-JB's supervisor naming PKMD-PJ's period under their own office: still 404.
    assert jb.get(f"/feedback/PKMD-JB/surveys/{period.pk}/").status_code == 404
    petugas = client_for("petugas")
    assert petugas.get(base).status_code == 403
    assert petugas.get(base + "report/").status_code == 403
    assert petugas.get(base + "paper/").status_code == 200
    assert client_for("telefonis").get(base + "paper/").status_code == 403
    surveys.close_period(period, acting_user=users["penyelia"])
    report = surveys.submit_report(period, acting_user=users["penyelia"])
    johor_head = make_user("ketua.jhr", tree.jhr, Role.HEAD)
    other = Client()
    other.force_login(johor_head)
    assert other.get(f"/feedback/survey-reports/{report.pk}/").status_code == 404
    assert other.post(f"/feedback/survey-reports/{report.pk}/acknowledge/").status_code == 404
    assert "Tinjauan 2026" not in other.get("/feedback/survey-reports/").content.decode()
    assert client_for("penyelia").get(f"/feedback/survey-reports/{report.pk}/").status_code == 403
    assert client_for("penyelia").get("/feedback/survey-reports/").status_code == 403
