"""Helpers for tests of ticket issues sent together (issue_batch, issue_statement)."""

from __future__ import annotations

import threading
import time


def _wait_until(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.001)


class HeldFirstBatch:
    """An execute_batch that holds the first batch at the database until `release()`,
    so that the callers arriving meanwhile queue for the next one."""

    def __init__(self, execute):
        self.execute = execute
        self.batches: list[list[dict]] = []
        self.released = threading.Event()

    def __call__(self, batch):
        self.batches.append(batch)
        if len(self.batches) == 1:
            assert self.released.wait(10)
        return self.execute(batch)

    def release(self) -> None:
        self.released.set()
