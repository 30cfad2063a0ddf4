"""Bar and line charts written directly as SVG: what core.documents' `bar_chart` and
`line_chart` draw for every report page and PDF.

Written by hand rather than through matplotlib because a report page shows several
charts and matplotlib took 0.2-0.5 s for each (1.5 s on a busy machine): the charts, not
the database, were most of a report page's time (bench/feedback_reports.py). These take
a millisecond. They keep what the reports need: text as text (selectable, translated,
read by screen readers), colours as presentation attributes (a page's CSP ignores style
attributes in inline SVG, which would draw every shape black), and a viewBox without a
fixed size, so a chart is as wide as its container, a phone included.

Text widths are estimated (an average glyph of 0.6 em), so long labels are shortened with
an ellipsis rather than measured; the full label stays in the tables beside each chart.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#1f4e8c", "#e08a1e", "#2e8b57", "#b03a2e", "#6c4f9c", "#4a7f8c", "#8c6d1f")
DPI = 96
FONT = 11
GLYPH = 0.6 * FONT  # an average glyph's width, generous for Inter and DejaVu Sans
TEXT = "#333333"
MUTED = "#666666"
GRID = "#dddddd"
AXIS = "#999999"
FAMILY = "Inter, 'DejaVu Sans', Arial, sans-serif"
LONGEST_LABEL = 30  # characters kept of an axis label; the tables hold the rest


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _value(value: float) -> str:
    """A figure as a reader wants it: whole numbers bare, others to two places."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.2f}"


def _short(value: Any, most: int = LONGEST_LABEL) -> str:
    text = str(value)
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _width(text: str, size: float = FONT) -> float:
    return len(text) * GLYPH * size / FONT


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    size: float = FONT,
    fill: str = TEXT,
    rotate: float | None = None,
    weight: str | None = None,
) -> str:
    extra = f' transform="rotate({_num(rotate)} {_num(x)} {_num(y)})"' if rotate else ""
    bold = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="{_num(size)}" '
        f'fill="{fill}"{bold}{extra}>{escape(text)}</text>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, width: float = 1) -> str:
    return (
        f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
        f'stroke="{colour}" stroke-width="{_num(width)}"/>'
    )


def _rect(x: float, y: float, w: float, h: float, colour: str) -> str:
    return (
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(max(w, 0))}" '
        f'height="{_num(max(h, 0))}" fill="{colour}"/>'
    )


