"""Benchmark: `weserve import-queue-log` against a plain COPY of the same lines.

Makes a queue_log of a busy month (default 1,000,000 lines: ENTERQUEUE, CONNECT or
ABANDON/EXITWITHTIMEOUT, RINGNOANSWER now and then, COMPLETE*/BLINDTRANSFER; about five
lines per call), then on PostgreSQL, in the same run:

1. COPY the raw lines into a scratch table (`COPY ... FROM STDIN`): the baseline;
2. import them with `weserve.telephony.queue_log.import_queue_log`;
3. import them again: must add and change nothing, and take less time than (2);
4. time the service-level figures over the month (the report's query).

Target (issue 17): (2)'s lines per second at least 20% of COPY's.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/weserve_bench \\
        .venv/bin/python bench/queue_log_import.py [--lines 1000000]

It migrates the database it is given and makes an office BENCH-QL: use a scratch
database. Not part of CI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import sys
import time


def make_lines(count: int, start: dt.datetime, seed: int = 17) -> list[str]:
    rng = random.Random(seed)
    lines: list[str] = []
    t = int(start.timestamp())
    call = 0
    while len(lines) < count:
        call += 1
        t += rng.randint(1, 8)
        callid = f"{t}.{call}"
        agent = f"PJSIP/{rng.randint(200, 205)}"
        lines.append(
            f"{t}|{callid}|operator|NONE|ENTERQUEUE||01{rng.randint(10000000, 99999999)}|1"
        )
        wait = int(rng.expovariate(1 / 7))
        if rng.random() < 0.06:
            lines.append(f"{t + wait}|{callid}|operator|NONE|ABANDON|1|1|{wait}")
            continue
        if rng.random() < 0.02:
            lines.append(f"{t + 60}|{callid}|operator|NONE|EXITWITHTIMEOUT|1|1|60")
            continue
        if wait > 8:
            lines.append(f"{t + 8}|{callid}|operator|{agent}|RINGNOANSWER|8000")
        lines.append(f"{t + wait}|{callid}|operator|{agent}|CONNECT|{wait}|{callid}9|2")
        talk = rng.randint(20, 400)
        if rng.random() < 0.3:
            ext = rng.choice(("2201", "2202", "2203", "9999"))
            data = f"{ext}|from-internal|{wait}|{talk}|1"
            lines.append(f"{t + wait + talk}|{callid}|operator|{agent}|BLINDTRANSFER|{data}")
        else:
            event = rng.choice(("COMPLETEAGENT", "COMPLETECALLER"))
            lines.append(f"{t + wait + talk}|{callid}|operator|{agent}|{event}|{wait}|{talk}|1")
    return [line + "\n" for line in lines[:count]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weserve.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL (DATABASE_URL=postgres://...).", file=sys.stderr)
        return 2
    call_command("migrate", verbosity=0)
    from weserve.organisation.models import Office
    from weserve.telephony import selectors
    from weserve.telephony.models import Call
    from weserve.telephony.queue_log import import_queue_log

    office, _ = Office.objects.get_or_create(
        code="BENCH-QL",
        defaults={"kind": "hq", "state": "10", "name_ms": "Bangku", "name_en": "Bench"},
    )
    Call.objects.filter(office=office).delete()
    month = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    lines = make_lines(args.lines, month)
    print(f"{len(lines):,} lines, {sum(len(x) for x in lines) / 1e6:.1f} MB")
    print("load average at the start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))

    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TABLE IF EXISTS bench_queue_log; CREATE TABLE bench_queue_log (line text)"
        )
        data = "".join(line.replace("\\", "\\\\") for line in lines)
        began = time.perf_counter()
        with cursor.copy("COPY bench_queue_log (line) FROM STDIN") as copy:
            copy.write(data)
        copy_s = time.perf_counter() - began
        cursor.execute("DROP TABLE bench_queue_log")

    began = time.perf_counter()
    first = import_queue_log(office, io.StringIO("".join(lines)), source="bench")
    first_s = time.perf_counter() - began
    calls = Call.objects.filter(office=office).count()

    began = time.perf_counter()
    again = import_queue_log(office, io.StringIO("".join(lines)), source="bench")
    again_s = time.perf_counter() - began

    began = time.perf_counter()
    figures = selectors.service_level(office, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    report_s = time.perf_counter() - began

    copy_rate = len(lines) / copy_s
    first_rate = len(lines) / first_s
    print(f"COPY:            {copy_s:8.2f} s  {copy_rate:12,.0f} lines/s")
    print(
        f"import:          {first_s:8.2f} s  {first_rate:12,.0f} lines/s  "
        f"({first.calls_added:,} calls, {len(first.skipped)} skipped)"
    )
    changed = f"added {again.calls_added}, updated {again.calls_updated}"
    print(f"import again:    {again_s:8.2f} s  {changed}")
    print(f"ratio import/COPY: {first_rate / copy_rate:.1%} (target >= 20%)")
    print(f"service level over the month: {report_s * 1000:.0f} ms ({figures['calls']:,} calls)")
    ok = (
        first_rate / copy_rate >= 0.2
        and again.calls_added == 0
        and again.calls_updated == 0
        and again_s < first_s
        and calls == first.calls_added
    )
    print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print("PASS" if ok else "MISS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
