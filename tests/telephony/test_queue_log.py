"""`weserve import-queue-log`: a small queue_log with malformed lines, imported twice."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from weserve.core.models import AuditLog
from weserve.telephony import queue_log, selectors
from weserve.telephony.models import Call

pytestmark = pytest.mark.django_db

# 2026-11-25 10:00:00 in Malaysia.
T = int(dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC).timestamp())

LOG = f"""\
{T - 100}|NONE|NONE|NONE|QUEUESTART|
{T}|1001.1|operator|NONE|ENTERQUEUE||0123456789|1
{T + 4}|1001.1|operator|PJSIP/200|CONNECT|4|1001.2|3
{T + 90}|1001.1|operator|PJSIP/200|COMPLETECALLER|4|86|1
{T + 10}|1002.1|operator|NONE|ENTERQUEUE||0132223333|1
{T + 20}|1002.1|operator|PJSIP/200|RINGNOANSWER|10000
{T + 25}|1002.1|operator|PJSIP/200|CONNECT|15|1002.2|5
this line is not a queue_log line
{T + 30}|1002.1|operator|PJSIP/200|BLINDTRANSFER|231|from-internal|15|5|1
{T + 40}|1003.1|operator|NONE|ENTERQUEUE||0191112222|1
{T + 70}|1003.1|operator|NONE|ABANDON|1|1|30
{T + 50}|1004.1|operator|NONE|ENTERQUEUE||0191112223|2
soon|1004.2|operator|NONE|ENTERQUEUE||0191112223|2
{T + 110}|1004.1|operator|NONE|EXITWITHTIMEOUT|1|2|60
{T + 60}|1005.1|operator|NONE|ENTERQUEUE||0191112224|1
{T + 70}|1005.1|operator|Local/201@from-queue/n|CONNECT|ten|1005.2|1
{T + 65}|1005.1|operator|Local/201@from-queue/n|CONNECT|5|1005.2|1
{T + 80}|1005.1|operator|Local/201@from-queue/n|ATTENDEDTRANSFER|BRIDGE|x|5|15|1
{T + 81}||operator|NONE|ABANDON|1|1|3
{T + 82}|1006.1|operator|NONE|CONNECT
{T + 5}|1007.1|operator|PJSIP/200|CONNECT|3|1007.2|3
"""


def run(path, office="PKMD-PJ"):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_queue_log", str(path), office=office, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "queue_log"
    path.write_text(LOG, encoding="utf-8")
    return path


def test_import_reports_malformed_lines_and_imports_the_rest(tree, desk, log_file):
    out, err = run(log_file)
    assert "line 8:" in err  # not a queue_log line
    assert "line 13:" in err  # the time is not a number
    assert "line 16:" in err  # CONNECT's waiting time is not a number
    assert "line 19:" in err  # no call id
    assert "line 20:" in err  # CONNECT without its data
    assert err.count("skipped") == 5
    assert "21 lines read: 6 calls added, 0 updated, 5 lines skipped, 1 not about a call" in out
    calls = {c.call_id: c for c in Call.objects.filter(office=tree.pj)}
    first = calls["1001.1"]
    assert first.caller_number == "+60123456789"
    assert (first.answered_at - first.ring_at).total_seconds() == 4
    assert first.operator == desk["operator"].user
    assert first.outcome == Call.Outcome.HANDLED and first.times_from_exchange
    second = calls["1002.1"]
    assert second.transfer_to == desk["aminah"]
    assert second.outcome == Call.Outcome.TRANSFERRED
    assert (second.answered_at - second.ring_at).total_seconds() == 15
    assert calls["1003.1"].outcome == Call.Outcome.ABANDONED
    assert calls["1004.1"].outcome == Call.Outcome.UNANSWERED
    assert calls["1005.1"].operator_extension == "201"
    assert calls["1005.1"].outcome == Call.Outcome.TRANSFERRED
    # A CONNECT without its ENTERQUEUE: the ring is the answer less the hold time.
    assert (calls["1007.1"].answered_at - calls["1007.1"].ring_at).total_seconds() == 3
    assert calls["1007.1"].status == Call.Status.ANSWERED
    assert AuditLog.objects.filter(action="telephony.queue_log.imported").count() == 1


def test_importing_again_adds_and_changes_nothing(tree, desk, log_file):
    run(log_file)
    before = list(Call.objects.order_by("pk").values())
    out, _err = run(log_file)
    assert "0 calls added, 0 updated" in out
    assert list(Call.objects.order_by("pk").values()) == before


def test_a_later_file_completes_calls_of_an_earlier_one(tree, desk, tmp_path):
    lines = LOG.splitlines(keepends=True)
    head, tail = tmp_path / "a", tmp_path / "b"
    head.write_text("".join(lines[:3]), encoding="utf-8")
    tail.write_text("".join(lines[2:]), encoding="utf-8")  # overlaps by one line
    run(head)
    assert Call.objects.get(call_id="1001.1").status == Call.Status.ANSWERED
    out, _err = run(tail)
    assert "1 updated" in out
    whole = Call.objects.get(call_id="1001.1")
    assert whole.status == Call.Status.ENDED
    assert (whole.answered_at - whole.ring_at).total_seconds() == 4


def test_the_service_level_of_the_imported_log(tree, desk, log_file):
    run(log_file)
    day = dt.date(2026, 11, 25)
    # Answered: 1001 (4 s), 1002 (15 s), 1005 (5 s), 1007 (3 s): 3 within 10 s.
    assert selectors.service_level(tree.pj, day, day) == {
        "calls": 6,
        "answered": 4,
        "answered_within_10s": 3,
        "service_level": 0.75,
        "abandoned": 1,
        "average_speed_of_answer_seconds": 6.8,
        "transfers_returned": 0,
    }


def test_unknown_office_and_missing_file(tree, tmp_path):
    with pytest.raises(CommandError, match="No office"):
        run(tmp_path / "x", office="NOPE")
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "missing")


@pytest.mark.parametrize(
    ("agent", "extension"),
    [
        ("PJSIP/201", "201"),
        ("SIP/2001-0000a1", "2001"),
        ("Local/201@from-queue/n", "201"),
        ("Agent/1", ""),
        ("NONE", ""),
    ],
)
def test_agent_extension(agent, extension):
    assert queue_log.agent_extension(agent) == extension


def test_the_fast_number_path_agrees_with_clean_number():
    """The importer's shortcut for national digits gives what services.clean_number
    gives (valid numbers in E.164, others as their digits), on random numbers of every
    length and prefix, and on the shapes it hands on to clean_number."""
    import random

    from weserve.telephony.services import clean_number

    rng = random.Random(17)
    samples = [
        "0" + str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(length))
        for length in range(4, 14)
        for _ in range(400)
    ]
    samples += [f"01{rng.randint(0, 10**9 - 1):09d}"[: rng.choice((10, 11))] for _ in range(2000)]
    samples += ["0123456789", " 0123456789 ", "012-345 6789", "+60123456789", "60123456789"]
    samples += ["00601234567", "0312345678", "0", "", "anonymous", "0" * 9, "01" + "9" * 14]
    # Each type of Malaysia's metadata: premium, toll-free, VoIP, fixed (4270...), mobile.
    samples += ["01600123456", "01800123456", "01546012345", "0156321234", "042701234"]
    samples += ["0427012345", "01188861234", "0114400123", "0191234567", "0358001234"]
    for raw in samples:
        assert queue_log.clean_national_number(raw) == clean_number(raw), raw
    assert sum(queue_log.clean_national_number(raw).startswith("+60") for raw in samples) > 1000


def test_an_import_that_fails_part_way_saves_nothing(tree, desk):
    def lines():
        yield from LOG.splitlines(keepends=True)
        raise OSError("the disk went away")

    with pytest.raises(OSError):
        queue_log.import_queue_log(tree.pj, lines())
    assert not Call.objects.exists()
    assert not AuditLog.objects.filter(action="telephony.queue_log.imported").exists()


def test_call_ids_with_backslashes_and_tabs_are_kept_as_written(tree, desk):
    odd = "17\\00.1\tx"
    text = f"{T}|{odd}|operator|NONE|ENTERQUEUE||0123456789|1\n"
    first = queue_log.import_queue_log(tree.pj, io.StringIO(text))
    again = queue_log.import_queue_log(tree.pj, io.StringIO(text))
    assert (first.calls_added, again.calls_added, again.calls_updated) == (1, 0, 0)
    assert Call.objects.get().call_id == odd


def test_an_import_completes_a_call_the_webhook_began_without_undoing_it(tree, users, desk):
    from weserve.telephony import services

    begun = services.ring(
        tree.pj,
        call_id="1002.1",
        caller_number="0132223333",
        at=dt.datetime.fromtimestamp(T + 10, tz=dt.UTC),
        from_exchange=True,
    )
    services.answer(begun, acting_user=users["telefonis"], at=begun.ring_at)
    services.put_on_hold(begun, at=begun.ring_at + dt.timedelta(seconds=5))
    lines = [line for line in LOG.splitlines(keepends=True) if "|1002.1|" in line]
    queue_log.import_queue_log(tree.pj, io.StringIO("".join(lines[:2])))  # no CONNECT, no end
    kept = Call.objects.get(call_id="1002.1")
    assert kept.status == Call.Status.ON_HOLD  # the exchange's lines said nothing newer
    assert kept.answered_at == begun.ring_at
    result = queue_log.import_queue_log(tree.pj, io.StringIO("".join(lines)))
    assert result.calls_updated == 1
    ended = Call.objects.get(call_id="1002.1")
    assert ended.status == Call.Status.ENDED
    assert ended.outcome == Call.Outcome.TRANSFERRED
    assert ended.transfer_to == desk["aminah"]
    assert ended.hold_since is None
    assert ended.answered_at == begun.ring_at  # the earlier answer stays
