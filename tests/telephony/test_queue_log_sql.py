"""The PostgreSQL import reads the raw lines in SQL (`queue_log._parse_sql`) and hands
what it cannot read without doubt to `parse_line`: both readings of a line must agree,
on the awkward lines below and on random ones made of the same pieces."""

from __future__ import annotations

import io
import random

import pytest
from django.db import connection, transaction

from weserve.telephony import queue_log
from weserve.telephony.queue_log import ImportResult

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL reading is PostgreSQL's"),
]

T = "1795572000"
AWKWARD = [
    f"{T}|1.1|q|NONE|ENTERQUEUE||0123456789|1",
    f"{T}|1.1|q|PJSIP/201|CONNECT|4|1.2|3",
    f"{T}|1.1|q|PJSIP/201|COMPLETEAGENT|4|86|1",
    f"{T}|1.2|q|SIP/2011234567|CONNECT|4|1.2|3",
    f"{T}|1.3| q |  Local/201@from-queue/n  |CONNECT|0|1.2|3",
    f"{T}|1.3|q|SIP/２０１|CONNECT|0|1.2|3",  # digits Python's \\d reads
    f"{T}|1.3|q|Agent Smith|CONNECT|7",
    f"{T}|1.4|q|NONE|ABANDON|1|1|30",
    f"{T}|1.4|q|NONE|ABANDON|1|1",
    f"{T}|1.4|q|NONE|EXITWITHTIMEOUT|1|1|10000000",
    f"{T}|1.4|q|NONE|EXITEMPTY|1|1|10000001",
    f"{T}|1.4|q|NONE|EXITEMPTY|1|1|00000007",
    f"{T}|1.4|q|NONE|EXITEMPTY|1|1| 7",
    f"{T}|1.4|q|NONE|EXITEMPTY|1|1|+7",
    f"{T}|1.4|q|NONE|EXITEMPTY|1|1|7_0",
    f"{T}|1.4|q|NONE|EXITEMPTY|1|1|",
    f"{T}|1.5|q|PJSIP/201|CONNECT|ten|1.2|3",
    f"{T}|1.5|q|PJSIP/201|CONNECT",
    f"{T}|1.6|q|NONE|ENTERQUEUE||  0123 456  |1",
    f"{T}|1.6|q|NONE|ENTERQUEUE||\u30000123\u3000|1",
    f"{T}|1.6|q|NONE|ENTERQUEUE|| |1",
    f"{T}|1.6|q|NONE|ENTERQUEUE|||1",
    f"{T}|1.6|q|NONE|ENTERQUEUE||",
    f"{T}|1.6|q|NONE|ENTERQUEUE|",
    f"{T}|1.6|q|NONE|ENTERQUEUE||{'9' * 250}|1",
    f"{T}|1.6|q|NONE|ENTERQUEUE||é0123|1",
    f"{T}|1.7|q|PJSIP/201|BLINDTRANSFER",
    f"{T}|1.7|q|PJSIP/201|BLINDTRANSFER|",
    f"{T}|1.7|q|PJSIP/201|BLINDTRANSFER| 2201 |ctx|1|2|1",
    f"{T}|1.7|q|PJSIP/201|BLINDTRANSFER|{'2' * 30}|ctx",
    f"{T}|1.7|q|PJSIP/201|ATTENDEDTRANSFER|BRIDGE|x|5|15|1",
    f"{T}|1.8|q|PJSIP/201| CONNECT|3|1.2|3",
    f"{T}|1.8|q|PJSIP/201|CONNECT\u00a0|3|1.2|3",
    f"{T}|1.8|q|PJSIP/201|connect|3|1.2|3",
    f"{T}|1.8|q|PJSIP/201|RINGNOANSWER|8000",
    f"{T}|NONE|q|NONE|ENTERQUEUE||0123456789|1",
    f"{T}||q|NONE|ABANDON|1|1|3",
    f"{T}|{'x' * 64}|q|NONE|ENTERQUEUE||0123456789|1",
    f"{T}|{'x' * 65}|q|NONE|ENTERQUEUE||0123456789|1",
    f"{T}|{'é' * 64}|q|NONE|ENTERQUEUE||0123456789|1",
    f"{T}|NONE|NONE|NONE|QUEUESTART|",
    f"{T}|{'x' * 65}|q|NONE|ADDMEMBER|",
    f"{T}|1.9|q|NONE|  |",
    f"{T}|1.9|q|NONE|",
    f"{T}|1.9|q|NONE",
    "+1795572000|2.1|q|NONE|ENTERQUEUE||0123456789|1",
    " 1795572000|2.1|q|NONE|ENTERQUEUE||0123456789|1",
    "0001795572000|2.1|q|NONE|ENTERQUEUE||0123456789|1",
    "1_795_572_000|2.1|q|NONE|ENTERQUEUE||0123456789|1",
    "١٧٩٥٥٧٢٠٠٠|2.1|q|NONE|ENTERQUEUE||0123456789|1",
    "0|2.1|q|NONE|ENTERQUEUE||0123456789|1",
    "253370000000|2.1|q|NONE|ENTERQUEUE||0123456789|1",
    "253369999999|2.1|q|NONE|ENTERQUEUE||0123456789|1",
    "9999999999999999|2.1|q|NONE|ENTERQUEUE||0123456789|1",
    "soon|2.1|q|NONE|ENTERQUEUE||0123456789|1",
    f"{T}|2.2\\x|q|NONE|ENTERQUEUE||01\\23\t4|1",
    f"{T}|2.3\r|q|NONE|ENTERQUEUE||0123456789|1\r",
    f"{T}|2.3|q|NONE|ENTERQUEUE||0123456789|1\r\r",
    f"{T}|2.4|q|NONE|ENTER\x00QUEUE||0123456789|1",
    "",
    "   ",
    "\x1c",
    "\\.",
    "this line is not a queue_log line",
]


