"""The register's demo data loads with every app's, and loads again without doubling."""

from __future__ import annotations

import pytest

from weserve.organisation.demo import load_demo
from weserve.register.demo import FORMS
from weserve.register.models import JkmForm

pytestmark = pytest.mark.django_db


def test_every_district_office_stocks_the_demo_forms_once():
    load_demo()
    load_demo()
    pj = JkmForm.objects.filter(office__code="PKMD-PJ")
    assert sorted(pj.values_list("code", flat=True)) == sorted(code for code, _t, _l in FORMS)
    assert not JkmForm.objects.filter(office__kind="hq").exists()
