"""Documents people take away: CSV and XLSX exports, PDFs from HTML, charts as SVG.

Every app's exports and reports go through here, so the rules live once:

- CSV streams row by row (`StreamingHttpResponse`, also under ASGI: see
  `_PulledInBatches`) and XLSX is written by openpyxl's
  write-only workbook into a spooled temporary file, so a year's export keeps the
  server's memory flat. Pass an iterator (a queryset's `.iterator()` or a generator),
  never a list of every row.
- A text cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR)
  is written with a leading apostrophe (CSV injection).
- PDFs are HTML templates printed by WeasyPrint. Images and stylesheets come only from
  the project's static files: the fetcher refuses everything else, so printing never
  touches the network.
- Charts are SVG written by core.charts with their text kept as text, wrapped with a
  role and a label for screen readers. They go inline into pages and PDFs alike.

WeasyPrint is imported when first used: the ticket-issue path and the server's start
never pay for it.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
import tempfile
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string

# Charts are written directly as SVG by core.charts (architecture decision 36); reports
# reach them here, beside the other documents.
from weserve.core.charts import bar_chart as bar_chart
from weserve.core.charts import line_chart as line_chart

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet should hold it: text that would run as a formula is quoted."""
    if isinstance(value, str):
        value = value.replace("\x00", "")
        if value.startswith(FORMULA_STARTS):
            return "'" + value
        return value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # Spreadsheets have no time zones: write the office's local time as shown on pages.
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)
    if value is None:
        return ""
    return value


def _disposition(filename: str) -> str:
    return f'attachment; filename="{_SAFE_NAME.sub("-", filename)}"'


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that Excel reads UTF-8 (Malay names, "—")
    yield writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        yield writer.writerow([_csv_text(safe_cell(cell)) for cell in row])


def _csv_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


# Parts (CSV lines, file blocks) fetched from the worker thread at a time under ASGI.
ASGI_BATCH = 500


def _next_batch(parts: Iterator[bytes]) -> list[bytes]:
    return list(itertools.islice(parts, ASGI_BATCH))


class _PulledInBatches:
    """Streams a synchronous iterator under ASGI a batch at a time.

    Django's ASGI handler, given a synchronous iterator, runs `sync_to_async(list)` over it
    (django/http/response.py, StreamingHttpResponse.__aiter__): the whole export sits in
    the server's memory before its first byte leaves. Here the rows are pulled in batches
    on the request's own thread (thread_sensitive: the database cursor of a queryset's
    `.iterator()` lives there), so memory stays flat however long the export. WSGI and
    the test client iterate synchronously as before.
    """

    streaming_content: Any

    async def __aiter__(self) -> AsyncIterator[bytes]:
        from asgiref.sync import sync_to_async

        parts = iter(self.streaming_content)
        take = sync_to_async(_next_batch, thread_sensitive=True)
        while batch := await take(parts):
            for part in batch:
                yield part


class StreamingRows(_PulledInBatches, StreamingHttpResponse):
    """A streaming response that stays streaming under ASGI."""


class StreamingFile(_PulledInBatches, FileResponse):
    """A file response read a batch of blocks at a time under ASGI."""


def csv_response(
    filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """A CSV download that streams: rows are written as they are read."""
    response = StreamingRows(_csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _disposition(filename)
    return response


@dataclass
class Sheet:
    """One worksheet of a workbook: its tab name, its header row and its rows."""

    title: str
    header: Sequence[Any]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] | None = None


def xlsx_file(sheets: Iterable[Sheet]) -> Any:
    """The workbook in a spooled temporary file (memory up to 8 MB, then disk), at position 0."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = workbook.create_sheet(title=_sheet_title(sheet.title))
        for index, width in enumerate(sheet.widths or (), start=1):
            ws.column_dimensions[_column_letter(index)].width = width
        header = []
        for title in sheet.header:
            cell = WriteOnlyCell(ws, value=safe_cell(str(title)))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            ws.append([_xlsx_value(safe_cell(value)) for value in row])
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(spool)
    spool.seek(0)
    return spool


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (str, int, float, dt.date, dt.datetime, dt.time, bool)) or value is None:
        return value
    return str(value)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index))


def _sheet_title(title: str) -> str:
    # Excel refuses these characters in a tab name and more than 31 characters.
    return re.sub(r"[\[\]:*?/\\]", "-", str(title))[:31] or "Sheet"


def xlsx_response(filename: str, sheets: Iterable[Sheet]) -> FileResponse:
    """An XLSX download, written without holding every row in memory."""
    response = StreamingFile(xlsx_file(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = _disposition(filename)
    return response


def _static_file(url: str) -> bytes:
    """The bytes of one of the project's static files named by URL; ValueError for anything else."""
    path = unquote(urlsplit(url).path)
    static_url = urlsplit(settings.STATIC_URL).path or "/static/"
    if path.startswith(static_url) and ".." not in path:
        relative = path[len(static_url) :]
        found = finders.find(relative)
        if not found and settings.STATIC_ROOT:
            candidate = Path(settings.STATIC_ROOT) / relative
            found = str(candidate) if candidate.is_file() else None
        if found:
            return Path(str(found)).read_bytes()
    raise ValueError(f"not a static file of WeServe: {url}")


def _fetcher() -> Any:
    """WeasyPrint's fetcher: the project's static files and inline data, no network."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            return URLFetcherResponse(url, _static_file(url), {"Content-Type": _mime(url)})

    return StaticOnly(timeout=5)


def _mime(url: str) -> str:
    import mimetypes

    return mimetypes.guess_type(urlsplit(url).path)[0] or "application/octet-stream"


def pdf_bytes(
    template_name: str, context: dict[str, Any], request: HttpRequest | None = None
) -> bytes:
    """The template printed to PDF by WeasyPrint."""
    from weasyprint import HTML

    html = render_to_string(template_name, context, request=request)
    document = HTML(string=html, base_url="http://weserve.invalid/", url_fetcher=_fetcher())
    return bytes(document.write_pdf())


def pdf_response(
    template_name: str,
    context: dict[str, Any],
    filename: str,
    request: HttpRequest | None = None,
    *,
    inline: bool = False,
) -> HttpResponse:
    """A PDF download (or, with `inline`, a PDF the browser shows)."""
    response = HttpResponse(
        pdf_bytes(template_name, context, request), content_type="application/pdf"
    )
    disposition = _disposition(filename)
    response["Content-Disposition"] = (
        disposition.replace("attachment", "inline") if inline else disposition
    )
    return response
