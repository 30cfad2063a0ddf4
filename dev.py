#!/usr/bin/env python3
"""WeServe for developers: `python3 dev.py demo` runs it, `python3 dev.py test` tests it.

Standard library only, so it runs on a fresh machine with nothing but Python 3.11:
it makes .venv, installs the project into it, then does what was asked.

    python3 dev.py demo [serve options]   demo data, then http://127.0.0.1:8000
    python3 dev.py test [pytest options]  the whole test suite
    python3 dev.py lint                   ruff check and ruff format --check
    python3 dev.py types [mypy options]   mypy with django-stubs on the files pyproject.toml names
    python3 dev.py install                only make .venv and install
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".weserve-installed"
CHROMIUM = Path("/usr/bin/chromium")
MIN_PYTHON = (3, 11)


def say(message: str) -> None:
    print(f"dev.py: {message}", flush=True)


def fail(message: str) -> None:
    say(message)
    sys.exit(1)


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        fail(f"`{' '.join(str(a) for a in args)}` failed (exit {result.returncode}).")


def install_fingerprint() -> str:
    # Reinstall when the dependencies or the interpreter change, not on every run.
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def venv_works() -> bool:
    if not PYTHON.exists():
        return False
    check = subprocess.run([str(PYTHON), "-c", "pass"], capture_output=True, check=False)  # noqa: S603
    return check.returncode == 0


def install() -> None:
    if sys.version_info < MIN_PYTHON:
        fail("WeServe needs Python {}.{} or newer; this is {}.".format(*MIN_PYTHON, sys.version))
    if not venv_works():
        say("creating .venv")
        made = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "venv", "--clear", str(VENV)], cwd=ROOT, check=False
        )
        if made.returncode != 0:
            fail(
                "could not create .venv. On Debian or Ubuntu, install the venv module: "
                "`apt-get install python3-venv`."
            )
    fingerprint = install_fingerprint()
    weserve = BIN / ("weserve.exe" if os.name == "nt" else "weserve")
    if STAMP.exists() and STAMP.read_text() == fingerprint and weserve.exists():
        return
    say('installing WeServe and its dependencies into .venv (pip install -e ".[dev]")')
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", ".[dev]")
    STAMP.write_text(fingerprint)


def weserve_command(*args: str) -> list[str]:
    return [str(PYTHON), "-m", "weserve", *args]


def demo(serve_args: list[str]) -> None:
    run(*weserve_command("demo"))
    say("WeServe is at http://127.0.0.1:8000/ - sign in as penyelia, password weserve-demo")
    command = weserve_command("serve", "--host", "127.0.0.1", "--port", "8000", *serve_args)
    if os.name == "nt":
        sys.exit(subprocess.run(command, cwd=ROOT, check=False).returncode)  # noqa: S603
    # Replace this process, so Ctrl+C and a service manager's signals reach the server.
    os.chdir(ROOT)
    os.execv(command[0], command)  # noqa: S606


def browser_note() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("WESERVE_REQUIRE_BROWSER") == "1":
        say(
            f"Chromium is not at {CHROMIUM} and WESERVE_REQUIRE_BROWSER=1: browser tests will fail."
        )
    else:
        say(
            f"Chromium is not at {CHROMIUM}: the browser tests (tests/e2e) are skipped, "
            "every other test runs. `apt-get install chromium` brings it."
        )


# Arguments that choose how xdist runs the tests, or that need one process (a debugger).
_OWN_PARALLEL = ("-n", "--numprocesses", "--pdb", "--trace")


def parallel_args(pytest_args: list[str]) -> list[str]:
    """The suite runs on every core (pytest-xdist) unless the arguments say otherwise:
    `-n 0` or `-p no:xdist` for one process. tests/conftest.py shares out the tests (a
    module to one worker; the browser tests, which share one server, all to one)."""
    for i, arg in enumerate(pytest_args):
        if arg.split("=", 1)[0] in _OWN_PARALLEL or (arg.startswith("-n") and arg != "-n"):
            return []
        plugin = arg[2:] if arg.startswith("-p") and arg != "-p" else ""
        if arg == "-p" and i + 1 < len(pytest_args):
            plugin = pytest_args[i + 1]
        if plugin.strip() == "no:xdist":
            return []
    return ["-n", "auto"]


def test(pytest_args: list[str]) -> None:
    browser_note()
    command = [str(PYTHON), "-m", "pytest", *parallel_args(pytest_args), *pytest_args]
    result = subprocess.run(command, cwd=ROOT, check=False)  # noqa: S603
    browser_note()
    sys.exit(result.returncode)


def lint() -> None:
    run(PYTHON, "-m", "ruff", "check", ".")
    run(PYTHON, "-m", "ruff", "format", "--check", ".")
    say("lint is clean")


def types(mypy_args: list[str]) -> None:
    # The Django plugin imports the settings, which make var/ (a secret key, Huey's
    # database) when it is missing: a throwaway var/ leaves a fresh clone as it was, and
    # needs no data key.
    with tempfile.TemporaryDirectory(prefix="weserve-types-") as var_dir:
        run(PYTHON, "-m", "mypy", *mypy_args, env={**os.environ, "WESERVE_VAR_DIR": var_dir})
    say("types are clean")


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in {"demo", "test", "lint", "types", "install"}:
        print(__doc__)
        sys.exit(2)
    command, rest = argv[0], argv[1:]
    install()
    if command == "demo":
        demo(rest)
    elif command == "test":
        test(rest)
    elif command == "lint":
        lint()
    elif command == "types":
        types(rest)


if __name__ == "__main__":
    main(sys.argv[1:])
