"""The feedback reports (PY-6.1, PY-6.3, PT-4.1, PT-4.3), their figures checked by hand on
a small data set: the Customer Satisfaction Analysis Report and the Customer Feedback
Report (SMP16), as pages, PDFs and XLSX workbooks; scoping (another office 404, a wrong
role 403, a head sees the offices below, per office and combined); bad periods 422."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from tests.factories import make_user
from tests.feedback.conftest import serve
from tests.feedback.test_complaints import THURSDAY, online
from weserve.core.clock import MALAYSIA
from weserve.core.models import AuditLog
from weserve.core.roles import Role
from weserve.feedback import complaint_services as complaints
from weserve.feedback import report_selectors as figures
from weserve.feedback import satisfaction_services as forms
from weserve.feedback.box_services import record_remark
from weserve.feedback.services import RatingInput, rate_by_ticket

NOVEMBER = "?start=2026-11-01&end=2026-11-30"
JULY = "?start=2026-07-01&end=2026-07-31"


@pytest.fixture
def rated(tree, users, clock):
    """Four ratings: PJ counter 1 (petugas1) 5 and 4, PJ counter 2 (petugas2) 2, Klang 1;
    and one paper form at PJ with every item 4."""
    petugas2 = make_user("petugas2", tree.pj, Role.COUNTER_STAFF, name="Petugas Dua")
    klang_clerk = make_user("petugas.klang", tree.klang, Role.COUNTER_STAFF)
    bkk, oku = tree.services["BKK"], tree.services["OKU"]
    first = serve(tree.pj, bkk, users["petugas"])
    rate_by_ticket(
        first.public_id, RatingInput(score=5, reasons=["courtesy"], comment="Mesra sangat")
    )
    second = serve(tree.pj, oku, users["petugas"])
    rate_by_ticket(second.public_id, RatingInput(score=4))
    third = serve(tree.pj, bkk, petugas2, counter_number=2)
    rate_by_ticket(
        third.public_id,
        RatingInput(score=2, reasons=["waiting_time"], comment="Lama menunggu, terlalu lama"),
    )
    fourth = serve(tree.klang, bkk, klang_clerk)
    rate_by_ticket(fourth.public_id, RatingInput(score=1))
    forms.file_paper_form(
        tree.pj,
        forms.FormInput(answers={i.code: 4 for i in forms.items_for(tree.pj)}, serial="B-1"),
        acting_user=users["petugas"],
    )
    return {"petugas2": petugas2}


def test_satisfaction_figures_by_hand(tree, users, rated):
    period = figures.Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    data = figures.satisfaction([tree.pj], period)
    summary = data["summary"]
    assert summary["count"] == 3
    assert summary["mean"] == pytest.approx(11 / 3)
    assert summary["satisfied_share"] == pytest.approx(200 / 3)
    assert summary["distribution"] == [0, 1, 0, 1, 1]
    counters = {r["counter__number"]: (r["count"], r["mean"]) for r in data["by_counter"]}
    assert counters == {1: (2, 4.5), 2: (1, 2.0)}
    staff = {r["name"]: (r["count"], r["mean"]) for r in data["by_staff"]}
    assert staff == {"Petugas1": (2, 4.5), "Petugas Dua": (1, 2.0)}
    services = {r["ticket__service__code"]: (r["count"], r["mean"]) for r in data["by_service"]}
    assert services == {"BKK": (2, 3.5), "OKU": (1, 4.0)}
    assert [(r["bucket"], r["count"]) for r in data["trend"]] == [(dt.date(2026, 11, 25), 3)]
    assert {r["reason"]: r["count"] for r in data["reasons"]} == {"courtesy": 1, "waiting_time": 1}
    words = dict(data["words"])
    assert words["lama"] == 2 and words["mesra"] == 1 and "sangat" not in words
    assert data["forms"] == {"count": 1, "tablet": 0, "paper": 1}
    assert [(r["item__code"], r["count"], r["mean"]) for r in data["items"]][0] == (
        "waiting_time",
        1,
        4.0,
    )
    # Outside the period: nothing.
    empty = figures.satisfaction(
        [tree.pj], figures.Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    )
    assert empty["summary"]["count"] == 0 and empty["summary"]["mean"] is None


def test_a_head_sees_every_office_below_per_office_and_combined(tree, users, rated, client_for):
    head = client_for("ketua")
    page = head.get("/feedback/JKMN-SGR/reports/satisfaction/" + NOVEMBER)
    assert page.status_code == 200
    context = page.context
    assert [o.code for o in context["offices"]] == ["JKMN-SGR", "PKMD-KLANG", "PKMD-PJ"]
    assert context["data"]["summary"]["count"] == 4
    assert context["data"]["summary"]["mean"] == pytest.approx(3.0)
    per_office = {r["office__code"]: r["count"] for r in context["data"]["by_office"]}
    assert per_office == {"PKMD-KLANG": 1, "PKMD-PJ": 3}
    assert 'data-testid="report-by-office"' in page.content.decode()
    # The head also reads one office below alone, but not another state's.
    assert (
        head.get("/feedback/PKMD-PJ/reports/satisfaction/" + NOVEMBER).context["data"]["summary"][
            "count"
        ]
        == 3
    )
    assert head.get("/feedback/PKMD-JB/reports/satisfaction/").status_code == 404
    # A supervisor's report of their office covers it alone.
    own = client_for("penyelia").get("/feedback/PKMD-PJ/reports/satisfaction/" + NOVEMBER)
    assert [o.code for o in own.context["offices"]] == ["PKMD-PJ"]
    assert client_for("penyelia").get("/feedback/JKMN-SGR/reports/satisfaction/").status_code == 404
    assert client_for("petugas").get("/feedback/PKMD-PJ/reports/satisfaction/").status_code == 403


def test_the_satisfaction_pdf_and_workbook(tree, users, rated, client_for):
    supervisor = client_for("penyelia")
    pdf = supervisor.get("/feedback/PKMD-PJ/reports/satisfaction/pdf/" + NOVEMBER)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    xlsx = supervisor.get("/feedback/PKMD-PJ/reports/satisfaction/xlsx/" + NOVEMBER)
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    rows = list(book.worksheets[2].iter_rows(values_only=True))  # by counter
    assert rows[1][:4] == ("PKMD-PJ", 1, 2, 4.5)
    assert rows[2][:4] == ("PKMD-PJ", 2, 1, 2.0)
    assert AuditLog.objects.filter(action="feedback.report.exported").count() == 2


def test_ratings_without_satisfaction_forms_show_no_python_text(tree, users, clock, client_for):
    """Found by looking at the PDF: with ratings but no forms, the template printed the
    charts' `dict.items()` (every chart's SVG source) where the form items' chart goes."""
    ticket = serve(tree.pj, tree.services["BKK"], users["petugas"])
    rate_by_ticket(ticket.public_id, RatingInput(score=4))
    page = client_for("penyelia").get("/feedback/PKMD-PJ/reports/satisfaction/" + NOVEMBER)
    body = page.content.decode()
    assert page.status_code == 200 and 'aria-label="Penilaian mengikut skor"' in body
    assert "dict_items" not in body and "&lt;svg" not in body


