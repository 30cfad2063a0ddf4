"""Ticket issues sent together: group commit for the queue's hot path.

Under load, many request threads of one server process issue tickets at the same moment.
Sent one by one, on a connection each, their statements queue in PostgreSQL on the rows
every issue of an office locks (the live stream's number, the day's number of a series,
the waiting counts): a waiting backend sleeps, wakes, and checks its rows again, so at
twenty in flight PostgreSQL spent twice the CPU per ticket it spends at one, and the
server's threads more too (docs/performance.md, "Group commit").

So the request threads of a process take turns here. The first runs its statement at
once, as before. Whoever arrives while a batch is at the database waits; when that batch
is done, the first of them sends all that are waiting, on its own connection, as one
statement (issue_statement's batch statement: one transaction, one round trip, one plan
PostgreSQL keeps for the connection), and hands each thread its row. A quiet office sends
every ticket on its own, with no delay; a busy one sends a few together, with one commit
and no queueing among its own statements.

Each ticket is issued as its own statement would issue it, in the order the batch holds
them: numbers stay gapless, and every slip's people ahead count the tickets issued before
it in the same batch. A ticket whose checks fail is left out, writing nothing, as alone;
the others are issued.

Lock order. Alone, a statement locks the day's number row of its series, then its
waiting-count rows, then the office's stream number: the order every other transaction
takes them in (calls at a counter: counts, then the stream). The batch statement takes
the same rows in the same order, each kind in key order: all the day rows, then all the
count rows, then the stream rows.

If a batch of several fails (a lost connection, a deadlock with some other transaction),
nothing of it was written (BatchFailed); each thread then sends its own statement alone,
as before. A batch of one is the statement alone, and fails as it would.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

# Switched off only to measure what it saves (bench/prototypes/ab_cpu.py).
ENABLED = True

Row = tuple[Any, ...] | None


class _Job:
    __slots__ = ("done", "error", "finished", "params", "row")

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self.row: Row = None
        self.error: BaseException | None = None
        self.finished = False
        self.done = threading.Event()


class Batcher:
    """Runs `execute_batch` over whatever jobs are waiting, one batch at a time, in the
    thread of one of the callers (leader and followers: no thread of its own)."""

    def __init__(self, execute_batch: Callable[[list[dict[str, Any]]], list[Row]]) -> None:
        self._execute_batch = execute_batch
        self._lock = threading.Lock()
        self._waiting: list[_Job] = []
        self._busy = False

    def run(self, params: dict[str, Any]) -> Row:
        """This job's row; raises what its batch raised."""
        job = _Job(params)
        with self._lock:
            self._waiting.append(job)
            lead = not self._busy
            self._busy = True
        if not lead:
            job.done.wait()
        if not job.finished:  # first, or told to lead: this job is among those waiting
            self._lead()
        if job.error is not None:
            raise job.error
        return job.row

    def _lead(self) -> None:
        with self._lock:
            batch, self._waiting = self._waiting, []
        try:
            rows = self._execute_batch([job.params for job in batch])
            if len(rows) != len(batch):
                raise RuntimeError(f"{len(rows)} results for {len(batch)} statements")
            for job, row in zip(batch, rows, strict=True):
                job.row = row
        except BaseException as exc:  # every caller of the batch hears of it
            for job in batch:
                job.error = exc
        finally:
            with self._lock:
                if self._waiting:  # the next batch is led by the first who came
                    self._waiting[0].done.set()
                else:
                    self._busy = False
            for job in batch:
                job.finished = True
                job.done.set()


class LoopBatcher:
    """Batcher's counterpart in an event loop (the ticket issues of kiosks, sent from the
    server's loop without a request thread): the same turns, with futures for threads.

    The first job starts a batch at the loop's next turn, so the jobs that reach the loop
    in the same turn go with it; those arriving while a batch is at the database go in the
    next, all together. One batch at a time per loop. A job whose caller was cancelled
    (the client went away) is still sent with its batch: what was asked is done, as a
    request thread would finish it.
    """

    def __init__(
        self, execute_batch: Callable[[list[dict[str, Any]]], Awaitable[list[Row]]]
    ) -> None:
        self._execute_batch = execute_batch
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[Row]]] = []
        self._sending: asyncio.Task[None] | None = None

    async def run(self, params: dict[str, Any]) -> Row:
        """This job's row; raises what its batch raised."""
        future: asyncio.Future[Row] = asyncio.get_running_loop().create_future()
        self._waiting.append((params, future))
        if self._sending is None:
            self._sending = asyncio.ensure_future(self._send())
        return await future

    async def _send(self) -> None:
        batch: list[tuple[dict[str, Any], asyncio.Future[Row]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    rows = await self._execute_batch([params for params, _ in batch])
                    if len(rows) != len(batch):
                        raise RuntimeError(f"{len(rows)} results for {len(batch)} statements")
                except Exception as exc:  # every caller of the batch hears of it
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), row in zip(batch, rows, strict=True):
                    if not future.done():
                        future.set_result(row)
        finally:
            self._sending = None
            # Cancelled itself (the loop is stopping): nobody may wait for ever.
            for _, future in batch + self._waiting:
                if not future.done():
                    future.cancel()


class BatchFailed(Exception):
    """A batch failed as a whole (the threads': one of several tickets; the event loop's:
    any, a single ticket too): nothing of it was written, and each of its tickets may go
    again alone."""
