"""A voice's gender by ear: the median pitch (F0) of a fixed calibration sentence.

Adult voices separate well on median F0 (DESIGN §8: espeak-ng's female variants measure
173–250 Hz, its male ones 71–141 Hz, Google's voice ~220 Hz): at or above
:data:`FEMALE_MIN_HZ` a voice is female, at or below :data:`MALE_MAX_HZ` male, and in between
nobody can tell, so it stays unknown (casting treats it as neither).

The F0 tracker is the one ``scripts/measure_voices.py`` uses for the voice tables: normalised
cross-correlation on voiced 40 ms frames, which is all the precision a two-way split needs, in
numpy (already the ``neural`` extra's) rather than a pitch library with its own native stack.
"""

from __future__ import annotations

import math
from typing import Any, Literal

CALIBRATION_SENTENCE = (
    "Bonjour à toutes et à tous, voici les nouvelles de ce matin, lues calmement et clairement. "
    "Le conseil communal s'est réuni hier soir pour parler des écoles et des routes."
)
"""What every voice reads to be measured. Fixed: a stored measurement is only comparable with
another made on the same words (:data:`CALIBRATION_VERSION` changes with it)."""
CALIBRATION_VERSION = 1
FEMALE_MIN_HZ = 165.0
MALE_MAX_HZ = 145.0

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
    """F0 (Hz) of every voiced frame of 16-bit mono PCM, by normalised cross-correlation:
    nccf(k) = sum x[n] x[n+k] / sqrt(E0 Ek) over the two overlapping parts, so a periodic frame
    scores 1 at its period whatever the lag; the peak is refined by a parabola."""
    import numpy as np

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
    frames = frames[loud]
    if not len(frames):
        return []
    size = 1 << (2 * n - 1).bit_length()
    spectrum = np.fft.rfft(frames, size, axis=1)
    corr = np.fft.irfft(spectrum * np.conj(spectrum), size, axis=1)[:, :n]
    cum = np.cumsum(frames**2, axis=1)
    lo, hi = math.floor(sample_rate / F0_MAX_HZ), min(math.ceil(sample_rate / F0_MIN_HZ), n - 2)
    lags = np.arange(lo - 1, hi + 2)
    head = cum[:, n - 1 - lags]
    tail = cum[:, -1:] - cum[:, lags - 1]
    nccf: Any = corr[:, lags] / np.sqrt(np.maximum(head * tail, 1e-9))
    out: list[float] = []
    for row in nccf:
        inner = row[1:-1]
        peaks = np.flatnonzero((inner >= row[:-2]) & (inner >= row[2:]))
        if not len(peaks):
            continue
        best = inner[peaks].max()
        if best < VOICED_NCCF:
            continue
        i = int(peaks[np.argmax(inner[peaks] >= OCTAVE_SLACK * best)]) + 1
        a, b, c = row[i - 1], row[i], row[i + 1]
        denom = a - 2 * b + c
        shift = 0.5 * (a - c) / denom if denom < 0 else 0.0
        out.append(float(sample_rate / (lags[i] + shift)))
    return out


def median_f0(pcm: bytes, sample_rate: int) -> float | None:
    """Median F0 (Hz) over the voiced frames of 16-bit mono PCM; None when nothing is voiced."""
    import numpy as np

    found = frame_f0(pcm, sample_rate)
    return float(np.median(found)) if found else None


def gender_of(f0_hz: float | None) -> Literal["f", "m"] | None:
    """``f`` at or above 165 Hz, ``m`` at or below 145 Hz, None in between or unmeasured."""
    if f0_hz is None:
        return None
    if f0_hz >= FEMALE_MIN_HZ:
        return "f"
    if f0_hz <= MALE_MAX_HZ:
        return "m"
    return None
