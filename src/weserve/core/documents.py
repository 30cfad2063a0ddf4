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
- Charts are matplotlib figures written as SVG with their text kept as text, wrapped
  with a role and a label for screen readers. They go inline into pages and PDFs alike.

matplotlib and WeasyPrint are imported when first used: the ticket-issue path and the
server's start never pay for them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
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
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

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


# Charts ---------------------------------------------------------------------------

PALETTE = ("#1f4e8c", "#e08a1e", "#2e8b57", "#b03a2e", "#6c4f9c", "#4a7f8c", "#8c6d1f")


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=96)
    return figure


def _svg(figure: Any, label: str) -> SafeString:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "weserve"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = text.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return mark_safe(_presentation_attributes(text))  # noqa: S308 - matplotlib's own SVG


# The page's Content-Security-Policy (style-src 'self') ignores `style="..."` attributes
# and <style> elements inside an inline SVG: every shape would be drawn black. matplotlib
# writes its colours and fonts that way, so they become SVG presentation attributes
# (fill="#1f4e8c"), which no CSP blocks; PDFs read both alike.
_STYLE_ATTRIBUTE = re.compile(r'style="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>", re.S)


def _as_attributes(match: re.Match[str]) -> str:
    attributes = []
    for declaration in match.group(1).split(";"):
        name, _sep, value = declaration.partition(":")
        name, value = name.strip(), value.strip().replace('"', "'")
        if name and value:
            attributes.append(f'{name}="{value}"')
    return " ".join(attributes)


def _presentation_attributes(svg: str) -> str:
    """Styles as presentation attributes, and the chart as wide as its container (its
    viewBox kept, its fixed width and height dropped), so it also fits a phone."""
    svg = _STYLE_ELEMENT.sub("", svg)
    head, sep, rest = svg.partition(">")
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    head = head.replace(
        "<svg ", '<svg width="100%" stroke-linejoin="round" stroke-linecap="butt" ', 1
    )
    return _STYLE_ATTRIBUTE.sub(_as_attributes, head + sep + rest)


def _style(axes: Any) -> None:
    axes.spines["top"].set_visible(False)
    axes.spines["right"].set_visible(False)
    axes.tick_params(labelsize=9)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)


def bar_chart(
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    label: str,
    ylabel: str = "",
    stacked: bool = False,
    horizontal: bool = False,
    width: float = 7.0,
    height: float = 3.2,
) -> SafeString:
    """Bars per label, one colour per series (a legend when there is more than one)."""
    figure = _figure(width, height)
    axes = figure.subplots()
    _style(axes)
    positions = list(range(len(labels)))
    names = list(series)
    count = max(len(names), 1)
    bar = 0.8 if stacked else 0.8 / count
    bottoms: list[float] = [0.0] * len(labels)
    for index, name in enumerate(names):
        values = [float(v or 0) for v in series[name]]
        colour = PALETTE[index % len(PALETTE)]
        if stacked:
            offsets: list[float] = [float(p) for p in positions]
        else:
            offsets = [p - 0.4 + bar * (index + 0.5) for p in positions]
        if horizontal:
            axes.barh(
                offsets,
                values,
                height=bar,
                left=bottoms if stacked else None,
                color=colour,
                label=name,
            )
        else:
            axes.bar(
                offsets,
                values,
                width=bar,
                bottom=bottoms if stacked else None,
                color=colour,
                label=name,
            )
        if stacked:
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    if horizontal:
        axes.set_yticks(positions, [str(lbl) for lbl in labels])
        axes.invert_yaxis()
        if ylabel:
            axes.set_xlabel(ylabel)
    else:
        axes.set_xticks(
            positions,
            [str(lbl) for lbl in labels],
            rotation=30 if len(labels) > 6 else 0,
            ha="right" if len(labels) > 6 else "center",
        )
        if ylabel:
            axes.set_ylabel(ylabel)
    if all(float(v or 0).is_integer() for values in series.values() for v in values):
        # Counts: no tick at 0.25 of a call.
        from matplotlib.ticker import MaxNLocator

        (axes.xaxis if horizontal else axes.yaxis).set_major_locator(MaxNLocator(integer=True))
    if len(names) > 1:
        _legend(axes)
    return _svg(figure, label)


def _legend(axes: Any) -> None:
    """The legend beside the plot, never over the bars or lines it explains."""
    axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def line_chart(
    x: Sequence[Any],
    series: dict[str, Sequence[float | None]],
    *,
    label: str,
    ylabel: str = "",
    ylim: tuple[float, float] | None = None,
    width: float = 7.0,
    height: float = 3.0,
) -> SafeString:
    """One line per series over x (dates or labels); None leaves a gap."""
    figure = _figure(width, height)
    axes = figure.subplots()
    _style(axes)
    for index, (name, values) in enumerate(series.items()):
        points = [float("nan") if v is None else float(v) for v in values]
        axes.plot(
            list(x),
            points,
            marker="o",
            markersize=3,
            color=PALETTE[index % len(PALETTE)],
            label=name,
        )
    if ylabel:
        axes.set_ylabel(ylabel)
    if ylim:
        axes.set_ylim(*ylim)
    if len(series) > 1:
        _legend(axes)
    figure.autofmt_xdate()
    return _svg(figure, label)