def sql_reading(lines):
    """What the PostgreSQL path stages (ql_line) and counts, for these lines."""
    result = ImportResult()
    with transaction.atomic(), connection.cursor() as cursor:
        queue_log._stage_postgres(cursor, lines, result)
        columns = ", ".join(queue_log.STAGED)
        cursor.execute(f"SELECT {columns} FROM ql_line ORDER BY line_no")  # noqa: S608
        rows = [tuple(row) for row in cursor.fetchall()]
        transaction.set_rollback(True)
    return rows, result


def python_reading(text):
    result = ImportResult()
    rows = list(queue_log._staged(io.StringIO(text), result))
    return rows, result


def same(text, sql):
    rows, result = sql
    expected_rows, expected = python_reading(text)
    assert rows == expected_rows
    assert result.skipped == expected.skipped
    assert (result.lines, result.call_lines, result.not_about_a_call) == (
        expected.lines,
        expected.call_lines,
        expected.not_about_a_call,
    )


def test_sql_and_python_read_awkward_lines_alike():
    text = "\n".join(AWKWARD) + "\n"
    same(text, sql_reading(io.StringIO(text)))
    assert python_reading(text)[1].skipped  # some of them are malformed
    # A list of lines (not a file) goes line by line; a last line without its newline.
    same(text, sql_reading(io.StringIO(text).readlines()))
    same(text.rstrip("\n"), sql_reading(io.StringIO(text.rstrip("\n"))))


def test_sql_and_python_read_random_lines_alike(monkeypatch):
    # Small blocks: lines cut across reads must come out whole.
    monkeypatch.setattr(queue_log, "_CHUNK", 97)
    rng = random.Random(17)
    pieces = [field for line in AWKWARD for field in line.split("|")]
    lines = []
    for _ in range(3000):
        if rng.random() < 0.5:
            fields = rng.choice(AWKWARD).split("|")
            fields[rng.randrange(len(fields))] = rng.choice(pieces)
        else:
            fields = [rng.choice(pieces) for _ in range(rng.randint(1, 9))]
            fields[0] = rng.choice((T, fields[0]))
            if len(fields) > 4:
                fields[4] = rng.choice([*sorted(queue_log.CALL_EVENTS), fields[4]])
        lines.append("|".join(fields))
    text = "\n".join(lines) + "\n"
    rows, result = sql_reading(io.StringIO(text))
    same(text, (rows, result))
    assert len(rows) > 500 and len(result.skipped) > 200


def test_whitespace_is_what_python_strips():
    assert queue_log.PY_WHITESPACE == "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


def test_sql_reads_the_usual_lines_itself():
    """Only the odd lines go to Python: a busy month's usual lines are read in SQL."""
    usual = AWKWARD[:5] + [AWKWARD[7], AWKWARD[9], AWKWARD[26], AWKWARD[30], AWKWARD[34]]
    usual += [AWKWARD[40], f"{T}|1.2|q|PJSIP/201|COMPLETECALLER|4|86|1"]
    result = ImportResult()
    with transaction.atomic(), connection.cursor() as cursor:
        queue_log._stage_postgres(cursor, io.StringIO("\n".join(usual) + "\n"), result)
        cursor.execute("SELECT kind, count(*) FROM ql_parsed GROUP BY kind ORDER BY kind")
        kinds = dict(cursor.fetchall())
        transaction.set_rollback(True)
    assert kinds == {"c": len(usual) - 1, "o": 1}
