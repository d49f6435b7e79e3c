#!/usr/bin/env python3
"""A table per engine and locale: voice id, gender and where it comes from, median F0.

    python scripts/voice_table.py                       # espeak-ng, and Piper on tiny test models
    python scripts/voice_table.py --voices-dir ~/.local/share/bulletin/voices   # your Piper voices

Every voice reads the calibration sentence (bulletin/engines/calibration.py) and its median F0
is measured on the engine's own output with the tracker the Piper engine uses to tell genders.
The "by F0" column is the gender that F0 gives (>= 165 Hz f, <= 145 Hz m, else -), so a stated
gender can be checked against the voice's sound.

Without --voices-dir, Piper runs on tiny Piper-format models built by tests/tiny_piper.py (a
harmonic source at a set pitch, named like hub voices, plus one unknown voice whose gender is
measured): they check the pipeline, they say nothing about how the hub voices sound.
Needs the test extra (onnx) for that: pip install -e '.[test]'.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bulletin.engines.base import EngineConfig, Voice  # noqa: E402
from bulletin.engines.calibration import CALIBRATION_SENTENCE, gender_of, median_f0  # noqa: E402
from bulletin.engines.espeak import EspeakEngine  # noqa: E402
from bulletin.engines.piper import PiperEngine  # noqa: E402
from bulletin.normalize import normalize  # noqa: E402


def row(engine: str, locale: str, voice: Voice, source: str, f0: float | None) -> str:
    hz = f"{f0:.0f}" if f0 else "-"
    return f"| {engine} | {locale} | {voice.id} | {voice.gender or '-'} | {source} | {hz} | {gender_of(f0) or '-'} |"


def espeak_rows(locales: list[str]) -> list[str]:
    engine = EspeakEngine()
    out = []
    for locale in locales:
        text = normalize(CALIBRATION_SENTENCE, locale)
        for v in engine.voices(locale):
            chunk = engine.synthesize(text, v)
            out.append(row("espeak", locale, v, "engine table", median_f0(chunk.data, chunk.sample_rate)))
    return out


def tiny_models(folder: Path) -> None:
    from tests.tiny_piper import write_voice  # not tests.test_piper: no test configuration here

    write_voice(folder, "fr_FR-siwis-medium", tones=[215.0])
    write_voice(folder, "fr_FR-tom-medium", tones=[115.0])
    write_voice(folder, "fr_FR-upmc-medium", speakers={"jessica": 0, "pierre": 1}, tones=[225.0, 125.0])
    write_voice(folder, "fr_FR-inconnu-medium", tones=[190.0])  # not in the data file: measured


def piper_rows(folder: Path, locales: list[str]) -> list[str]:
    engine = PiperEngine(EngineConfig(voices_dir=folder))
    out = []
    for locale in locales:
        for v in engine.voices(locale):
            if v.stand_in:
                continue
            source = "measured" if "gender measured" in v.label else "card" if "gender from card" in v.label else "-"
            out.append(row("piper", locale, v, source, v.f0_hz))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--locale", nargs="+", default=["fr-FR", "fr-BE", "fr-CH"])
    ap.add_argument("--voices-dir", type=Path, default=None, help="real Piper voices (default: tiny test models)")
    args = ap.parse_args()
    print("| engine | locale | voice | gender | gender from | median F0 (Hz) | by F0 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for line in espeak_rows(args.locale):
        print(line)
    if args.voices_dir is not None:
        lines = piper_rows(args.voices_dir.expanduser(), args.locale[:1])
    else:
        with tempfile.TemporaryDirectory(prefix="bulletin-voice-table-") as tmp:
            tiny_models(Path(tmp))
            lines = piper_rows(Path(tmp), args.locale[:1])
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
