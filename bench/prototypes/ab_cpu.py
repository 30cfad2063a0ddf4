"""What parts of the ticket issue cost: server CPU per ticket, variants against WeServe as is.

    python bench/prototypes/ab_cpu.py [--rounds 2] [--seconds 8] [--variant NAME=MODULE:APP]

Sets up like bench/queue_load.py (its own database, demo data, a kiosk token), then for
each variant starts uvicorn with two workers on weserve's ASGI app, wrapped by a
prototype module of this directory, and measures 50 clients on GET /api/v1/ping, then
POST tickets, then ping again, with the CPU the server processes and their PostgreSQL
backends spend per request. The variants run in turn, `--rounds` times, so a busy spell
of the shared machine does not fall on one variant only. docs/performance.md has the
numbers. The variants are monkeypatches for measuring (by default: live events off, people
ahead and the estimate off, ticket issues sent one by one), not part of WeServe;
`--variant` measures others instead.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import queue_load as q  # noqa: E402

VARIANTS = {
    "as is": "weserve.asgi:application",
    "without live events": "without_live_events:application",
    "without people ahead": "without_position:application",
    "without batches": "without_batches:application",
}


async def measure(server: q.Server, app: str, seconds: float) -> dict[str, float]:
    port = q.free_port()
    path = [str(HERE), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**server.env, "PYTHONPATH": os.pathsep.join(path)}
    with (server.var_dir / "ab.log").open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            [
                sys.executable,
                "-c",
                # uvicorn's workers as `weserve serve` starts them (a socket each).
                "import sys; from weserve.core.management.commands.serve import run_uvicorn; "
                "run_uvicorn(sys.argv[1], int(sys.argv[2]), {'workers': int(sys.argv[3]), "
                "'lifespan': 'off', 'server_header': False, 'host': sys.argv[1], "
                "'port': int(sys.argv[2])}, app=sys.argv[4])",
                q.HOST,
                str(port),
                str(q.WORKERS),
                app,
            ],
            env=env,
            cwd=q.ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        await q.wait_until_up(q.Server(port, env, server.var_dir, server.log_path, process))
        meter = q.CpuMeter(process.pid)
        common = {"clients": q.CLIENTS, "warmup": 2.0, "measure": seconds, "meter": meter}
        before = await q.closed_loop(port, q.ping_maker, **common)
        q.clear_queue()
        tickets = await q.closed_loop(
            port, q.ticket_maker(server.kiosk_token, q.SERVICES), **common
        )
        q.clear_queue()
        after = await q.closed_loop(port, q.ping_maker, **common)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
    ping_rate = statistics.fmean([before["requests_per_second"], after["requests_per_second"]])
    ping_cpu = statistics.fmean(
        [before["server_cpu_ms_per_request"], after["server_cpu_ms_per_request"]]
    )
    return {
        "ratio": tickets["requests_per_second"] / ping_rate,
        "ping_cpu": ping_cpu,
        "ticket_cpu": tickets["server_cpu_ms_per_request"],
        "ticket_pg_cpu": tickets["postgres_cpu_ms_per_request"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=MODULE:APP",
        help="measure these instead (modules found in this directory or on PYTHONPATH)",
    )
    args = parser.parse_args()
    variants = dict(v.split("=", 1) for v in args.variant) or VARIANTS
    server = None
    try:
        server = q.set_up(print)
        # Only the database, the demo data and the tokens are wanted: stop `weserve serve`.
        assert server.process is not None
        os.killpg(server.process.pid, signal.SIGTERM)
        server.process.wait(30)
        results: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
        for _round in range(args.rounds):
            for name, app in variants.items():
                row = asyncio.run(measure(server, app, args.seconds))
                results[name].append(row)
                print(
                    f"{name:<20} ticket {row['ticket_cpu']:5.2f} ms server CPU "
                    f"(+{row['ticket_pg_cpu']:.2f} PostgreSQL), ping {row['ping_cpu']:.2f} ms; "
                    f"rate ratio {row['ratio']:.0%}",
                    flush=True,
                )
        print("\nmeans over the rounds:")
        for name, rows in results.items():
            cpu = statistics.fmean(r["ticket_cpu"] for r in rows)
            ping = statistics.fmean(r["ping_cpu"] for r in rows)
            ratio = statistics.fmean(r["ratio"] for r in rows)
            print(
                f"{name:<20} ticket {cpu:5.2f} ms = {cpu / ping:4.1f} pings "
                f"(CPU ratio {ping / cpu:.0%}); rate ratio {ratio:.0%}"
            )
    finally:
        q.tear_down(server, keep=False)


if __name__ == "__main__":
    main()
