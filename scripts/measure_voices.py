#!/usr/bin/env python3
"""Measure every voice: gender, median F0 and loudness against the anchor, on rendered French speech.

    python scripts/measure_voices.py [--engine espeak] [--locale fr-FR fr-BE fr-CH] [--preset podcast]

For each locale, a short article written for this (``VOICE_TEST`` below: one narration paragraph
and one quote per quote voice) is made into a real bulletin with ``make_bulletin``, each quote
forced to one voice with ``speaker_voices``. The written MP3 is decoded with ffmpeg and cut
into each voice's sentences with the timeline's placements; then, per voice:

- median F0: :func:`median_f0` (normalised autocorrelation on voiced 40 ms frames, below);
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

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

F0_MIN_HZ = 50.0
F0_MAX_HZ = 500.0
FRAME_MS = 40
HOP_MS = 10
VOICED_NCCF = 0.6
"""A frame is voiced when its normalised autocorrelation peaks at least this high (0..1)."""
SILENCE_DB = 35.0
"""Frames this far under the loudest frame are pauses, not speech."""
OCTAVE_SLACK = 0.9
"""The shortest period whose correlation is within this share of the best wins: a periodic
signal correlates as well at two periods as at one, and picking the longer halves F0."""


def frame_f0(pcm: bytes, sample_rate: int) -> list[float]:
    """F0 (Hz) of every voiced frame of 16-bit mono PCM, by normalised cross-correlation.

    For a frame x of N samples and a lag k, nccf(k) = sum x[n] x[n+k] / sqrt(E0 Ek), where E0
    and Ek are the energies of the two overlapping parts: 1 for a perfectly periodic frame at
    its period, whatever the lag (plain autocorrelation shrinks with the lag and favours high
    pitches). The peak is refined by a parabola through its neighbours.
    """
    x = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(np.float64)
    n = round(sample_rate * FRAME_MS / 1000)
    hop = round(sample_rate * HOP_MS / 1000)
    if len(x) < n:
        return []
    starts = np.arange(0, len(x) - n + 1, hop)
    frames = x[starts[:, None] + np.arange(n)]
    frames -= frames.mean(axis=1, keepdims=True)
    energy = (frames**2).sum(axis=1)
    loud = energy > energy.max() * 10 ** (-SILENCE_DB / 10) if energy.max() > 0 else energy > 0
    frames, energy = frames[loud], energy[loud]
    if not len(frames):
        return []
    size = 1 << (2 * n - 1).bit_length()
    spectrum = np.fft.rfft(frames, size, axis=1)
    corr = np.fft.irfft(spectrum * np.conj(spectrum), size, axis=1)[:, :n]
    cum = np.cumsum(frames**2, axis=1)
    lo, hi = math.floor(sample_rate / F0_MAX_HZ), math.ceil(sample_rate / F0_MIN_HZ)
    hi = min(hi, n - 2)
    lags = np.arange(lo - 1, hi + 2)
    head = cum[:, n - 1 - lags]  # energy of x[0 : n-k]
    tail = cum[:, -1:] - cum[:, lags - 1]  # energy of x[k : n]
    nccf = corr[:, lags] / np.sqrt(np.maximum(head * tail, 1e-9))
    out: list[float] = []
    for row in nccf:
        inner = row[1:-1]
        peaks = np.flatnonzero((inner >= row[:-2]) & (inner >= row[2:]))
        if not len(peaks):
            continue
        best = inner[peaks].max()
        if best < VOICED_NCCF:
            continue
        i = int(peaks[np.argmax(inner[peaks] >= OCTAVE_SLACK * best)]) + 1  # the first good enough
        a, b, c = row[i - 1], row[i], row[i + 1]
        denom = a - 2 * b + c
        shift = 0.5 * (a - c) / denom if denom < 0 else 0.0
        out.append(sample_rate / (lags[i] + shift))
    return out


def median_f0(pcm: bytes, sample_rate: int) -> float | None:
    """Median F0 (Hz) over the voiced frames of 16-bit mono PCM; None when nothing is voiced."""
    found = frame_f0(pcm, sample_rate)
    return float(np.median(found)) if found else None


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
