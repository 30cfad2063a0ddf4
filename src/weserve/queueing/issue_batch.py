"""Turns for the ticket issue statement: group commit on the queue's hot path.

Under load, many request threads of one server process issue tickets at the same moment.
Sent one by one, their statements queue in PostgreSQL on the rows every issue of an
office locks (the live stream's number, the day's number of a series, the waiting
counts): a waiting backend sleeps, wakes and checks its rows again, so PostgreSQL spent
twice the CPU per ticket at twenty in flight that it spends at one.

So the request threads of a process take turns here. The first sends its ticket at once.
Whoever arrives while a batch is at the database waits; when that batch is done, the
first of them sends all that are waiting as one statement (issue_statement.py), in its
own thread, and hands each its row. A quiet office sends every ticket on its own, with
no delay; a busy one sends a few together, with one commit. What a batch raises, every
caller of it raises.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

# Whatever execute_batch gives each job (issue_statement: a Row, or None).
Row = Any


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
