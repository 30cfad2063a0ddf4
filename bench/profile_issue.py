"""Where a ticket request's time goes: py-spy on one uvicorn worker under 50 clients.

    python bench/profile_issue.py [--seconds 10] [--path ping|tickets] [--sqlite]

Sets up like bench/queue_load.py (its own database, demo data, a kiosk token), starts
`weserve serve --workers 1 --no-worker` under `py-spy record` (pip install py-spy), drives
it with 50 closed-loop clients, and prints the functions with the most samples, own and
cumulative, from py-spy's raw stacks (bench/results/profile-<path>.txt). Samples are of
the thread holding the interpreter lock (--gil), start-up included. With --sqlite, the
embedded default as `queue_load.py --sqlite` runs it (one worker, its background worker).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import queue_load as q  # noqa: E402


def summarise(collapsed: Path, top: int) -> None:
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = stack.split(";")
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    print(f"{samples} samples")
    print("\ncumulative (share of samples with the function on the stack):")
    for frame, n in total.most_common(top):
        print(f"  {100 * n / samples:5.1f}%  {frame}")
    print("\nown:")
    for frame, n in own.most_common(top):
        print(f"  {100 * n / samples:5.1f}%  {frame}")


async def drive(server: q.Server, path: str, seconds: float) -> dict:
    await q.wait_until_up(server)
    make = q.ping_maker if path == "ping" else q.ticket_maker(server.kiosk_token, q.SERVICES)
    return await q.closed_loop(server.port, make, clients=q.CLIENTS, warmup=1, measure=seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--path", choices=["ping", "tickets"], default="tickets")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--sqlite", action="store_true", help="the embedded default")
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    began = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - began:6.1f} s] {message}", flush=True)

    server = q.set_up(log, sqlite=args.sqlite)
    # set_up started the server; profile one worker of it instead.
    assert server.process is not None
    os.killpg(server.process.pid, signal.SIGTERM)
    server.process.wait(30)
    out = q.RESULTS / f"profile-{args.path}{'-sqlite' if args.sqlite else ''}.txt"
    cmd = [*q.weserve_command(), "serve", "--host", q.HOST, "--port", str(server.port)]
    cmd += ["--workers", "1", *([] if args.sqlite else ["--no-worker"])]
    try:
        with server.log_path.open("ab") as log_file:
            server.process = subprocess.Popen(  # noqa: S603 - our own command line
                [spy, "record", "--format", "raw", "--rate", "250", "--gil", "-o", str(out)]
                + ["--subprocesses", "--", *cmd],
                env=server.env,
                cwd=q.ROOT,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        result = asyncio.run(drive(server, args.path, args.seconds))
        log(f"{result['requests_per_second']:.0f} requests/s, statuses {result['statuses']}")
        os.kill(server.process.pid, signal.SIGINT)
        server.process.wait(60)
    finally:
        q.tear_down(server, keep=False)
    summarise(out, args.top)


if __name__ == "__main__":
    main()
