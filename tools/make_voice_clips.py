#!/usr/bin/env python3
"""Record the display board's voice clips offline and write their manifest.

    .venv/bin/python tools/make_voice_clips.py            # all clips + manifest
    .venv/bin/python tools/make_voice_clips.py --check    # only check the manifest

Needs Debian's espeak-ng (`apt-get install -y espeak-ng`, which has the Malay voice `ms`).
With opusenc (`apt-get install -y opus-tools`) the clips are Ogg Opus, a few kilobytes
each; without it they stay 16 kHz mono WAV. The chime is synthesised here with the
standard library. Which words exist and how numbers are read is decided by
weserve.queueing.voice, not here: this script records whatever `voice.CLIPS` lists.
See docs/voice.md.
"""

from __future__ import annotations

import argparse
import array
import json
import math
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from weserve.queueing import voice  # noqa: E402

OUT_DIR = ROOT / "src" / "weserve" / "static" / voice.AUDIO_DIR
RATE = 16_000
# Slower than espeak-ng's default 175 words a minute: heard across a noisy waiting hall.
SPEED_WPM = 135
PITCH = 45
OPUS_KBPS = 24
SILENCE_THRESHOLD = 0.02  # of full scale
EDGE_MS = 15  # kept around the trimmed word so its attack and tail survive


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} is not installed (see docs/voice.md)")
    return path


def _read_wav(path: Path) -> tuple[list[float], int]:
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise SystemExit(f"{path}: expected 16-bit mono from espeak-ng")
        rate = wav.getframerate()
        raw = array.array("h", wav.readframes(wav.getnframes()))
    if sys.byteorder == "big":
        raw.byteswap()
    return [s / 32768 for s in raw], rate


def _write_wav(path: Path, samples: list[float], rate: int) -> None:
    data = array.array("h", (max(-32767, min(32767, round(s * 32767))) for s in samples))
    if sys.byteorder == "big":
        data.byteswap()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(data.tobytes())


def _resample(samples: list[float], rate: int, target: int) -> list[float]:
    """Linear interpolation; plenty for synthetic speech going to a loudspeaker."""
    if rate == target or not samples:
        return samples
    count = int(len(samples) * target / rate)
    step = rate / target
    out = []
    for i in range(count):
        pos = i * step
        j = int(pos)
        frac = pos - j
        nxt = samples[j + 1] if j + 1 < len(samples) else samples[j]
        out.append(samples[j] * (1 - frac) + nxt * frac)
    return out


def _trim_and_normalise(samples: list[float], rate: int) -> list[float]:
    loud = [i for i, s in enumerate(samples) if abs(s) >= SILENCE_THRESHOLD]
    if not loud:
        return samples
    edge = rate * EDGE_MS // 1000
    start, end = max(0, loud[0] - edge), min(len(samples), loud[-1] + edge)
    trimmed = samples[start:end]
    peak = max(abs(s) for s in trimmed) or 1.0
    gain = 0.89 / peak  # about -1 dBFS
    return [s * gain for s in trimmed]


def chime(rate: int = 24_000) -> list[float]:
    """Two soft bell tones (E5 then C5), the "ding-dong" people know from stations."""
    notes = [(659.25, 0.0), (523.25, 0.4)]
    length = int(rate * 1.3)
    out = [0.0] * length
    for freq, offset in notes:
        start = int(offset * rate)
        for i in range(length - start):
            t = i / rate
            envelope = math.exp(-3.6 * t) * min(1.0, t / 0.004)
            # A bell: the fundamental and two quieter, slightly inharmonic partials.
            tone = (
                math.sin(2 * math.pi * freq * t)
                + 0.35 * math.sin(2 * math.pi * freq * 2.01 * t)
                + 0.12 * math.sin(2 * math.pi * freq * 3.02 * t)
            )
            out[start + i] += 0.45 * envelope * tone
    peak = max(abs(s) for s in out)
    return [s * 0.8 / peak for s in out]


