"""How the display board reads a call aloud: which recorded clips play, in what order.

The rules live here and nowhere else. The display page receives them as a table
(`voice_table`) and only looks words up in it, so display.js holds no reading rules of
its own; tests compare what the page composes with `announcement_parts`.

How numbers are read (docs/voice.md):
- a ticket number is spelt character by character: the prefix letter by its name,
  then each digit ("A012": "A kosong satu dua" / "A zero one two"), because the zeros
  matter and "dua belas" would be heard as "12", not "012";
- a counter number is read as a whole number from 1 to 99 ("kaunter dua belas" /
  "counter twelve"), and digit by digit beyond that.

The clips are recorded offline with espeak-ng by tools/make_voice_clips.py and shipped
under static/weserve/audio/ with a manifest; no cloud speech service is involved.

This module imports no Django at load time, so the clip generator can use it as is.
"""

from __future__ import annotations

import json
import string
from functools import lru_cache
from typing import Any

LANGUAGES = ("ms", "en")
CHIME = "chime"
AUDIO_DIR = "weserve/audio"
MANIFEST = f"{AUDIO_DIR}/manifest.json"

# espeak-ng voices (Debian's espeak-ng-data): Malay, and British English, which is
# closer to the English Malaysians hear at government counters than the American voice.
ESPEAK_VOICES = {"ms": "ms", "en": "en-gb"}
# For the browser's speechSynthesis fallback.
SPEECH_LANGS = {"ms": "ms-MY", "en": "en-GB"}

_MS_DIGITS = (
    "kosong",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "lapan",
    "sembilan",
)
_EN_SMALL = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_EN_TENS = {
    2: "twenty",
    3: "thirty",
    4: "forty",
    5: "fifty",
    6: "sixty",
    7: "seventy",
    8: "eighty",
    9: "ninety",
}
_LEAD = {"ms": "nombor", "en": "number"}
_COUNTER = {"ms": "kaunter", "en": "counter"}
# Counters are read as whole numbers up to here; the table the page gets covers them all.
WHOLE_NUMBER_LIMIT = 99


def _word(language: str, word: str) -> str:
    return f"{language}/{word}"


def letter_clip(language: str, letter: str) -> str:
    return f"{language}/letter-{letter.lower()}"


def _build_clips() -> dict[str, dict[str, str]]:
    """Every clip: name -> {"language", "text"}; the text is what espeak-ng says."""
    clips: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        words = [_LEAD[language], _COUNTER[language]]
        if language == "ms":
            words += [*_MS_DIGITS, "sepuluh", "sebelas", "belas", "puluh"]
        else:
            words += [*_EN_SMALL, *_EN_TENS.values()]
        for word in words:
            clips[_word(language, word)] = {"language": language, "text": word}
        # A capital letter alone makes espeak-ng say the letter's name in that language.
        for letter in string.ascii_uppercase:
            clips[letter_clip(language, letter)] = {"language": language, "text": letter}
    return clips


CLIPS: dict[str, dict[str, str]] = _build_clips()


def _digit(language: str, digit: int) -> str:
    words = _MS_DIGITS if language == "ms" else _EN_SMALL
    return _word(language, words[digit])


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"no voice for language {language!r}")


def character_parts(character: str, language: str) -> list[str]:
    """The clips for one character of a ticket number; nothing for punctuation."""
    _check_language(language)
    if character.isascii() and character.isdigit():
        return [_digit(language, int(character))]
    if character.isascii() and character.isalpha():
        return [letter_clip(language, character)]
    return []


def ticket_number_parts(number: str, language: str) -> list[str]:
    """A ticket number, character by character: "A012" -> A, zero, one, two."""
    return [clip for ch in number.upper() for clip in character_parts(ch, language)]


def counter_number_parts(counter_number: int, language: str) -> list[str]:
    """A counter number as a whole number (1 to 99), else digit by digit."""
    _check_language(language)
    n = int(counter_number)
    if not 1 <= n <= WHOLE_NUMBER_LIMIT:
        return [_digit(language, int(d)) for d in str(abs(n))]
    tens, ones = divmod(n, 10)
    if language == "ms":
        if n == 10:
            return [_word("ms", "sepuluh")]
        if n == 11:
            return [_word("ms", "sebelas")]
        if tens == 1:
            return [_digit("ms", ones), _word("ms", "belas")]
        if tens == 0:
            return [_digit("ms", ones)]
        return [_digit("ms", tens), _word("ms", "puluh"), *([_digit("ms", ones)] if ones else [])]
    if n < 20:
        return [_word("en", _EN_SMALL[n])]
    return [_word("en", _EN_TENS[tens]), *([_digit("en", ones)] if ones else [])]


def announcement_parts(number: str, counter_number: int, language: str) -> list[str]:
    """The clip names, in order, for one language: "Nombor A kosong satu dua, kaunter tiga"."""
    _check_language(language)
    return [
        _word(language, _LEAD[language]),
        *ticket_number_parts(number, language),
        _word(language, _COUNTER[language]),
        *counter_number_parts(counter_number, language),
    ]


def call_groups(number: str, counter_number: int) -> list[list[str]]:
    """A whole call: the chime, then Malay, then English; the player pauses between groups."""
    return [[CHIME], *(announcement_parts(number, counter_number, lang) for lang in LANGUAGES)]


@lru_cache(maxsize=1)
def voice_table() -> dict[str, Any]:
    """The reading rules as a look-up table for display.js.

    The page composes one language as: lead + chars of each character + counters[n]
    (or counter + chars of each digit beyond WHOLE_NUMBER_LIMIT), which is what
    `announcement_parts` returns; tests hold the two together. Cached: treat as read-only.
    """
    characters = string.ascii_uppercase + string.digits
    return {
        "languages": list(LANGUAGES),
        "chime": CHIME,
        "lead": {lang: [_word(lang, _LEAD[lang])] for lang in LANGUAGES},
        "counter": {lang: [_word(lang, _COUNTER[lang])] for lang in LANGUAGES},
        "chars": {lang: {ch: character_parts(ch, lang) for ch in characters} for lang in LANGUAGES},
        "counters": {
            lang: {str(n): counter_number_parts(n, lang) for n in range(1, WHOLE_NUMBER_LIMIT + 1)}
            for lang in LANGUAGES
        },
        "text": {name: info["text"] for name, info in CLIPS.items()},
        "speech_langs": dict(SPEECH_LANGS),
    }


def speech_text(number: str, counter_number: int, language: str) -> str:
    """What the browser's own voice says when a clip is missing (same words as the clips)."""
    parts = announcement_parts(number, counter_number, language)
    return " ".join(CLIPS[p]["text"] for p in parts)


@lru_cache(maxsize=1)
def load_manifest() -> dict[str, Any]:
    """The shipped clips' manifest (static/weserve/audio/manifest.json), or an empty one."""
    from django.contrib.staticfiles import finders

    path = finders.find(MANIFEST)
    if not path:
        return {"clips": {}}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def clip_urls() -> dict[str, str]:
    """Clip name -> static URL for every clip the manifest lists (hashed names in production)."""
    from django.templatetags.static import static

    urls: dict[str, str] = {}
    for name, info in sorted(load_manifest().get("clips", {}).items()):
        try:
            urls[name] = static(f"{AUDIO_DIR}/{info['file']}")
        except ValueError:
            # Not collected (a stale `collectstatic`): the page falls back to speech.
            continue
    return urls
