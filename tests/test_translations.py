"""Every string a person reads has its Malay translation.

The Malay catalogue is kept by hand (entries appended, compiled, committed), so nothing
stops a new `_("...")` from shipping in English on a Malay page. This extracts every
translatable string from the code and templates as `makemessages` would, into a copy,
and fails on any that the committed catalogue leaves untranslated (a missing entry shows
up as untranslated or as a fuzzy guess), unless Django's own catalogue translates it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

SOURCE = Path(__file__).resolve().parents[1] / "src" / "weserve"
TOOLS = ("xgettext", "msgattrib", "msgmerge")

pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in TOOLS),
    reason="needs GNU gettext (apt-get install gettext)",
)


def _untranslated(po: Path) -> list[str]:
    """The msgids of `po` with no translation or only a fuzzy one."""
    found: list[str] = []
    for flag in ("--untranslated", "--only-fuzzy"):
        out = subprocess.run(  # noqa: S603 - our own tool and file
            [shutil.which("msgattrib") or "msgattrib", flag, "--no-wrap", str(po)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for block in out.split("\n\n"):
            lines = [line for line in block.splitlines() if not line.startswith("#")]
            ids = [line for line in lines if line.startswith("msgid ")]
            if ids and ids[0] != 'msgid ""':
                found.append(ids[0][len('msgid "') : -1])
    return found


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_string_has_its_malay_translation(domain, tmp_path):
    copy = tmp_path / "weserve"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-m", "django", "makemessages", "-l", "ms", "-d", domain, "--no-obsolete"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    missing = _untranslated(copy / "locale" / "ms" / "LC_MESSAGES" / f"{domain}.po")
    with translation.override("ms"):
        # Django's own catalogue translates its admin's words (the admin's base_site).
        missing = [text for text in missing if translation.gettext(text) == text]
    assert missing == [], f"add these to src/weserve/locale/ms/LC_MESSAGES/{domain}.po"
