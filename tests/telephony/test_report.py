"""The service-level report, the call log with its export, and the staffing page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.telephony.test_service_level import exchange_call
from weserve.core.clock import MALAYSIA
from weserve.core.models import AuditLog

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=MALAYSIA)


def at(day, hour, minute=0, second=0):
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=MALAYSIA)


@pytest.fixture
def history(tree, users, desk):
    pj = tree.pj
    first = exchange_call(pj, "1", at(24, 10), 4, hang_up_at=at(24, 10, 3))
    first.operator = users["telefonis"]
    first.save(update_fields=["operator"])
    exchange_call(pj, "2", at(24, 10, 5), 30, hang_up_at=at(24, 10, 9))
    exchange_call(pj, "3", at(25, 11), hang_up_at=at(25, 11, 1))
    exchange_call(pj, "4", at(25, 11, 5), 2)
    return pj


def test_the_report_shows_the_figures_and_charts(history, client_for):
    with time_machine.travel(NOW, tick=False):
        page = client_for("penyelia").get("/phone/report/?from=2026-11-24&to=2026-11-25")
    body = page.content.decode()
    assert page.status_code == 200
    # Answered 3 (4 s, 30 s, 2 s): 2 within 10 s.
    assert 'data-testid="service-level">66.7%' in body
    assert body.count('role="img"') >= 2  # the two charts
    assert "Telefonis" in body  # the operator's row
    assert "outstanding" not in body  # the message counts are not Django's messages


def test_the_charts_are_drawn_in_colour_and_the_report_prints(history, client_for):
    """The page's CSP ignores style attributes inside an inline SVG (shapes drawn black):
    the charts carry their colours as attributes. The PDF holds the same figures and
    charts, and its printing is audited."""
    import re

    client = client_for("penyelia")
    with time_machine.travel(NOW, tick=False):
        body = client.get("/phone/report/?from=2026-11-24&to=2026-11-25").content.decode()
        svgs = re.findall(r"<svg[^>]*role=\"img\".*?</svg>", body, re.S)
        assert len(svgs) == 2
        for svg in svgs:
            assert "style=" not in svg and "<style" not in svg
            assert 'fill="#1f4e8c"' in svg or 'stroke="#1f4e8c"' in svg
        assert 'fill="#e08a1e"' in svgs[1]  # the second series of the stacked bars
        pdf = client.get("/phone/report/?from=2026-11-24&to=2026-11-25&format=pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    entry = AuditLog.objects.get(action="telephony.report.exported")
    assert entry.data == {"from": "2026-11-24", "to": "2026-11-25", "format": "pdf"}


def test_bad_dates_fall_back_to_the_last_week(history, client_for):
    with time_machine.travel(NOW, tick=False):
        page = client_for("penyelia").get("/phone/report/?from=2026-11-25&to=2026-11-01")
    assert page.status_code == 200
    assert 'role="alert"' in page.content.decode()


def test_the_log_exports_csv_and_xlsx_and_audits_it(history, client_for):
    client = client_for("penyelia")
    with time_machine.travel(NOW, tick=False):
        log = client.get("/phone/log/?from=2026-11-24&to=2026-11-25")
        assert log.status_code == 200
        assert log.content.decode().count("<tr>") == 5  # header + 4 calls
        csv = client.get("/phone/log/?from=2026-11-24&to=2026-11-25&export=csv")
        text = b"".join(csv.streaming_content).decode().lstrip("\ufeff")
        xlsx = client.get("/phone/log/?from=2026-11-24&to=2026-11-25&export=xlsx")
    assert text.splitlines()[0].startswith("call_id,direction,ring_at")
    assert len(text.strip().splitlines()) == 5
    assert "2026-11-24 10:00:00" in text  # local time
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditLog.objects.filter(action="telephony.calls.exported").count() == 2


def test_staffing_needs_beside_the_staffed(history, client_for):
    with time_machine.travel(NOW, tick=False):
        page = client_for("penyelia").get("/phone/staffing/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "10:00" in body and "11:00" in body
    assert "<svg" in body


def test_counter_staff_may_not_read_the_report(tree, users, client_for):
    assert client_for("petugas").get("/phone/report/").status_code == 403
    assert client_for("petugas").get("/phone/log/?export=csv").status_code == 403