def nice_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Round ticks from `low` to at least `high` (1, 2 or 5 times a power of ten apart)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(most - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if float(low).is_integer() and float(high).is_integer() and step < 1:
        step = 1.0
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9:
        ticks.append(ticks[-1] + step)
    return ticks


def _svg(width: float, height: float, label: str, body: list[str]) -> SafeString:
    # Safe markup: every text in it was escaped on its way in (escape, _text).
    return mark_safe(  # noqa: S308
        f'<svg role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="100%" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'font-family="{FAMILY}" stroke-linejoin="round" stroke-linecap="butt">'
        f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"
    )


def _legend(
    names: list[str], width: float, palette: Sequence[str] = PALETTE
) -> tuple[list[str], float]:
    """Coloured keys above the plot, wrapped to the width; and the height they take."""
    if len(names) < 2:
        return [], 0.0
    parts: list[str] = []
    x, y = 8.0, 14.0
    for index, name in enumerate(names):
        text = _short(name, 40)
        span = 14 + _width(text) + 16
        if x + span > width and x > 8:
            x, y = 8.0, y + 18
        parts.append(_rect(x, y - 9, 10, 10, palette[index % len(palette)]))
        parts.append(_text(x + 14, y, text, fill=TEXT))
        x += span
    return parts, y + 10


def _y_axis(
    ticks: Sequence[float],
    texts: Sequence[str],
    y_of: Callable[[float], float],
    left: float,
    right: float,
    middle: float,
    ylabel: str,
) -> list[str]:
    """The value axis of both charts: a grid line and its value at each tick, and the
    axis's name turned up the left side, centred on `middle`."""
    parts = []
    for tick, text in zip(ticks, texts, strict=True):
        parts.append(_line(left, y_of(tick), right, y_of(tick), GRID))
        parts.append(_text(left - 6, y_of(tick) + FONT * 0.35, text, anchor="end", fill=MUTED))
    if ylabel:
        parts.append(_text(12, middle, ylabel, anchor="middle", fill=MUTED, rotate=-90))
    return parts


def bar_chart(
    labels: Sequence[Any],
    series: Mapping[str, Sequence[float | None]],
    *,
    label: str,
    ylabel: str = "",
    stacked: bool = False,
    horizontal: bool = False,
    width: float = 7.0,
    height: float = 3.2,
    colours: Sequence[str] | None = None,
    most: float | None = None,
) -> SafeString:
    """Bars per label, one colour per series (a key above when there is more than one);
    a single series' bars carry their value. `colours` gives each series its own (a
    meaning: green within a deadline, red overdue); the palette otherwise. `most` is where
    the value axis ends at the least (5 for a mean score, 100 for a percentage)."""
    names = list(series)
    values = [[float(v or 0) for v in series[name]] for name in names]
    palette = tuple(colours) if colours else PALETTE
    # A horizontal chart's labels have the room of its left side.
    texts = [_short(lbl, 40 if horizontal else LONGEST_LABEL) for lbl in labels]
    count = len(texts)
    w = width * DPI
    legend, top = _legend(names, w, palette)
    top = max(top, 10.0) + 6
    if stacked:
        highest = max((sum(column) for column in zip(*values, strict=True)), default=0.0)
    else:
        highest = max((v for row in values for v in row), default=0.0)
    ticks = nice_ticks(0.0, max(highest, most or 0.0) or 1.0)
    top_value = ticks[-1]
    tick_texts = [_value(t) for t in ticks]
    annotate = len(names) == 1 and not stacked and count <= 24
    # A chart's figures in one format: all whole, or all to two places (means).
    whole = all(v.is_integer() for row in values for v in row)

    def figure(value: float) -> str:
        return _value(value) if whole else f"{value:.2f}"

    body = list(legend)
    if horizontal:
        h = max(height * DPI, top + count * 22 + 40)
        left = min(max((_width(t) for t in texts), default=0) + 14, w * 0.45)
        right = w - 16 - (_width(_value(highest)) + 6 if annotate else 0)
        bottom = h - (34 if ylabel else 22)
        span = right - left
        slot = (bottom - top) / max(count, 1)

        def x_of(value: float) -> float:
            return left + span * value / top_value

        for tick, text in zip(ticks, tick_texts, strict=True):
            body.append(_line(x_of(tick), top, x_of(tick), bottom, GRID))
            body.append(_text(x_of(tick), bottom + 14, text, anchor="middle", fill=MUTED))
        if ylabel:
            body.append(_text((left + right) / 2, h - 6, ylabel, anchor="middle", fill=MUTED))
        thickness = slot * 0.7 / (1 if stacked else len(names) or 1)
        for row, text in enumerate(texts):
            centre = top + slot * (row + 0.5)
            body.append(_text(left - 8, centre + FONT * 0.35, text, anchor="end"))
            start = 0.0
            for index, name_values in enumerate(values):
                value = name_values[row]
                colour = palette[index % len(palette)]
                if stacked:
                    y = centre - thickness / 2
                    body.append(
                        _rect(x_of(start), y, x_of(start + value) - x_of(start), thickness, colour)
                    )
                    start += value
                else:
                    y = centre - slot * 0.35 + thickness * index
                    body.append(_rect(left, y, x_of(value) - left, thickness, colour))
                    if annotate:
                        body.append(
                            _text(x_of(value) + 4, y + thickness / 2 + FONT * 0.35, figure(value))
                        )
        body.append(_line(left, top, left, bottom, AXIS))
        return _svg(w, h, label, body)

    h = height * DPI
    rotated = count > 6 or any(_width(t) > (w * 0.8) / max(count, 1) for t in texts)
    longest = max((_width(t) for t in texts), default=0.0)
    label_room = longest * math.sin(math.radians(35)) + FONT + 6 if rotated else FONT + 8
    bottom = h - label_room - 6
    left = max(_width(t) for t in tick_texts) + (30 if ylabel else 12)
    right = w - 8
    if rotated:
        # Labels slant down to the left of their bar: room for the first one's tail.
        left = max(
            left, min(longest * math.cos(math.radians(35)) - (right - left) / count / 2, w * 0.3)
        )
    if bottom - top < 80:
        h += 80 - (bottom - top)
        bottom = top + 80
    slot = (right - left) / max(count, 1)

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * value / top_value

    body += _y_axis(ticks, tick_texts, y_of, left, right, (top + bottom) / 2, ylabel)
    thickness = slot * 0.8 / (1 if stacked else len(names) or 1)
    for column, text in enumerate(texts):
        centre = left + slot * (column + 0.5)
        if rotated:
            body.append(_text(centre, bottom + 14, text, anchor="end", rotate=-35))
        else:
            body.append(_text(centre, bottom + 16, text, anchor="middle"))
        start = 0.0
        for index, name_values in enumerate(values):
            value = name_values[column]
            colour = palette[index % len(palette)]
            if stacked:
                body.append(
                    _rect(
                        centre - thickness / 2,
                        y_of(start + value),
                        thickness,
                        y_of(start) - y_of(start + value),
                        colour,
                    )
                )
                start += value
            else:
                x = centre - slot * 0.4 + thickness * index
                body.append(_rect(x, y_of(value), thickness, bottom - y_of(value), colour))
                if annotate:
                    body.append(
                        _text(x + thickness / 2, y_of(value) - 4, figure(value), anchor="middle")
                    )
    body.append(_line(left, bottom, right, bottom, AXIS))
    return _svg(w, h, label, body)


def _position(x: Sequence[Any]) -> list[float]:
    """Where each x stands from 0 to 1: dates by their distance in days, anything else
    evenly."""
    if len(x) < 2:
        return [0.5] * len(x)
    if all(isinstance(v, dt.date) for v in x):
        days = [v.toordinal() for v in x]
        first, last = min(days), max(days)
        if last > first:
            return [(d - first) / (last - first) for d in days]
    return [i / (len(x) - 1) for i in range(len(x))]


def _x_text(value: Any, monthly: bool) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%m/%Y" if monthly else "%d/%m")
    return _short(value, 12)


def line_chart(
    x: Sequence[Any],
    series: Mapping[str, Sequence[float | None]],
    *,
    label: str,
    ylabel: str = "",
    ylim: tuple[float, float] | None = None,
    width: float = 7.0,
    height: float = 3.0,
) -> SafeString:
    """One line per series over x (dates or labels), each point marked; None leaves a
    gap. A key above when there is more than one series."""
    names = list(series)
    w, h = width * DPI, height * DPI
    legend, top = _legend(names, w)
    top = max(top, 10.0) + 6
    known = [float(v) for name in names for v in series[name] if v is not None]
    if ylim:
        ticks = nice_ticks(ylim[0], ylim[1])
        ticks = [t for t in ticks if ylim[0] - 1e-9 <= t <= ylim[1] + 1e-9] or list(ylim)
        low, high = ylim
    else:
        ticks = nice_ticks(min([0.0, *known]), max(known, default=1.0) or 1.0)
        low, high = ticks[0], ticks[-1]
    tick_texts = [_value(t) for t in ticks]
    left = max(_width(t) for t in tick_texts) + (30 if ylabel else 12)
    right = w - 12
    bottom = h - 26
    places = _position(list(x))

    def x_of(share: float) -> float:
        return left + (right - left) * share

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * (value - low) / ((high - low) or 1)

    body = list(legend)
    body += _y_axis(ticks, tick_texts, y_of, left, right, (top + bottom) / 2, ylabel)
    monthly = all(isinstance(v, dt.date) and v.day == 1 for v in x)
    dates = [v for v in x if isinstance(v, dt.date)]
    if dates and len(dates) == len(x) and not monthly and len(x) > 10:
        # Days: evenly spaced dates across the period, whichever days had ratings.
        first, last = min(dates).toordinal(), max(dates).toordinal()
        for step in range(8):
            day = dt.date.fromordinal(first + round((last - first) * step / 7))
            place = x_of((day.toordinal() - first) / ((last - first) or 1))
            body.append(_text(place, bottom + 16, _x_text(day, False), anchor="middle", fill=MUTED))
    else:
        shown = max(1, math.ceil(len(x) / 12))
        for index, value in enumerate(x):
            if index % shown == 0:
                text = _x_text(value, monthly)
                place = x_of(places[index])
                body.append(_text(place, bottom + 16, text, anchor="middle", fill=MUTED))
    body.append(_line(left, bottom, right, bottom, AXIS))
    for index, name in enumerate(names):
        colour = PALETTE[index % len(PALETTE)]
        run: list[str] = []
        runs: list[list[str]] = [run]
        for place, value in zip(places, series[name], strict=True):
            if value is None:
                run = []
                runs.append(run)
                continue
            point = f"{_num(x_of(place))},{_num(y_of(float(value)))}"
            run.append(point)
            cx, cy = point.split(",")
            body.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"/>')
        for points in runs:
            if len(points) > 1:
                body.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                    f'stroke-width="1.8"/>'
                )
    return _svg(w, h, label, body)
