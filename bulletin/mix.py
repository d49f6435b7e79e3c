"""Rendering: clips levelled to one loudness, joined with silences, encoded once.

Clips are pydub segments; the bulletin is built with one ``b"".join`` of raw PCM (a ``+=`` loop
over AudioSegments copies every buffer each time and turns quadratic).
"""

from __future__ import annotations

import audioop
import math
import warnings
from collections.abc import Sequence
from pathlib import Path

from .engines.base import AudioChunk
from .errors import AudioError
from .timeline import Timeline

with warnings.catch_warnings():
    # pydub warns at import when no system ffmpeg is on PATH; we hand it the bundled one.
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

SAMPLE_WIDTH = 2
SILENCE_THRESHOLD_DBFS = -50.0
FADE_MS = 5
LEVEL_TARGET_DBFS = -20.0
_GATE_DBFS = -45.0
_WINDOW_MS = 50


def to_segment(chunk: AudioChunk, sample_rate: int) -> AudioSegment:
    """A clip as a mono 16-bit pydub segment at ``sample_rate``."""
    seg = AudioSegment(
        data=chunk.data, sample_width=chunk.sample_width, frame_rate=chunk.sample_rate, channels=chunk.channels
    )
    if seg.channels != 1:
        seg = seg.set_channels(1)
    if seg.sample_width != SAMPLE_WIDTH:
        seg = seg.set_sample_width(SAMPLE_WIDTH)
    if seg.frame_rate != sample_rate:
        seg = seg.set_frame_rate(sample_rate)
    return seg


def trim(seg: AudioSegment) -> AudioSegment:
    """Cut the engine's leading and trailing silence, so the timeline alone sets the pauses."""
    if len(seg) == 0:
        return seg
    start = detect_leading_silence(seg, silence_threshold=SILENCE_THRESHOLD_DBFS, chunk_size=5)
    end = detect_leading_silence(seg.reverse(), silence_threshold=SILENCE_THRESHOLD_DBFS, chunk_size=5)
    if start >= len(seg) - end:
        return seg[:0]
    out = seg[max(0, start - 10) : len(seg) - max(0, end - 30)]
    return out.fade_in(FADE_MS).fade_out(FADE_MS) if len(out) > 4 * FADE_MS else out


def speech_level(seg: AudioSegment) -> float | None:
    """Level of the speech in a clip (dBFS), gated so that pauses do not lower it."""
    data = seg.raw_data
    step = SAMPLE_WIDTH * (seg.frame_rate * _WINDOW_MS // 1000)
    full = 32768.0
    energies = []
    for i in range(0, len(data) - step + 1, step):
        rms = audioop.rms(data[i : i + step], SAMPLE_WIDTH)
        if rms and 20 * math.log10(rms / full) > _GATE_DBFS:
            energies.append((rms / full) ** 2)
    if not energies:
        return None
    return 10 * math.log10(sum(energies) / len(energies))


def level(seg: AudioSegment, target_dbfs: float = LEVEL_TARGET_DBFS) -> AudioSegment:
    """Bring a clip's speech to ``target_dbfs`` so every voice sits at the same loudness."""
    current = speech_level(seg)
    if current is None:
        return seg
    return seg.apply_gain(max(-20.0, min(15.0, target_dbfs - current)))


def prepare_clips(chunks: Sequence[Sequence[AudioChunk]], sample_rate: int) -> list[list[AudioSegment]]:
    """Per segment, per sentence: converted, trimmed and levelled clips."""
    return [[level(trim(to_segment(c, sample_rate))) for c in sentence_chunks] for sentence_chunks in chunks]


def load_audio(path: Path, sample_rate: int) -> AudioSegment:
    """A jingle or music file as mono PCM at ``sample_rate``; a clear error when it is not audio."""
    from .ffmpeg import decode_to_pcm

    if not path.is_file():
        raise AudioError(f"no such audio file: {path}")
    try:
        pcm = decode_to_pcm(path, sample_rate)
    except AudioError as exc:
        raise AudioError(f"{path} is not an audio file ffmpeg can read") from exc
    if not pcm:
        raise AudioError(f"{path} holds no audio")
    return AudioSegment(data=pcm, sample_width=SAMPLE_WIDTH, frame_rate=sample_rate, channels=1)


def chime(sample_rate: int) -> AudioSegment:
    """A short two-note chime made in code, so a default exists offline."""
    from pydub.generators import Sine

    a = Sine(880, sample_rate=sample_rate).to_audio_segment(duration=180, volume=-18).fade_out(120)
    b = Sine(1318.5, sample_rate=sample_rate).to_audio_segment(duration=420, volume=-18).fade_out(380)
    out = (a + b).set_channels(1).set_sample_width(SAMPLE_WIDTH)
    return out.fade_in(5)


def render(timeline: Timeline, clips: Sequence[Sequence[AudioSegment]], sample_rate: int) -> bytes:
    """The whole bulletin as PCM, following the timeline's placements exactly."""
    frame = SAMPLE_WIDTH
    parts: list[bytes] = []
    written = 0  # frames
    for p in timeline.placements:
        for part, clip in zip(p.parts, clips[p.index], strict=True):
            start_frame = round(part.start_ms * sample_rate / 1000)
            if start_frame > written:
                parts.append(b"\0" * ((start_frame - written) * frame))
                written = start_frame
            data = clip.raw_data
            parts.append(data)
            written += len(data) // frame
    end_frame = round(timeline.duration_ms * sample_rate / 1000)
    if end_frame > written:
        parts.append(b"\0" * ((end_frame - written) * frame))
    return b"".join(parts)
