"""`weserve demo`: keys, database, static files and demo data, ready to try in one step."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from weserve.core import crypto
from weserve.organisation.demo import load_demo, summary_lines


class Command(BaseCommand):
    help = (
        "Create the data key if there is none, migrate, collect static files and load the "
        "demo offices, services, counters and sign-ins. Safe to run again: nothing is "
        "duplicated and the demo accounts get the demo password back."
    )
    # The data key must exist before anything reads or writes personal data; checks run
    # with migrate below.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options.get("verbosity", 1))
        # settings made var/secret.key on start-up; the data key is this command's job.
        if crypto.ensure_data_key_file():
            path = settings.DATA_KEY_FILE
            self.stdout.write(
                f"Created the data key {path}: keep a copy safe, personal data cannot be "
                "read without it."
            )
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        # Static files are served by WhiteNoise from the collected, hashed copies when
        # DEBUG is off, so the demo collects them too.
        call_command("collectstatic", interactive=False, verbosity=max(verbosity - 1, 0))
        apps = load_demo()
        if verbosity > 1:
            self.stdout.write(f"Demo data loaded for: {', '.join(apps)}")
        self.stdout.write(self.style.SUCCESS("\n".join(summary_lines())))
