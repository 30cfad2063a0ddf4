"""Load in short windows, to see a rate dip and whether the machine was idle during it.

    python bench/prototypes/windows.py [--windows 20] [--seconds 4] [--path tickets|ping|both]

Sets up like bench/queue_load.py (its own database, demo data, `weserve serve` with two
workers, a kiosk token), then drives 50 closed-loop clients window after window, with no
queue keeper, and prints per window: the rate, the server's and PostgreSQL's CPU per
request, the share of the machine's CPU time that was idle and stolen (/proc/stat), and
the share of the window in which some task waited for I/O (/proc/pressure/io), and
how many tickets wait. A window far below its neighbours with the machine idle is a stall
(something waited: a lock, a pool, a thread), not a lack of CPU. docs/performance.md,
"Session 4's measurements", says what these showed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import queue_load as q  # noqa: E402


def io_stalled() -> float:
    """Seconds so far in which some task waited for I/O (pressure stall information)."""
    try:
        with open("/proc/pressure/io") as pressure:
            some = pressure.readline().split()
    except OSError:
        return 0.0
    return int(dict(field.split("=") for field in some[1:])["total"]) / 1e6


def cpu_times() -> tuple[int, int, int]:
    """All, idle (with I/O wait) and stolen CPU time of the machine so far, in ticks."""
    with open("/proc/stat") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:]]
    return sum(ticks), ticks[3] + ticks[4], ticks[7]


async def run(server: q.Server, windows: int, seconds: float, path: str) -> None:
    meter = q.CpuMeter(server.process.pid if server.process else None)
    tickets = q.ticket_maker(server.kiosk_token, q.SERVICES)
    for i in range(windows):
        ping = path == "ping" or (path == "both" and i % 2 == 0)
        pids = sorted(q.group_pids(server.process.pid)) if server.process else []
        per_before = [q.cpu_seconds({pid}) for pid in pids]
        before, io_before, started = cpu_times(), io_stalled(), time.monotonic()
        row = await q.closed_loop(
            server.port,
            q.ping_maker if ping else tickets,
            clients=q.CLIENTS,
            warmup=0.5,
            measure=seconds,
            meter=meter,
        )
        after, io_after, took = cpu_times(), io_stalled(), time.monotonic() - started
        # Each server process's share of one core: two workers far apart is an uneven
        # spread of the connections between them.
        busy = sorted(
            (q.cpu_seconds({pid}) - b) / took for pid, b in zip(pids, per_before, strict=True)
        )[-2:]
        spent = max(after[0] - before[0], 1)
        waiting = q.bench_sql("SELECT count(*) FROM queueing_ticket WHERE status = 'waiting'")
        print(
            f"{time.strftime('%H:%M:%S')} {'ping  ' if ping else 'ticket'} "
            f"{row['requests_per_second']:6.0f}/s  server "
            f"{row.get('server_cpu_ms_per_request', 0):.2f} ms  PostgreSQL "
            f"{row.get('postgres_cpu_ms_per_request', 0):.2f} ms  idle "
            f"{100 * (after[1] - before[1]) / spent:3.0f}%  stolen "
            f"{100 * (after[2] - before[2]) / spent:3.0f}%  waiting for I/O "
            f"{100 * (io_after - io_before) / took:3.0f}% of the time  "
            f"waiting {waiting[0][0]}  workers " + " ".join(f"{100 * b:3.0f}%" for b in busy),
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--path", choices=["tickets", "ping", "both"], default="tickets")
    args = parser.parse_args()
    server = None
    try:
        server = q.set_up(print)
        asyncio.run(run(server, args.windows, args.seconds, args.path))
    finally:
        q.tear_down(server, keep=False)


if __name__ == "__main__":
    main()
