"""Pitch shifting that keeps the formants: TD-PSOLA (time-domain pitch-synchronous overlap-add).

Why not ffmpeg: ``asetrate`` + ``atempo`` scales the whole spectrum, so the formants fall with
the pitch and a woman shifted down sounds like a slowed tape, not like a man; the bundled
ffmpeg's ``rubberband=formant=preserved`` still moved F2 by -28 % on a downward shift of six
semitones (DESIGN.md §8). TD-PSOLA cuts the voice into grains of two pitch periods, each centred
on a glottal pulse, and lays them out again at the new period: every grain keeps the vocal
tract's response (the formants), only the spacing of the pulses (the pitch) changes. The
duration is kept. Unvoiced sounds (s, f, ch) and silences are copied as they are.

It needs nothing but numpy, which is why numpy is a core dependency.
"""

from __future__ import annotations

from typing import Any

PITCH_METHOD = "td-psola 1"
"""Names this module's way of shifting; engines put it in their version (part of clip cache keys)."""
F0_MIN = 60.0
F0_MAX = 420.0
_FRAME_S = 0.040
_HOP_S = 0.010
_THRESHOLD = 0.15  # YIN: the first dip of the normalised difference under this is the period
_VOICING = 0.35  # no dip under this at all: the frame is unvoiced


def _frames_f0(x: Any, rate: int) -> tuple[Any, int]:
    """Period in samples per frame (0 where unvoiced), and the hop: YIN's cumulative mean
    normalised difference, whose first dip under a threshold is the period (a plain
    autocorrelation maximum often lands on twice the period, an octave too low)."""
    import numpy as np

    window = int(rate * _FRAME_S)
    hop = int(rate * _HOP_S)
    lo, hi = int(rate / F0_MAX), int(rate / F0_MIN)
    span = window + hi
    if len(x) < span:
        return np.zeros(0, dtype=np.int64), hop
    starts = np.arange(0, len(x) - span + 1, hop)
    nfft = 1 << (2 * span - 1).bit_length()
    taus = np.arange(hi + 1)
    parts, energies = [], []
    for b in range(0, len(starts), 256):  # in blocks: a long clip's frames at once would take 100s of MB
        segs = np.stack([x[s : s + span] for s in starts[b : b + 256]])
        # r[tau] = sum_{j<window} x[j] x[j+tau], by FFT cross-correlation of the head with the segment.
        head = np.fft.rfft(segs[:, :window], nfft, axis=1)
        full = np.fft.rfft(segs, nfft, axis=1)
        r = np.fft.irfft(np.conj(head) * full, nfft, axis=1)[:, : hi + 1]
        sq = np.concatenate([np.zeros((len(segs), 1)), np.cumsum(segs**2, axis=1)], axis=1)
        d = sq[:, window : window + 1] + sq[:, taus + window] - sq[:, taus] - 2 * r
        d[:, 0] = 0
        cum = np.cumsum(d[:, 1:], axis=1)
        block = np.ones_like(d)
        block[:, 1:] = d[:, 1:] * taus[1:] / np.maximum(cum, 1e-12)
        parts.append(block)
        energies.append(sq[:, window])
    cmndf = np.concatenate(parts)
    energy = np.concatenate(energies)
    loud = energy > energy.max() * 1e-3
    period = np.zeros(len(starts), dtype=np.int64)
    for i in range(len(starts)):
        if not loud[i]:
            continue
        c = cmndf[i, lo : hi + 1]
        below = np.nonzero(c < _THRESHOLD)[0]
        if len(below):
            j = int(below[0])
            while j + 1 < len(c) and c[j + 1] < c[j]:
                j += 1  # down to the bottom of that dip
        else:
            j = int(np.argmin(c))
            if c[j] > _VOICING:
                continue  # no periodicity: unvoiced
        period[i] = lo + j
    # A lone voiced or unvoiced frame between two of the other kind is an estimation glitch.
    if len(period) > 2:
        med = period.copy()
        for i in range(1, len(period) - 1):
            med[i] = sorted((period[i - 1], period[i], period[i + 1]))[1]
        period = med
    return period, hop


