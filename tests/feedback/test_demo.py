"""The feedback demo data: last year's perception survey, whose report shows figures."""

from __future__ import annotations

import pytest
from django.test import Client

from weserve.core import clock
from weserve.core.models import User
from weserve.feedback.survey_models import SurveyPeriod, SurveyResponse
from weserve.organisation.demo import load_demo

pytestmark = pytest.mark.django_db


def test_demo_has_last_years_survey_closed_with_responses_once():
    load_demo()
    load_demo()
    period = SurveyPeriod.objects.get(office__code="PKMD-PJ")
    assert period.state == "closed"
    assert period.starts_on.year == period.ends_on.year == clock.business_day().year - 1
    assert SurveyResponse.objects.filter(period=period).count() == 40
    client = Client()
    client.force_login(User.objects.get(username="penyelia"))
    page = client.get(f"/feedback/PKMD-PJ/surveys/{period.pk}/report/")
    assert page.status_code == 200
    text = page.content.decode()
    # A population of 1,200 needs 291 by Krejcie & Morgan; 40 are in.
    assert 'data-testid="report-target">291<' in text
    assert 'data-testid="report-achieved">40<' in text
    assert "<svg" in text
