"""The shelf's demo data loads with every app's, and loads again without doubling: a PKW
article for each demo service (eligibility, documents, forms, processing time) in Malay
and English, approved; agencies, emergency contacts, and each district's charter."""

from __future__ import annotations

import pytest

from weserve.knowledge.demo import HEADINGS
from weserve.knowledge.models import Agency, Article, EmergencyContact, Kind
from weserve.organisation.demo import SERVICES, load_demo
from weserve.queueing.models import ClientCharter

pytestmark = pytest.mark.django_db


def test_each_demo_service_has_an_approved_bilingual_pkw_article_once():
    load_demo()
    load_demo()
    pkw = Article.objects.filter(kind=Kind.PKW).select_related("service")
    assert sorted(a.service.code for a in pkw) == sorted(s.code for s in SERVICES)
    for article in pkw:
        assert article.status == "approved" and article.version == 1 and article.title_en
        sections = list(article.sections.all())
        assert [(s.heading_ms, s.heading_en) for s in sections] == list(HEADINGS)
        assert all(s.body_ms and s.body_en and s.body_ms != s.body_en for s in sections)
    assert Article.objects.filter(kind=Kind.CORPORATE, status="approved").count() == 1
    assert Agency.objects.count() == 5
    assert set(EmergencyContact.objects.values_list("phone", flat=True)) >= {"999", "994", "15999"}
    assert ClientCharter.objects.filter(office__code="PKMD-PJ").exists()