@pytest.mark.parametrize(
    "query",
    [
        "?start=2026-13-01",
        "?start=2026-11-30&end=2026-11-01",
        "?start=0001-01-01&end=0001-01-02",
        "?start=9999-12-30&end=9999-12-31",
        "?start=2020-01-01&end=2026-01-01",
        "?start=%00",
        "?end=" + "9" * 5000,
    ],
)
def test_a_bad_period_is_422_never_500(tree, users, client_for, query, clock):
    supervisor = client_for("penyelia")
    for report in ("satisfaction", "feedback"):
        for suffix in ("", "pdf/", "xlsx/"):
            response = supervisor.get(f"/feedback/PKMD-PJ/reports/{report}/{suffix}{query}")
            if "%00" in query:  # NUL: refused by core's request guard before any view
                assert response.status_code == 400, (report, suffix, query)
                continue
            assert response.status_code == 422, (report, suffix, query)
            assert 'data-testid="report-error"' in response.content.decode()


@pytest.fixture
def july(tree, users):
    """Three complaints at PJ on Thursday 9 July: one acknowledged at once, one never,
    one acknowledged late on Tuesday 14 July; a suggestion; read on Tuesday 14 July."""
    with time_machine.travel(THURSDAY, tick=False) as traveller:
        first = online(tree.pj).complaint
        complaints.acknowledge(first, acting_user=users["penyelia"], note="Diterima.")
        online(tree.pj)
        third = online(tree.pj, category="amenities").complaint
        record_remark(
            tree.pj,
            kind="suggestion",
            topic="facilities",
            text="Tambah kerusi.",
            channel="counter",
            acting_user=users["penyelia"],
        )
        traveller.move_to(dt.datetime(2026, 7, 14, 10, 0, tzinfo=MALAYSIA))
        complaints.acknowledge(third, acting_user=users["penyelia"])
        yield traveller


