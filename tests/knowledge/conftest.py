"""Shelf fixtures: a controlled clock, and articles of HQ, PKMD-PJ and PKMD-JB, approved
through the shelf's own service (and one PKMD-PJ draft)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine

from weserve.core.clock import MALAYSIA
from weserve.knowledge import services
from weserve.knowledge.models import Article, ArticleSection, Kind

# A Wednesday morning, 10:00 in Petaling Jaya.
MORNING = dt.datetime(2026, 11, 25, 10, 0, tzinfo=MALAYSIA)
NEXT_YEAR = dt.date(2027, 11, 25)


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


def write(office, owner, title_ms, *, title_en="", body_ms="Teks", body_en="", kind=Kind.PKW):
    article = Article.objects.create(
        office=office, kind=kind, title_ms=title_ms, title_en=title_en, owner=owner
    )
    ArticleSection.objects.create(
        article=article,
        order=1,
        heading_ms="Syarat",
        heading_en="Eligibility",
        body_ms=body_ms,
        body_en=body_en,
    )
    return article


def approve(article, user, *, note="Versi pertama.", review_due=NEXT_YEAR):
    return services.approve_article(
        article, acting_user=user, what_changed_ms=note, review_due=review_due
    )


@dataclass
class Shelf:
    national: Article  # HQ's, approved
    pj_only: Article  # PKMD-PJ's, approved
    pj_draft: Article  # PKMD-PJ's, never approved
    jb_only: Article  # PKMD-JB's, approved


@pytest.fixture
def shelf(tree, users, clock) -> Shelf:
    hq_admin, pj_admin = users["hq_admin"], users["admin"]
    national = approve(
        write(
            tree.hq,
            hq_admin,
            "PKW: Bantuan Warga Emas",
            title_en="PKW: Older Persons' Assistance",
            body_ms="Bawa sijil kelahiran dan penyata bank.",
            body_en="Bring the birth certificate and a bank statement.",
        ),
        hq_admin,
    )
    pj_only = approve(
        write(tree.pj, pj_admin, "Prosedur kaunter PJ", body_ms="Giliran kaunter keutamaan."),
        pj_admin,
    )
    pj_draft = write(tree.pj, pj_admin, "Draf notis baharu", body_ms="Belum disemak.")
    jb_only = approve(
        write(tree.jb, hq_admin, "Prosedur kaunter JB", body_ms="Giliran kaunter JB."), hq_admin
    )
    return Shelf(national=national, pj_only=pj_only, pj_draft=pj_draft, jb_only=jb_only)