def _marks(x: Any, rate: int, period: Any, hop: int) -> tuple[list[int], list[int], list[bool]]:
    """Analysis marks: one per glottal cycle where voiced, one every 10 ms elsewhere. Returns the
    marks, their half-grain length and voicing.

    A voiced stretch starts on its strongest sample within one period; each next mark is where
    the waveform best repeats the previous cycle, within a quarter period of one period later.
    Snapping every mark to a peak instead lets marks hop between the positive and the negative
    peak of a cycle: the pulses laid out again are then irregular, and the new pitch is rough."""
    import numpy as np

    frame = int(rate * _FRAME_S)  # frame i's analysis window is [i*hop, i*hop + frame)
    n = len(x)
    marks: list[int] = []
    halves: list[int] = []
    voiced: list[bool] = []
    t = 0
    # Marks sit on the main excitation peak of each cycle, whose sign is the recording's polarity:
    # the sign of its strongest sample.
    polarity = 1.0 if n == 0 or x[int(np.argmax(np.abs(x)))] >= 0 else -1.0
    while t < n:
        i = min(max((t - frame // 2) // hop, 0), len(period) - 1) if len(period) else -1
        p = int(period[i]) if i >= 0 else 0
        if not p:
            marks.append(t)
            halves.append(hop)
            voiced.append(False)
            t += hop
            continue
        if not voiced or not voiced[-1]:
            hi = min(t + p, n)
            t += int(np.argmax(polarity * x[t:hi]))
        else:
            prev, half, reach = marks[-1], p // 2, p // 4
            lo = t - reach
            template = x[prev - half : prev + half]
            segment = x[lo - half : t + reach + half]
            if prev - half >= 0 and lo - half >= 0 and len(template) == 2 * half and len(segment) > len(template):
                t = lo + int(np.argmax(np.correlate(segment, template, "valid")))
            # Then onto the nearby peak of the recording's polarity: the grain stays centred on
            # the pulse (where the formants' response starts), without drifting.
            # The prediction is favoured (a peak a third of a period away must be twice as high),
            # so marks do not hop between two peaks of similar height.
            near = max(p // 3, 1)
            a, b = max(t - near, 0), min(t + near + 1, n)
            if a < b:
                favour = 1.0 - 0.5 * np.abs(np.arange(a, b) - t) / near
                t = a + int(np.argmax(polarity * x[a:b] * favour))
        if t >= n:
            break
        marks.append(t)
        halves.append(p)
        voiced.append(True)
        t += p
    return marks, halves, voiced


def shift_pitch(samples: Any, rate: int, semitones: float) -> Any:
    """``samples`` (1-D float array) with its pitch moved by ``semitones``, formants and duration
    kept; the RMS level is kept too, so loudness levelling downstream works as before."""
    import numpy as np

    x = np.asarray(samples, dtype=np.float64)
    if not semitones or len(x) == 0:
        return x.copy()
    factor = 2.0 ** (semitones / 12.0)
    period, hop = _frames_f0(x, rate)
    if not len(period) or not period.any():
        return x.copy()  # nothing voiced: no pitch to move
    marks, halves, voiced = _marks(x, rate, period, hop)
    mark_arr = np.asarray(marks)
    n = len(x)
    out = np.zeros(n + 2 * int(rate / F0_MIN) + 2)
    t = float(marks[0])
    k = 0
    while t < n:
        # The analysis grain nearest in time to this synthesis instant (duration is kept).
        k = int(np.clip(np.searchsorted(mark_arr, t), 0, len(marks) - 1))
        if k > 0 and abs(marks[k - 1] - t) < abs(marks[k] - t):
            k -= 1
        p = halves[k]
        centre = marks[k]
        lo, hi = centre - p, centre + p + 1
        window = np.hanning(2 * p + 3)[1:-1]
        grain = np.zeros(2 * p + 1)
        src_lo, src_hi = max(lo, 0), min(hi, n)
        grain[src_lo - lo : src_hi - lo] = x[src_lo:src_hi]
        shaped = grain * window
        # A windowed grain has a mean of its own; laid out at a new spacing, those means add up
        # to a hum at the new pitch (+10 dB below 600 Hz, measured). Take it out of each grain.
        shaped -= window * (shaped.sum() / window.sum())
        at = round(t) - p
        dst_lo = max(at, 0)
        out[dst_lo : at + 2 * p + 1] += shaped[dst_lo - at :]
        t += p / factor if voiced[k] else p
    y = out[:n]
    rms_in = float(np.sqrt(np.mean(x**2)))
    rms_out = float(np.sqrt(np.mean(y**2)))
    if rms_out > 0:
        y = y * (rms_in / rms_out)
    return y


def shift_pcm16(pcm: bytes, rate: int, semitones: float) -> bytes:
    """:func:`shift_pitch` on 16-bit little-endian mono PCM."""
    import numpy as np

    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0
    y = shift_pitch(x, rate, semitones)
    return bytes((np.clip(y, -1.0, 32767 / 32768) * 32768.0).round().astype("<i2").tobytes())
