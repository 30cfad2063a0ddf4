"""core.charts: the report charts written directly as SVG (what documents.bar_chart and
line_chart draw)."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from weserve.core import charts

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in parsed(svg).iter(f"{SVG}text")]


def test_a_bar_per_value_with_its_figure_and_every_label_escaped():
    svg = charts.bar_chart(
        ["Kaunter <1>", "Kaunter 2"], {"Purata": [4.5, 3.0]}, label="Skor & purata"
    )
    root = parsed(svg)  # well-formed: the labels' < and & are escaped
    assert root.get("aria-label") == "Skor & purata"
    bars = [r for r in root.iter(f"{SVG}rect")]
    assert len(bars) == 2
    # The taller bar is the larger value; each carries its figure.
    heights = [float(b.get("height")) for b in bars]
    assert heights[0] / heights[1] == pytest.approx(4.5 / 3.0, rel=1e-2)
    assert {"Kaunter <1>", "4.50", "3"} <= set(texts(svg))


def test_stacked_bars_add_up_and_a_key_names_each_series():
    svg = charts.bar_chart(
        ["Akuan", "Balas"],
        {"Dalam tempoh": [5, 3], "Lewat": [1, 2]},
        label="Tempoh",
        stacked=True,
    )
    assert {"Dalam tempoh", "Lewat"} <= set(texts(svg))
    # Two keys and four bar segments.
    assert len(list(parsed(svg).iter(f"{SVG}rect"))) == 6


def test_long_labels_are_shortened_not_spilled():
    long = "Kegagalan penguatkuasaan undang-undang oleh agensi berkaitan"
    svg = charts.bar_chart([long], {"Aduan": [3]}, label="x", horizontal=True)
    shown = [t for t in texts(svg) if t.startswith("Kegagalan")]
    assert shown and shown[0].endswith("…") and len(shown[0]) <= 40


def test_a_line_over_months_breaks_where_a_value_is_missing():
    months = [dt.date(2026, m, 1) for m in range(1, 5)]
    svg = charts.line_chart(months, {"Purata": [4.0, None, 3.5, 4.5]}, label="Trend", ylim=(1, 5))
    root = parsed(svg)
    assert len(list(root.iter(f"{SVG}circle"))) == 3
    # Jan alone, then Mar-Apr: one line of two points.
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 1 and len(lines[0].get("points").split()) == 2
    assert "01/2026" in texts(svg)


def test_ticks_are_round_numbers_covering_the_values():
    assert charts.nice_ticks(0, 97) == [0, 20, 40, 60, 80, 100]
    assert charts.nice_ticks(0, 3) == [0, 1, 2, 3]
    assert charts.nice_ticks(1, 5) == [1, 2, 3, 4, 5]
    assert re.fullmatch(r"[\d.]+", charts._value(2.5))


def test_a_mean_score_axis_runs_to_five_and_a_share_to_a_hundred():
    means = charts.bar_chart(["A", "B"], {"Purata": [3.6, 3.8]}, label="x", most=5)
    assert "5" in texts(means) and "4" in texts(means)
    shares = charts.bar_chart(["A"], {"%": [62.2]}, label="x", horizontal=True, most=100)
    assert "100" in texts(shares) and "62.20" in texts(shares)
