"""How the display board reads calls aloud, and the clips shipped for it."""

from __future__ import annotations

import importlib.util
import json
import string
from pathlib import Path

import pytest

from weserve.queueing import voice

ROOT = Path(__file__).resolve().parents[2]
AUDIO = ROOT / "src" / "weserve" / "static" / "weserve" / "audio"


def _manifest() -> dict:
    return json.loads((AUDIO / "manifest.json").read_text(encoding="utf-8"))


def _compose_like_the_page(table: dict, number: str, counter: int, language: str) -> list[str]:
    """What display.js does with the page's table: look-ups only, no rules of its own."""
    parts = list(table["lead"][language])
    for ch in number.upper():
        parts += table["chars"][language].get(ch, [])
    parts += table["counter"][language]
    whole = table["counters"][language].get(str(counter))
    if whole:
        parts += whole
    else:
        for digit in str(counter):
            parts += table["chars"][language].get(digit, [])
    return parts


def test_a012_at_counter_3_is_read_digit_by_digit_in_malay():
    assert voice.announcement_parts("A012", 3, "ms") == [
        "ms/nombor",
        "ms/letter-a",
        "ms/kosong",
        "ms/satu",
        "ms/dua",
        "ms/kaunter",
        "ms/tiga",
    ]


def test_a012_at_counter_3_is_read_digit_by_digit_in_english():
    assert voice.announcement_parts("A012", 3, "en") == [
        "en/number",
        "en/letter-a",
        "en/zero",
        "en/one",
        "en/two",
        "en/counter",
        "en/three",
    ]


def test_the_words_spoken_match_the_documented_sentences():
    assert voice.speech_text("A102", 3, "ms") == "nombor A satu kosong dua kaunter tiga"
    assert voice.speech_text("A102", 3, "en") == "number A one zero two counter three"


@pytest.mark.parametrize(
    ("counter", "malay", "english"),
    [
        (1, ["satu"], ["one"]),
        (10, ["sepuluh"], ["ten"]),
        (11, ["sebelas"], ["eleven"]),
        (12, ["dua", "belas"], ["twelve"]),
        (19, ["sembilan", "belas"], ["nineteen"]),
        (20, ["dua", "puluh"], ["twenty"]),
        (21, ["dua", "puluh", "satu"], ["twenty", "one"]),
        (99, ["sembilan", "puluh", "sembilan"], ["ninety", "nine"]),
        (105, ["satu", "kosong", "lima"], ["one", "zero", "five"]),
    ],
)
def test_counter_numbers_are_read_as_whole_numbers_up_to_99(counter, malay, english):
    assert voice.counter_number_parts(counter, "ms") == [f"ms/{w}" for w in malay]
    assert voice.counter_number_parts(counter, "en") == [f"en/{w}" for w in english]


def test_a_whole_call_is_chime_then_malay_then_english():
    groups = voice.call_groups("B007", 5)
    assert groups[0] == [voice.CHIME]
    assert groups[1][0] == "ms/nombor"
    assert groups[2][0] == "en/number"
    assert len(groups) == 3


def test_punctuation_in_a_number_is_not_spoken_and_lower_case_reads_like_upper():
    assert voice.ticket_number_parts("a-01", "ms") == ["ms/letter-a", "ms/kosong", "ms/satu"]


def test_a_language_without_a_voice_is_refused():
    with pytest.raises(ValueError):
        voice.announcement_parts("A001", 1, "zh")


def test_every_clip_any_call_can_need_is_in_the_manifest_and_on_disk():
    clips = _manifest()["clips"]
    needed = {voice.CHIME}
    for language in voice.LANGUAGES:
        for ch in string.ascii_uppercase + string.digits:
            needed.update(voice.announcement_parts(f"{ch}0", 1, language))
        for counter in range(1, 130):
            needed.update(voice.announcement_parts("A001", counter, language))
    missing = sorted(n for n in needed if n not in clips)
    assert missing == []
    absent = sorted(n for n in needed if not (AUDIO / clips[n]["file"]).is_file())
    assert absent == []


def test_the_manifest_records_the_words_each_clip_says():
    clips = _manifest()["clips"]
    assert clips["ms/kaunter"]["text"] == "kaunter"
    assert clips["en/letter-q"]["text"] == "Q"
    assert clips["ms/letter-q"]["language"] == "ms"


def test_the_shipped_clips_stay_small():
    total = sum(p.stat().st_size for p in AUDIO.rglob("*") if p.is_file())
    assert total < 2 * 1024 * 1024


def test_the_page_table_composes_exactly_what_the_rules_say():
    table = voice.voice_table()
    numbers = [f"{letter}{n:03d}" for letter in "AGKZ" for n in (0, 7, 12, 105, 999)]
    numbers += ["A1000"]
    for language in voice.LANGUAGES:
        for number in numbers:
            for counter in (1, 3, 10, 11, 17, 20, 42, 99, 100, 123):
                assert _compose_like_the_page(
                    table, number, counter, language
                ) == voice.announcement_parts(number, counter, language), (number, counter)


def test_the_page_table_has_the_words_for_the_browser_voice_fallback():
    table = voice.voice_table()
    assert table["text"]["ms/tiga"] == "tiga"
    assert table["speech_langs"] == {"ms": "ms-MY", "en": "en-GB"}


def test_clip_urls_point_at_the_static_files_of_every_clip(settings):
    voice.load_manifest.cache_clear()
    urls = voice.clip_urls()
    assert urls["chime"].startswith(settings.STATIC_URL)
    assert urls["ms/nombor"].endswith("weserve/audio/ms/nombor.ogg") or urls["ms/nombor"].endswith(
        "weserve/audio/ms/nombor.wav"
    )
    assert set(urls) == set(_manifest()["clips"])


def test_the_clip_tool_finds_nothing_missing():
    spec = importlib.util.spec_from_file_location(
        "make_voice_clips", ROOT / "tools/make_voice_clips.py"
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.check(AUDIO) == []


def test_the_chime_is_short_and_never_clips():
    spec = importlib.util.spec_from_file_location(
        "make_voice_clips", ROOT / "tools/make_voice_clips.py"
    )
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    samples = tool.chime(8000)
    assert len(samples) / 8000 <= 1.3
    assert max(abs(s) for s in samples) <= 1.0
