#!/usr/bin/env python3
"""Measure every voice: gender, median F0 and loudness against the anchor, on rendered French speech.

    python scripts/measure_voices.py [--engine espeak] [--locale fr-FR fr-BE fr-CH] [--preset podcast]

For each locale, a short article written for this (``VOICE_TEST`` below: one narration paragraph
and one quote per quote voice) is made into a real bulletin with ``make_bulletin``, each quote
forced to one voice with ``speaker_voices``. The written MP3 is decoded with ffmpeg and cut
into each voice's sentences with the timeline's placements; then, per voice:

- median F0: :func:`median_f0` (normalised autocorrelation on voiced 40 ms frames, from
  bulletin/engines/calibration.py);
- loudness against the anchor: ffmpeg's EBU R128 meter (``ebur128``) on that voice's audio, minus
  the anchor's (LU).

The F0 figures are what the ``f0_hz`` constants of the voice tables record. gTTS needs Google's
service (``--engine gtts``); offline, the local fake in tests/gtts_server.py answers with espeak
audio, so its F0 would say nothing about Google's voice.

Needs numpy (``pip install -e '.[test]'``); the tests import :func:`median_f0` from here.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The estimator is the product's own (bulletin/engines/calibration.py measures the gender of an
# unknown Piper voice with it): one F0 estimator for the tables, the tests and the casting.
from bulletin.engines.calibration import frame_f0, median_f0  # noqa: E402

__all__ = ["frame_f0", "median_f0", "semitones"]


def semitones(f: float, ref: float) -> float:
    return 12 * math.log2(f / ref)


# --- rendering every voice -----------------------------------------------------------------

NARRATION = (
    "La commune a présenté mardi soir son budget pour l'année prochaine. Les dépenses augmentent "
    "légèrement, surtout pour les écoles et les routes, et plusieurs habitants ont pris la parole."
)
QUOTES = (
    "Nous avons attendu ce moment pendant des mois, et nous sommes enfin prêts à commencer.",
    "Les travaux dureront tout l'été, mais la circulation restera possible dans les deux sens.",
    "Je ne comprends pas pourquoi le quartier du nord passe encore une fois après les autres.",
    "Il faudra beaucoup de patience, car les entreprises manquent de bras depuis le printemps.",
    "Notre association suivra chaque dépense de près et publiera un rapport dès le mois de juin.",
    "Personne ne veut payer davantage, mais tout le monde demande de meilleurs services publics.",
    "Les enfants pourront bientôt aller à l'école à vélo sans traverser la grande route.",
    "Nous reviendrons devant le conseil si les promesses ne sont pas tenues à la fin de l'année.",
)


@dataclass(frozen=True)
class VoiceFigures:
    voice: str
    gender: str
    f0_hz: float | None
    semitones_from_anchor: float | None
    lu_from_anchor: float | None


SPEAKERS = ("Anne Lemaire", "Paul Girard", "Sofia Haddad", "Marc Petit", "Inès Barbier", "Louis Ferrand",
            "Claire Roux", "Hugo Masson", "Léa Benali", "Karim Cheref", "Nadia Martin", "Jules Dumont")  # fmt: skip


def voice_article(count: int) -> str:
    """An article with one quote per quote voice: ``SPEAKERS[i]`` says ``QUOTES[i % len]``."""
    lines = ["title: Le budget communal", "date: 2026-03-10", "", NARRATION, ""]
    for i in range(count):
        lines.append(f"« {QUOTES[i % len(QUOTES)]} », a déclaré {SPEAKERS[i % len(SPEAKERS)]}.")
        lines.append("")
    return "\n".join(lines)


def measure_engine(engine_name: str, locale: str, preset: str = "podcast") -> list[VoiceFigures]:
    from bulletin.engines.base import get_engine
    from bulletin.ffmpeg import decode_to_pcm
    from bulletin.loudness import measure
    from bulletin.pipeline import Options, make_bulletin

    engine = get_engine(engine_name)
    voices = engine.voices(locale)
    rate = 16000
    with tempfile.TemporaryDirectory() as tmp:
        article = Path(tmp) / "voix.txt"
        article.write_text(voice_article(len(voices) - 1), encoding="utf-8")
        cast = {SPEAKERS[i % len(SPEAKERS)]: v.id for i, v in enumerate(voices[1:])}
        options = Options(engine=engine_name, locale=locale, preset=preset, outputs="mp3", speaker_voices=cast,
                          use_cache=False)  # fmt: skip
        result = make_bulletin(article, Path(tmp) / "voix.mp3", options, engine=engine)
        pcm = decode_to_pcm(result.path, rate)
    per_voice: dict[str, list[bytes]] = {}
    for placement in result.timeline.placements:
        if placement.segment.kind in ("intro", "outro", "cue"):
            continue
        for part in placement.parts:
            piece = pcm[round(part.start_ms * rate / 1000) * 2 : round(part.end_ms * rate / 1000) * 2]
            per_voice.setdefault(placement.segment.voice, []).append(piece)
    anchor = voices[0]
    audio = {v: b"".join(parts) for v, parts in per_voice.items()}
    f0 = {v: median_f0(a, rate) for v, a in audio.items()}
    lufs = {v: measure(a, rate, true_peak=False).integrated for v, a in audio.items()}
    ref_f0, ref_lufs = f0.get(anchor.id), lufs.get(anchor.id)
    rows = []
    for v in voices:
        vf0 = f0.get(v.id)
        st = semitones(vf0, ref_f0) if vf0 and ref_f0 else None
        lu = lufs[v.id] - ref_lufs if v.id in lufs and ref_lufs is not None else None
        rows.append(VoiceFigures(v.id, v.gender or "?", vf0, st, lu))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engine", default="espeak")
    ap.add_argument("--locale", nargs="+", default=["fr-FR", "fr-BE", "fr-CH"])
    ap.add_argument("--preset", default="podcast")
    ap.add_argument("--fake-gtts", action="store_true",
                    help="gTTS through tests/gtts_server.py (espeak audio): checks the pitch shifts, not Google's F0")
    args = ap.parse_args()
    if args.fake_gtts:
        import contextlib
        import os

        from tests.gtts_server import GttsServer

        args.engine = "gtts"
        for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            os.environ.pop(proxy, None)
        server = GttsServer()
        stack = contextlib.ExitStack()
        stack.enter_context(server)
        os.environ["BULLETIN_GTTS_ENDPOINT"] = server.url
    print("| voice | gender | median F0 (Hz) | semitones from anchor | loudness vs anchor (LU) |")
    print("| --- | --- | --- | --- | --- |")
    for locale in args.locale:
        for row in measure_engine(args.engine, locale, args.preset):
            f0 = f"{row.f0_hz:.0f}" if row.f0_hz else "-"
            st = f"{row.semitones_from_anchor:+.1f}" if row.semitones_from_anchor is not None else "-"
            lu = f"{row.lu_from_anchor:+.2f}" if row.lu_from_anchor is not None else "-"
            print(f"| {row.voice} ({locale}) | {row.gender} | {f0} | {st} | {lu} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
