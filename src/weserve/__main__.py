"""The `weserve` command: Django's manage.py, installed as a console script."""

import os
import sys

# Commands people type with a hyphen; a Python module name cannot hold one.
ALIASES = {"device-token": "device_token", "import-queue-log": "import_queue_log"}


def resolve_aliases(argv: list[str]) -> list[str]:
    """argv with `weserve device-token ...` (and `weserve help device-token`) renamed."""
    argv = list(argv)
    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1])
        if argv[1] == "help" and len(argv) > 2:
            argv[2] = ALIASES.get(argv[2], argv[2])
    return argv


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weserve.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(resolve_aliases(sys.argv))
    except ImproperlyConfigured as exc:
        # A setting WeServe cannot use: the message names the variable; a traceback
        # would only hide it.
        sys.stderr.write(f"weserve: {exc}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
