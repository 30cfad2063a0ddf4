"""`weserve import-queue-log FILE --office CODE`: fold an Asterisk queue_log into an
office's calls (weserve.telephony.queue_log). Idempotent; malformed lines are reported
with their numbers and skipped."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from weserve.organisation.models import Office
from weserve.telephony.queue_log import import_queue_log

MAX_REPORTED = 50


class Command(BaseCommand):
    help = "Import an Asterisk queue_log file into an office's call log (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The queue_log file ('-' reads standard input)")
        parser.add_argument("--office", required=True, help="The office's code, e.g. PKMD-PJ")

    def handle(self, *args: Any, **options: Any) -> None:
        office = Office.objects.filter(code=options["office"]).first()
        if office is None:
            raise CommandError(f"No office with the code {options['office']!r}.")
        path = options["file"]
        try:
            if path == "-":
                import sys

                result = import_queue_log(office, sys.stdin, source="stdin")
            else:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    result = import_queue_log(office, handle, source=path)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        for number, reason in result.skipped[:MAX_REPORTED]:
            self.stderr.write(f"line {number}: {reason} (skipped)")
        if len(result.skipped) > MAX_REPORTED:
            self.stderr.write(f"... and {len(result.skipped) - MAX_REPORTED} more lines skipped")
        self.stdout.write(
            f"{result.lines} lines read: {result.calls_added} calls added, "
            f"{result.calls_updated} updated, {len(result.skipped)} lines skipped, "
            f"{result.not_about_a_call} not about a call."
        )
