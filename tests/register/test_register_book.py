"""The register for its readers (issue 15 item 4, PT-1.8): search and filter, CSV and XLSX
exports (masked by default, audited), the printed day (PDF) and who may do what."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_user
from tests.register.conftest import MYKAD, OTHER_MYKAD, serve
from weserve.core.models import AuditLog
from weserve.core.roles import Role
from weserve.register import services
from weserve.register.search import initials

pytestmark = pytest.mark.django_db

PJ = "/register/offices/PKMD-PJ/"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def walk_in(office, user, name, *, service, action="info", category="other", mykad=""):
    return services.record_walk_in(
        office,
        acting_user=user,
        name=name,
        category=category,
        service=service,
        purpose="Pertanyaan",
        action=action,
        mykad=mykad,
    )


@pytest.fixture
def book(tree, users, clock):
    """Three visits today at PKMD-PJ (a ticket and two walk-ins), one yesterday, one at
    PKMD-KLANG and one at PKMD-JB."""
    s = tree.services
    petugas, penyelia = users["petugas"], users["penyelia"]
    ticket = serve(tree.pj, s["BKK"], petugas)
    entries = {
        "ticket": services.record_visit(
            ticket,
            acting_user=petugas,
            name="Siti binti Ahmad",
            category="elderly",
            purpose="Bantuan",
            action="application_received",
            mykad=MYKAD,
        ),
        "walk_oku": walk_in(
            tree.pj, penyelia, "Ravi a/l Muthu", service=s["OKU"], category="oku", action="referred"
        ),
        "walk_info": walk_in(tree.pj, petugas, "Lim Ah Kow", service=s["INFO"], mykad=OTHER_MYKAD),
    }
    clock.shift(dt.timedelta(days=-1))
    entries["yesterday"] = walk_in(tree.pj, petugas, "Semalam", service=s["INFO"])
    clock.shift(dt.timedelta(days=1))
    klang = make_user("petugas.klang", tree.klang, Role.COUNTER_STAFF)
    entries["klang"] = walk_in(tree.klang, klang, "Orang Klang", service=s["INFO"])
    entries["jb"] = walk_in(tree.jb, users["jb_petugas"], "Orang Johor", service=s["INFO"])
    return entries


def names(response) -> list[str]:
    return [e.name for e in response.context["entries"]]


def test_the_search_page_opens_on_todays_register_of_the_office(book, client_for):
    response = client_for("penyelia").get(PJ)
    assert response.status_code == 200
    assert sorted(names(response)) == ["Lim Ah Kow", "Ravi a/l Muthu", "Siti binti Ahmad"]
    page = response.content.decode()
    assert "******-**-5123" in page and "850101" not in page
    assert "Orang Klang" not in page and "Orang Johor" not in page


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"service": "OKU"}, ["Ravi a/l Muthu"]),
        ({"action": "application_received"}, ["Siti binti Ahmad"]),
        ({"category": "oku"}, ["Ravi a/l Muthu"]),
        ({"q": "lim"}, ["Lim Ah Kow"]),
        ({"date_from": "2026-11-24", "date_to": "2026-11-24"}, ["Semalam"]),
        (
            {"date_from": "2026-11-24"},
            ["Lim Ah Kow", "Ravi a/l Muthu", "Semalam", "Siti binti Ahmad"],
        ),
    ],
)
def test_filters_narrow_the_register(book, client_for, filters, expected):
    response = client_for("penyelia").get(PJ, filters)
    assert response.status_code == 200
    assert sorted(names(response)) == expected


def test_the_staff_filter_finds_who_served(book, users, client_for):
    response = client_for("penyelia").get(PJ, {"staff": users["penyelia"].pk})
    assert names(response) == ["Ravi a/l Muthu"]


def test_a_head_sees_the_offices_below_and_can_pick_one(book, tree, client_for):
    head = client_for("ketua")
    everything = head.get("/register/offices/JKMN-SGR/")
    assert everything.status_code == 200
    assert "Orang Klang" in names(everything) and "Siti binti Ahmad" in names(everything)
    assert "Orang Johor" not in names(everything)
    only_klang = head.get("/register/offices/JKMN-SGR/", {"office": "PKMD-KLANG"})
    assert names(only_klang) == ["Orang Klang"]
    # An office outside the head's state is not a choice (and its page is 404).
    assert head.get("/register/offices/JKMN-SGR/", {"office": "PKMD-JB"}).status_code == 400
    assert head.get("/register/offices/PKMD-JB/").status_code == 404


@pytest.mark.parametrize(
    "path", [PJ, f"{PJ}export.csv", f"{PJ}export.xlsx", f"{PJ}print/?date=2026-11-25"]
)
def test_another_offices_register_is_never_readable(book, client_for, path):
    assert client_for("jb_penyelia").get(path).status_code == 404


@pytest.mark.parametrize(
    "path", [PJ, f"{PJ}export.csv", f"{PJ}export.xlsx", f"{PJ}print/?date=2026-11-25", "/register/"]
)
def test_counter_staff_keep_the_register_but_do_not_search_or_export_it(book, client_for, path):
    assert client_for("petugas").get(path).status_code == 403


def test_the_menu_entry_leads_to_the_current_offices_register(book, client_for):
    response = client_for("penyelia").get("/register/")
    assert response.status_code == 302 and response["Location"] == PJ


@pytest.mark.parametrize(
    "filters",
    [
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "2026-13-45"},
        {"date_from": "2026-11-26", "date_to": "2026-11-25"},
        {"q": "Siti\x00"},
        {"q": "x" * 5000},
        {"staff": "abc"},
        {"staff": "true"},
        {"staff": "99999999999999999999999"},
        {"service": "NOPE\x00"},
        {"action": "deleted"},
        {"office": "PKMD-JB"},
    ],
)
def test_malformed_filters_are_a_message_not_a_500(book, client_for, filters):
    client = client_for("penyelia")
    response = client.get(PJ, filters)
    assert response.status_code == 400
    if not any("\x00" in value for value in filters.values()):
        # (A NUL anywhere in a request is refused before any view, by core's middleware.)
        assert 'data-testid="register-invalid"' in response.content.decode()
    before = AuditLog.objects.filter(action="core.personal.exported").count()
    assert client.get(f"{PJ}export.csv", filters).status_code == 400
    assert AuditLog.objects.filter(action="core.personal.exported").count() == before


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "yesterday", "", "2026-11-25\x00"])
def test_printing_a_bad_day_is_a_message(book, client_for, day):
    response = client_for("penyelia").get(f"{PJ}print/", {"date": day})
    assert response.status_code == 400
    if "\x00" not in day:
        assert 'data-testid="register-error"' in response.content.decode()


@pytest.mark.parametrize("number", ["x", "-1", "0", "99999999999999999999", "True"])
def test_a_bad_page_number_shows_a_page(book, client_for, number):
    assert client_for("penyelia").get(PJ, {"page": number}).status_code == 200


def _csv(response) -> list[list[str]]:
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_csv_export_masks_mykad_and_is_audited(book, client_for, users):
    response = client_for("penyelia").get(f"{PJ}export.csv", {"date_from": "2026-11-24"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert rows[0][:6] == ["Office", "Date", "Time", "Ticket", "Customer name", "MyKad number"]
    by_name = {row[4]: row for row in rows[1:]}
    assert set(by_name) == {"Siti binti Ahmad", "Ravi a/l Muthu", "Lim Ah Kow", "Semalam"}
    assert by_name["Siti binti Ahmad"][5] == "******-**-5123"
    assert by_name["Siti binti Ahmad"][3] == book["ticket"].ticket.number
    assert by_name["Siti binti Ahmad"][10] == "Application received"
    assert "850101" not in "".join(",".join(r) for r in rows)
    log = AuditLog.objects.get(action="core.personal.exported")
    assert log.actor == "penyelia" and log.office_code == "PKMD-PJ"
    assert log.data["rows"] == 4 and log.data["format"] == "csv"
    assert log.data["filters"] == {"date_from": "2026-11-24"}
    assert "mykad_masked" in log.data["fields"]


def test_a_supervisor_may_export_full_numbers_and_that_is_audited(book, client_for):
    response = client_for("penyelia").get(f"{PJ}export.csv", {"mykad": "full"})
    rows = _csv(response)
    assert "850101-14-5123" in [row[5] for row in rows]
    assert AuditLog.objects.get(action="core.personal.exported").data["fields"][1] == "mykad"


def test_a_head_may_export_but_only_masked(book, client_for):
    head = client_for("ketua")
    assert head.get("/register/offices/JKMN-SGR/export.csv", {"mykad": "full"}).status_code == 403
    rows = _csv(head.get("/register/offices/JKMN-SGR/export.csv"))
    assert {row[0] for row in rows[1:]} == {"PKMD-PJ", "PKMD-KLANG"}
    assert "******-**-5123" in [row[5] for row in rows]


def test_the_xlsx_export_masks_mykad(book, client_for):
    from openpyxl import load_workbook

    response = client_for("penyelia").get(f"{PJ}export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    values = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    assert values[0][4] == "Customer name"
    assert "******-**-5123" in [row[5] for row in values[1:]]
    assert AuditLog.objects.get(action="core.personal.exported").data["format"] == "xlsx"


def test_a_cell_that_would_run_as_a_formula_is_quoted(tree, users, clock, client_for):
    walk_in(tree.pj, users["petugas"], "=HYPERLINK(1)", service=tree.services["INFO"])
    rows = _csv(client_for("penyelia").get(f"{PJ}export.csv"))
    assert rows[1][4] == "'=HYPERLINK(1)"


def test_the_printed_day_is_a_landscape_pdf_and_audited(book, client_for):
    response = client_for("penyelia").get(f"{PJ}print/", {"date": "2026-11-25"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    log = AuditLog.objects.get(action="core.personal.exported")
    assert log.data["format"] == "pdf" and log.data["rows"] == 3
    assert log.data["filters"] == {"date": "2026-11-25", "offices": ["PKMD-PJ"]}


def test_the_printed_book_has_the_paper_columns(book, tree):
    """The HTML printed to PDF: date, time, ticket, name, masked MyKad, service, action,
    staff initials, in the order the visits were recorded."""
    from django.template.loader import render_to_string

    from weserve.register.book_views import day_books

    books = day_books([tree.pj], dt.date(2026, 11, 25))
    html = render_to_string(
        "register/print_day.html",
        {"title": "Daftar", "office": tree.pj, "day": dt.date(2026, 11, 25), "books": books},
    )
    assert html.index("Siti binti Ahmad") < html.index("Ravi a/l Muthu") < html.index("Lim Ah Kow")
    assert "******-**-5123" in html and "850101" not in html
    assert book["ticket"].ticket.number in html and "Walk-in" in html
    assert "<td>P</td>" in html  # Petugas1's and Penyelia's initials
    assert "25/11/2026" in html and "10:00" in html
    assert "Semalam" not in html and "Orang Klang" not in html
    # Printed as core.documents prints it: A4 landscape (297 x 210 mm).
    from weasyprint import HTML

    from weserve.core import documents

    rendered = HTML(
        string=html, base_url="http://weserve.invalid/", url_fetcher=documents._fetcher()
    ).render()
    first = rendered.pages[0]
    assert (round(first.width * 25.4 / 96), round(first.height * 25.4 / 96)) == (297, 210)


def test_initials_leave_out_bin_binti_and_al():
    assert initials("Siti Aminah binti Ahmad") == "SAA"
    assert initials("Ravi a/l Muthu") == "RM"
    assert initials("Petugas1") == "P"
    assert initials("") == ""


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(PJ, {"date_from": "2026-11-01"})
    assert response.status_code == 200
    return len(captured)


def test_the_search_page_reads_a_fixed_number_of_queries(
    book, tree, users, client_for, django_assert_num_queries
):
    client = client_for("penyelia")
    few = _queries(client)
    for number in range(40):
        walk_in(tree.pj, users["petugas"], f"Pelanggan {number}", service=tree.services["BKK"])
    assert _queries(client) == few
    # Session, user, roles, offices, the filters' choices, the count, the page, the menu.
    with django_assert_num_queries(few):
        client.get(PJ, {"date_from": "2026-11-01"})
