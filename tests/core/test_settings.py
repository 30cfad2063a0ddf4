"""Settings come from the environment: bad values stop WeServe at once, defaults are safe."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from weserve.settings import env_bool, env_list

# Variables that would leak this test run's configuration into a fresh WeServe.
_OWN_CONFIG = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")


def weserve_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    """The environment of a fresh WeServe install in `var_dir`, with no data key."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("WESERVE_") and key not in _OWN_CONFIG
    }
    env["WESERVE_VAR_DIR"] = str(var_dir)
    env.update(overrides)
    return env


def run_weserve(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "weserve", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_env_bool_refuses_a_value_that_is_neither_true_nor_false(monkeypatch):
    monkeypatch.setenv("WESERVE_DEBUG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="WESERVE_DEBUG must be true or false"):
        env_bool("WESERVE_DEBUG")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), (" Yes ", True), ("on", True), ("0", False), ("off", False)],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("WESERVE_HTTPS", raw)

    assert env_bool("WESERVE_HTTPS") is expected


def test_env_bool_and_env_list_fall_back_to_the_default_when_unset_or_blank(monkeypatch):
    monkeypatch.setenv("WESERVE_HTTPS", "  ")
    monkeypatch.delenv("WESERVE_ALLOWED_HOSTS", raising=False)

    assert env_bool("WESERVE_HTTPS", True) is True
    assert env_list("WESERVE_ALLOWED_HOSTS", ["localhost"]) == ["localhost"]


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("WESERVE_ALLOWED_HOSTS", " weserve.jkm.gov.my, ,10.0.0.5 ")

    assert env_list("WESERVE_ALLOWED_HOSTS", []) == ["weserve.jkm.gov.my", "10.0.0.5"]


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("WESERVE_DEBUG", "maybe", "WESERVE_DEBUG must be true or false"),
        ("DATABASE_URL", "mysql://weserve@db/weserve", "must point at SQLite or PostgreSQL"),
        ("DATABASE_URL", "not a url", "DATABASE_URL is not a valid database URL"),
    ],
)
def test_weserve_refuses_to_start_with_a_bad_setting(tmp_path, variable, value, complaint):
    result = run_weserve(["check"], weserve_env(tmp_path, **{variable: value}))

    assert result.returncode != 0
    assert complaint in result.stderr


def test_a_database_url_under_a_file_names_the_variable_without_a_traceback(tmp_path):
    (tmp_path / "not-a-folder").write_text("")
    url = f"sqlite:///{tmp_path / 'not-a-folder' / 'weserve.sqlite3'}"

    result = run_weserve(["check"], weserve_env(tmp_path, DATABASE_URL=url))

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"weserve: DATABASE_URL: the database's folder {tmp_path / 'not-a-folder'} cannot be "
        "made (File exists); is part of that path a file?"
    ]


def test_default_database_is_sqlite_under_var_in_wal_mode_with_immediate_transactions(tmp_path):
    # A transaction takes the write lock at BEGIN (IMMEDIATE), so another connection that
    # wants to write is told "database is locked" at once instead of deadlocking later.
    script = textwrap.dedent(
        """
        import sqlite3
        import django
        django.setup()
        from django.conf import settings
        from django.db import connection, transaction

        path = settings.DATABASES["default"]["NAME"]
        print(path)
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            print(cursor.fetchone()[0])
        with transaction.atomic():
            other = sqlite3.connect(path, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                print("second writer got in")
            except sqlite3.OperationalError as exc:
                print(exc)
        """
    )
    env = weserve_env(tmp_path, DJANGO_SETTINGS_MODULE="weserve.settings")

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    path, journal_mode, second_writer = result.stdout.splitlines()
    assert Path(path) == tmp_path / "weserve.sqlite3"
    assert journal_mode == "wal"
    assert second_writer == "database is locked"


def test_serve_refuses_several_workers_without_redis(tmp_path):
    env = weserve_env(tmp_path, WESERVE_DATA_KEY=Fernet.generate_key().decode())

    result = run_weserve(["serve", "--workers", "2", "--no-worker"], env)

    assert result.returncode != 0
    assert "Lebih daripada satu pekerja memerlukan REDIS_URL" in result.stderr


def test_serve_refuses_to_start_without_a_data_key(tmp_path):
    result = run_weserve(["serve", "--no-worker"], weserve_env(tmp_path))

    assert result.returncode != 0
    assert "Tiada kunci data" in result.stderr
    assert "WESERVE_DATA_KEY" in result.stderr
    assert not (tmp_path / "data.key").exists()


def test_postgresql_options_in_the_database_url_are_kept_beside_the_pool(tmp_path):
    # sslmode, connect_timeout and the like reach the connection; WeServe adds its pool.
    script = (
        "from django.conf import settings; "
        "o = settings.DATABASES['default']['OPTIONS']; "
        "print(o['sslmode'], o['connect_timeout'], o['pool']['max_size'])"
    )
    url = "postgres://postgres@127.0.0.1:5432/weserve?sslmode=require&connect_timeout=7"
    result = run_weserve(["shell", "-c", script], weserve_env(tmp_path, DATABASE_URL=url))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["require", "7", "20"]


@pytest.mark.django_db
def test_system_checks_report_nothing_on_the_database_in_use():
    # SQLite cannot give an index extra columns and says so (models.W040); WeServe knows.
    from django.core.checks import run_checks

    assert [m for m in run_checks(databases=["default"]) if not m.is_silenced()] == []
