"""The shared document helpers: exports that stream and quote formulas, PDFs that print
offline, charts that screen readers can name."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from weserve.core import documents


def _streamed(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_csv_streams_rows_as_they_are_read_and_quotes_formulas():
    pulled: list[int] = []

    def rows():
        for n in range(3):
            pulled.append(n)
            yield [f'=HYPERLINK("http://x","{n}")', n, None, "Ahmad bin Ali"]

    response = documents.csv_response("register 2026-12-05.csv", ["a", "b", "c", "nama"], rows())
    assert pulled == []  # nothing is read before the client reads
    text = _streamed(response)
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[0] == ["a", "b", "c", "nama"]
    assert parsed[1][0].startswith("'=")  # a spreadsheet shows it, never runs it
    assert parsed[1][1:] == ["0", "", "Ahmad bin Ali"]
    assert len(parsed) == 4
    assert response["Content-Disposition"] == 'attachment; filename="register-2026-12-05.csv"'


def test_xlsx_holds_rows_with_types_and_quoted_formulas():
    day = dt.date(2026, 12, 5)
    response = documents.xlsx_response(
        "laporan.xlsx",
        [
            documents.Sheet(
                "Ringkasan: Disember/2026",
                ["Tarikh", "Bilangan", "Catatan"],
                iter([[day, 12, "@SUM(A1)"]]),
            ),
            documents.Sheet("Dua", ["x"], iter([])),
        ],
    )
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Ringkasan- Disember-2026", "Dua"]
    sheet = workbook["Ringkasan- Disember-2026"]
    assert [c.value for c in sheet[1]] == ["Tarikh", "Bilangan", "Catatan"]
    row = [c.value for c in sheet[2]]
    assert row[0].date() == day and row[1] == 12 and row[2] == "'@SUM(A1)"


def test_pdf_prints_a_template_and_fetches_only_static_files(tmp_path, settings):
    from django.template import engines

    template = tmp_path / "t.html"
    template.write_text(
        '{% extends "core/print_base.html" %}{% block content %}<h1>Laporan</h1>'
        '<img src="http://example.invalid/tracker.png"></h1>{% endblock %}'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [str(tmp_path), *settings.TEMPLATES[0].get("DIRS", [])]}
    ]
    engines.__dict__.pop("templates", None)
    engines._templates = None  # type: ignore[attr-defined]
    engines._engines = {}  # type: ignore[attr-defined]
    data = documents.pdf_bytes("t.html", {"title": "Laporan ujian"})
    assert data.startswith(b"%PDF")
    with pytest.raises(ValueError):
        documents._static_file("http://example.invalid/tracker.png")
    with pytest.raises(ValueError):
        documents._static_file("http://weserve.invalid/static/../settings.py")
    assert b"@page" in documents._static_file("http://weserve.invalid/static/weserve/css/print.css")


def test_charts_are_labelled_svg_with_text_kept_as_text():
    svg = documents.bar_chart(
        ["Kaunter 1", "Kaunter 2"], {"Puas hati": [4.5, 3.2]}, label="Purata skor"
    )
    assert svg.startswith("<svg ")
    assert 'role="img"' in svg and 'aria-label="Purata skor"' in svg
    assert "Kaunter 1" in svg  # text, not paths: selectable, searchable, small
    # Under the pages' CSP (style-src 'self') a style attribute in inline SVG is ignored
    # and the shapes turn black: colours are presentation attributes instead.
    assert "style=" not in svg and "<style" not in svg
    assert 'fill="#1f4e8c"' in svg
    # As wide as its container (a phone included), its proportions from the viewBox.
    root = svg[: svg.index(">")]
    assert 'width="100%"' in root and "height=" not in root and "viewBox=" in root
    line = documents.line_chart(["1/12", "2/12"], {"A": [1, None], "B": [2, 3]}, label="Trend <x>")
    assert 'aria-label="Trend &lt;x&gt;"' in line


def test_a_csv_export_streams_under_asgi_a_batch_at_a_time():
    """Django's ASGI handler iterates a response with `async for`; given a plain
    StreamingHttpResponse over a sync iterator it reads every row into a list first. Ours
    pulls a batch at a time, so the server's memory does not grow with the export."""
    import asyncio

    from weserve.core.documents import ASGI_BATCH, csv_response

    pulled = {"rows": 0}
    total = ASGI_BATCH * 10

    def rows():
        for number in range(total):
            pulled["rows"] += 1
            yield [number, "Nama"]

    response = csv_response("x.csv", ["n", "name"], rows())

    async def first_parts() -> tuple[int, int]:
        parts = aiter(response)
        await anext(parts)
        after_first = pulled["rows"]
        count = 1
        async for _part in parts:
            count += 1
        return after_first, count

    after_first, parts = asyncio.run(first_parts())
    assert after_first <= ASGI_BATCH
    assert parts == total + 2  # the byte-order mark, the header, every row
    assert pulled["rows"] == total
