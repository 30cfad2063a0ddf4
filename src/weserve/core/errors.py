"""Domain errors raised by services; views and the API turn them into messages and 4xx."""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule said no. `code` is stable for programs; `message` is translated for people."""

    status = 409

    def __init__(self, code: str, message: str | Promise, *, status: int | None = None):
        super().__init__(str(message))
        self.code = code
        self.message = message
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return str(self.message)