def test_feedback_figures_by_hand(tree, users, july):
    period = figures.Period(dt.date(2026, 7, 1), dt.date(2026, 7, 31))
    data = figures.feedback([tree.pj], period)
    assert data["totals"]["count"] == 3
    assert data["totals"]["open"] == 3
    acknowledge, reply, resolve = data["deadlines"]
    assert (acknowledge["met"], acknowledge["late"], acknowledge["overdue"]) == (1, 1, 1)
    assert acknowledge["share"] == pytest.approx(100 / 3)
    # The test tree's PJ works every day (it follows no state calendar): reply within 3
    # working days is by the end of Sunday 12 July, so on Tuesday all three are overdue;
    # resolving (15 days) is not yet due.
    assert (reply["met"], reply["late"], reply["overdue"], reply["pending"]) == (0, 0, 3, 0)
    assert reply["share"] == 0
    assert (resolve["overdue"], resolve["pending"], resolve["share"]) == (0, 3, None)
    assert {r["category"]: r["count"] for r in data["by_category"]} == {"delay": 2, "amenities": 1}
    assert {r["state"]: r["count"] for r in data["by_state"]} == {"new": 1, "acknowledged": 2}
    assert data["overdue_count"] == 3
    assert data["remarks"]["suggestions"] == 1
    assert [e.note for e in data["actions"]] == []  # acknowledgements are not action notes
    assert {r["kind"]: r["count"] for r in data["actions_by_kind"]} == {"acknowledged": 2}


def test_the_feedback_report_page_pdf_and_workbook(tree, users, july, client_for):
    supervisor = client_for("penyelia")
    page = supervisor.get("/feedback/PKMD-PJ/reports/feedback/" + JULY)
    assert page.status_code == 200
    text = page.content.decode()
    assert "smp16_PKMD-PJ.html" in text  # the footer says how to supply the office's layout
    assert 'data-testid="deadline-acknowledge"' in text
    officer = client_for("aduan").get("/feedback/PKMD-PJ/reports/feedback/" + JULY)
    assert officer.status_code == 200
    pdf = supervisor.get("/feedback/PKMD-PJ/reports/feedback/pdf/" + JULY)
    assert pdf.content.startswith(b"%PDF")
    xlsx = supervisor.get("/feedback/PKMD-PJ/reports/feedback/xlsx/" + JULY)
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    deadlines = (
        list(book["Deadlines"].iter_rows(values_only=True))
        if "Deadlines" in book
        else list(book["Tarikh akhir"].iter_rows(values_only=True))
    )
    assert deadlines[1][1:4] == (1, 1, 1)
    assert client_for("jb_penyelia").get("/feedback/PKMD-PJ/reports/feedback/").status_code == 404


def test_an_office_may_supply_its_own_smp16_layout(
    tree, users, july, client_for, settings, tmp_path
):
    folder = tmp_path / "feedback" / "reports"
    folder.mkdir(parents=True)
    (folder / "smp16_PKMD-PJ.html").write_text(
        '{% extends "feedback/reports/smp16.html" %}'
        "{% block heading %}<h1>SMP16 PJ</h1>{% endblock %}"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0].get("DIRS", [])]}
    ]
    response = client_for("penyelia").get("/feedback/PKMD-PJ/reports/feedback/" + JULY)
    assert response.context["office_layout"] is True
    assert response.context["layout"] == "feedback/reports/smp16_PKMD-PJ.html"


def test_the_hub_and_the_menu(tree, users, client_for, clock):
    supervisor = client_for("penyelia")
    assert supervisor.get("/feedback/reports/").status_code == 302
    assert supervisor.get("/feedback/PKMD-PJ/reports/").status_code == 200
    assert client_for("petugas").get("/feedback/reports/").status_code == 403
