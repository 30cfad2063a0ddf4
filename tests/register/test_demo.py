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


def test_the_demo_officer_pegawai1_can_be_found_and_referred_to_at_pkmd_pj():
    from weserve.organisation.models import Office
    from weserve.register.selectors import referable_officers

    load_demo()
    pj = Office.objects.get(code="PKMD-PJ")
    found = [s.user.username for s in referable_officers(pj, "Warga Emas") if s.user]
    assert "pegawai1" in found
    assert "petugas1" not in [s.user.username for s in referable_officers(pj) if s.user]