def _espeak(text: str, espeak_voice: str, path: Path) -> None:
    subprocess.run(  # noqa: S603 - fixed program, our own words
        [
            _tool("espeak-ng"),
            "-v",
            espeak_voice,
            "-s",
            str(SPEED_WPM),
            "-p",
            str(PITCH),
            "-w",
            str(path),
            text,
        ],
        check=True,
        capture_output=True,
    )


def _encode(wav_path: Path, out_base: Path, use_opus: bool) -> Path:
    if use_opus:
        target = out_base.with_suffix(".ogg")
        subprocess.run(  # noqa: S603 - fixed program
            [
                _tool("opusenc"),
                "--quiet",
                "--bitrate",
                str(OPUS_KBPS),
                "--serial",
                "1",  # a fixed stream serial: the same words give the same bytes
                "--discard-comments",
                str(wav_path),
                str(target),
            ],
            check=True,
        )
        return target
    target = out_base.with_suffix(".wav")
    shutil.copyfile(wav_path, target)
    return target


def _espeak_version() -> str:
    result = subprocess.run(  # noqa: S603 - fixed program
        [_tool("espeak-ng"), "--version"], check=True, capture_output=True, text=True
    )
    return result.stdout.split(":", 1)[-1].split("Data at")[0].strip()


def build(out_dir: Path, *, use_opus: bool) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.rglob("*"):
        if old.is_file() and old.suffix in {".ogg", ".wav"}:
            old.unlink()
    clips: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        jobs = [(voice.CHIME, None, None)] + [
            (name, info["language"], info["text"]) for name, info in sorted(voice.CLIPS.items())
        ]
        for name, language, text in jobs:
            clean = tmp_dir / "clean.wav"
            if language is None:
                rate = 24_000
                samples = chime(rate)
            else:
                raw = tmp_dir / "raw.wav"
                _espeak(text, voice.ESPEAK_VOICES[language], raw)
                samples, rate = _read_wav(raw)
                samples = _trim_and_normalise(samples, rate)
                if not use_opus:
                    samples, rate = _resample(samples, rate, RATE), RATE
            _write_wav(clean, samples, rate)
            base = out_dir / name
            base.parent.mkdir(parents=True, exist_ok=True)
            made = _encode(clean, base, use_opus)
            entry = {
                "file": made.relative_to(out_dir).as_posix(),
                "duration_ms": round(len(samples) * 1000 / rate),
                "bytes": made.stat().st_size,
            }
            if language is not None:
                entry.update(language=language, text=text)
            clips[name] = entry
    manifest = {
        "about": "WeServe display board voice clips; regenerate with tools/make_voice_clips.py",
        "generator": f"espeak-ng {_espeak_version()}",
        "voices": voice.ESPEAK_VOICES,
        "format": "ogg/opus" if use_opus else "wav/pcm16 mono 16 kHz",
        "clips": clips,
        "total_bytes": sum(c["bytes"] for c in clips.values()),
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return manifest


def check(out_dir: Path) -> list[str]:
    """Problems with the shipped clips: missing from the manifest, or missing on disk."""
    path = out_dir / "manifest.json"
    if not path.exists():
        return [f"{path} is missing"]
    clips = json.loads(path.read_text(encoding="utf-8"))["clips"]
    problems = [f"no clip for {name}" for name in [voice.CHIME, *voice.CLIPS] if name not in clips]
    for info in clips.values():
        if not (out_dir / info["file"]).exists():
            problems.append(f"{info['file']} is missing")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check the shipped clips")
    parser.add_argument("--wav", action="store_true", help="write WAV even if opusenc exists")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    args = parser.parse_args()
    if args.check:
        problems = check(args.out)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    if shutil.which("espeak-ng") is None:
        print("espeak-ng is not installed: apt-get install -y espeak-ng", file=sys.stderr)
        return 1
    use_opus = not args.wav and shutil.which("opusenc") is not None
    manifest = build(args.out, use_opus=use_opus)
    print(
        f"{len(manifest['clips'])} clips, {manifest['format']}, "
        f"{manifest['total_bytes'] / 1024:.0f} KiB in {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
