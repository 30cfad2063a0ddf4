"""The Perception Survey Data Report's figures, checked by hand on a small data set, the
sampling plan's population and its progress towards Krejcie & Morgan's sample size, and
the report as a page, a PDF and a workbook.

The data set: a questionnaire of two dimensions, A (statements A1, A2) and B (B1), and
four responses:

            A1  A2  B1
    R1       5   4   3
    R2       4   4   2
    R3       3   5   5
    R4       1   2   4

    A1: mean 13/4 = 3.25, counts 1-5 = 1 0 1 1 1, satisfied (4-5) 2/4 = 50.0%
    A2: mean 15/4 = 3.75, counts       0 1 0 2 1, satisfied 3/4 = 75.0%
    B1: mean 14/4 = 3.50, counts       0 1 1 1 1, satisfied 2/4 = 50.0%
    A:  mean 28/8 = 3.50, counts       1 1 1 3 2, satisfied 5/8 = 62.5%
    all: mean 42/12 = 3.50, counts     1 2 2 4 3, satisfied 7/12 = 58.3%
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tests.feedback.conftest import serve
from weserve.feedback import survey_services as surveys
from weserve.feedback.sampling import krejcie_morgan
from weserve.feedback.survey_models import SurveyItem
from weserve.feedback.survey_selectors import plan_of, population_of, report_of
from weserve.register import services as register

ROWS = [(5, 4, 3), (4, 4, 2), (3, 5, 5), (1, 2, 4)]


def build(office, user, rows=ROWS):
    period = surveys.create_period(
        office,
        title="Tinjauan 2026",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 12, 31),
        copy_default=False,
        acting_user=user,
    )
    a = surveys.add_section(period, title_ms="Kemudahan", title_en="Facilities", acting_user=user)
    b = surveys.add_section(period, title_ms="Layanan", title_en="Service", acting_user=user)
    items = [
        surveys.add_item(a, text_ms="A1 ms", text_en="A1 en", acting_user=user),
        surveys.add_item(a, text_ms="A2 ms", text_en="A2 en", acting_user=user),
        surveys.add_item(b, text_ms="B1 ms", text_en="B1 en", acting_user=user),
    ]
    surveys.open_period(period, acting_user=user)
    respond(period, items, rows)
    return period, items


def respond(period, items, rows):
    for row in rows:
        surveys.record_response(
            period,
            surveys.ResponseInput(
                answers={item.pk: score for item, score in zip(items, row, strict=True)},
                age_band="40_49",
                category="public",
                service="BKK",
            ),
            channel="qr",
        )


@pytest.fixture
def surveyed(tree, users, clock):
    return build(tree.pj, users["penyelia"])


def test_the_figures_of_each_item_and_dimension_match_the_hand_count(surveyed):
    period, _items = surveyed
    report = report_of(period)
    a, b = report.dimensions
    a1, a2 = a.items
    (b1,) = b.items
    assert (a1.n, a1.mean, a1.counts, a1.satisfied_percent) == (4, 3.25, [1, 0, 1, 1, 1], 50.0)
    assert (a2.n, a2.mean, a2.counts, a2.satisfied_percent) == (4, 3.75, [0, 1, 0, 2, 1], 75.0)
    assert (b1.n, b1.mean, b1.counts, b1.satisfied_percent) == (4, 3.5, [0, 1, 1, 1, 1], 50.0)
    fa = a.figures
    assert (fa.n, fa.mean, fa.counts, fa.satisfied_percent) == (8, 3.5, [1, 1, 1, 3, 2], 62.5)
    assert b.figures.counts == b1.counts and b.figures.mean == b1.mean
    o = report.overall
    assert (o.n, o.mean, o.counts, o.satisfied_percent) == (12, 3.5, [1, 2, 2, 4, 3], 58.3)
    assert (a1.mean_text, o.satisfied_text) == ("3.25", "58.3%")
    age, category, service, channel = report.breakdowns
    assert [count for _label, count in age.rows] == [0, 0, 0, 4, 0, 0, 0]
    assert [count for _label, count in channel.rows] == [0, 4, 0]
    assert [count for _label, count in service.rows] == [4]


def test_the_report_reads_a_fixed_number_of_queries_whatever_the_responses(tree, users, clock):
    period, items = build(tree.pj, users["penyelia"])
    with CaptureQueriesContext(connection) as few:
        report_of(period)
    respond(period, items, ROWS * 10)
    with CaptureQueriesContext(connection) as many:
        report = report_of(period)
    assert len(many) == len(few)
    assert report.overall.n == 12 * 11


def test_the_population_is_the_tickets_completed_and_the_walk_ins_of_the_period(tree, users, clock):
    petugas = users["petugas"]
    period, _items = build(tree.pj, users["penyelia"], rows=[])
    assert population_of(period) == 0
    assert plan_of(period).target == 0
    for _i in range(3):
        serve(tree.pj, tree.services["BKK"], petugas)
    registered = serve(tree.pj, tree.services["BKK"], petugas)  # its register entry is no walk-in
    register.record_visit(
        registered,
        acting_user=petugas,
        name="Siti",
        category="other",
        purpose="Pertanyaan",
        action="info",
    )
    serve(tree.pj, tree.services["BKK"], petugas, complete=False)  # not completed: not served
    register.record_walk_in(
        tree.pj,
        acting_user=petugas,
        name="Ali",
        category="other",
        service=tree.services["INFO"],
        purpose="Pertanyaan",
        action="info",
    )
    serve(tree.jb, tree.services["BKK"], users["jb_petugas"])  # another office
    assert population_of(period) == 5
    plan = plan_of(period)
    assert (plan.population, plan.target) == (5, krejcie_morgan(5)) == (5, 5)


def test_progress_towards_the_target_and_the_adequacy_statement(tree, users, clock):
    user = users["penyelia"]
    period, items = build(tree.pj, user, rows=ROWS[:3])
    period = surveys.set_population(
        period, source="entered", number=4, note="Daftar", acting_user=user
    )
    plan = plan_of(period)
    assert (plan.population, plan.target, plan.achieved) == (4, 4, 3)
    assert (plan.percent, plan.remaining, plan.adequate) == (75, 1, False)
    assert "1" in plan.statement
    respond(period, items, ROWS[3:])
    plan = plan_of(period)
    assert (plan.percent, plan.adequate) == (100, True)
    period = surveys.set_population(
        period, source="entered", number=100, note="Daftar", acting_user=user
    )
    plan = plan_of(period)
    # Krejcie & Morgan's table: a population of 100 needs 80.
    assert (plan.target, plan.percent, plan.remaining) == (80, 5, 76)
    assert plan.by_channel == {"tablet": 0, "qr": 4, "paper": 0}


def test_the_report_page_shows_the_figures_in_malay_and_english(surveyed, users, client_for):
    period, _items = surveyed
    url = f"/feedback/PKMD-PJ/surveys/{period.pk}/report/"
    client = client_for("penyelia")
    page = client.get(url).content.decode()
    for text in ("3.25", "3.75", "62.5%", "58.3%", "Kemudahan", "A1 ms", "<svg"):
        assert text in page, text
    assert 'role="img"' in page
    # The page's CSP (style-src 'self') would blank styled SVG: colours are attributes.
    charts = page[page.index("<svg") : page.rindex("</svg>")]
    assert "style=" not in charts and "<style" not in charts and 'fill="#1f4e8c"' in charts
    # Each respondents' table says what it counts, in a header the PDF repeats per page.
    breakdowns = page.split('data-testid="report-breakdown"')[1:]
    assert len(breakdowns) == 4
    assert all(table.lstrip(">\n ").startswith("<thead>") for table in breakdowns)
    assert all("Responden</th>" in table.split("</thead>")[0] for table in breakdowns)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert "Facilities" in english and "A1 en" in english


def test_the_adequacy_statement_says_sampel_mencukupi(tree, users, clock, client_for):
    user = users["penyelia"]
    period, _items = build(tree.pj, user)
    surveys.set_population(period, source="entered", number=4, note="Daftar", acting_user=user)
    page = client_for("penyelia").get(f"/feedback/PKMD-PJ/surveys/{period.pk}/report/")
    assert "Sampel mencukupi" in page.content.decode()
    surveys.set_population(period, source="entered", number=100, note="Daftar", acting_user=user)
    page = client_for("penyelia").get(f"/feedback/PKMD-PJ/surveys/{period.pk}/report/")
    assert "Sampel belum mencukupi" in page.content.decode()


def test_the_report_as_pdf_and_workbook(surveyed, client_for):
    period, _items = surveyed
    client = client_for("penyelia")
    pdf = client.get(f"/feedback/PKMD-PJ/surveys/{period.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    xlsx = client.get(f"/feedback/PKMD-PJ/surveys/{period.pk}/report.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
    rows = list(book.worksheets[2].iter_rows(values_only=True))
    # Dimension, statement, answers, mean, 1..5, satisfied.
    assert rows[1] == ("Kemudahan", "A1 ms", 4, 3.25, 1, 0, 1, 1, 1, 50.0)
    assert rows[3] == ("Layanan", "B1 ms", 4, 3.5, 0, 1, 1, 1, 1, 50.0)
    dims = list(book.worksheets[1].iter_rows(values_only=True))
    assert dims[1] == ("Kemudahan", 8, 3.5, 1, 1, 1, 3, 2, 62.5)
    summary = dict(book.worksheets[0].iter_rows(values_only=True))
    assert 4 in summary.values()


def test_a_head_sees_each_office_and_all_combined(tree, users, clock, client_for):
    from tests.factories import make_user
    from weserve.core.roles import Role

    pj, _ = build(tree.pj, users["penyelia"])
    klang_supervisor = make_user("penyelia.klang", tree.klang, Role.SUPERVISOR)
    klang, _ = build(tree.klang, klang_supervisor, rows=[(5, 5, 5), (4, 4, 4)])
    jb, _ = build(tree.jb, users["jb_penyelia"], rows=[(1, 1, 1)])
    for period, user in (
        (pj, users["penyelia"]),
        (klang, klang_supervisor),
        (jb, users["jb_penyelia"]),
    ):
        surveys.close_period(period, acting_user=user)
        surveys.submit_report(period, acting_user=user)
    head = client_for("ketua")
    page = head.get("/feedback/survey-reports/combined/?year=2026").content.decode()
    assert tree.pj.name_ms in page and tree.klang.name_ms in page
    assert tree.jb.name_ms not in page  # another state
    # All offices: 12 answers of PKMD-PJ (sum 42) and 6 of Klang (sum 27): 69/18 = 3.83.
    assert 'data-testid="combined-mean">3.83<' in page
    # The head opens one office's report below them; not an office of another state.
    assert head.get(f"/feedback/PKMD-PJ/surveys/{pj.pk}/report/").status_code == 200
    assert head.get(f"/feedback/PKMD-JB/surveys/{jb.pk}/report/").status_code == 404
    xlsx = head.get("/feedback/survey-reports/combined.xlsx?year=2026")
    assert xlsx.status_code == 200
    pdf = head.get("/feedback/survey-reports/combined.pdf?year=2026")
    assert pdf.content.startswith(b"%PDF")


def test_items_keep_their_order_in_the_report(surveyed):
    period, items = surveyed
    assert [i.pk for i in SurveyItem.objects.filter(section__period=period)] == [
        i.pk for i in items
    ]
