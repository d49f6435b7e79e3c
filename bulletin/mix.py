"""Rendering: clips levelled to one format, joined with silences, encoded once.

Clips are pydub segments; the bulletin is built with one ``b"".join`` of raw PCM (a ``+=`` loop
over AudioSegments copies every buffer each time and turns quadratic).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from .engines.base import AudioChunk
from .timeline import Timeline

with warnings.catch_warnings():
    # pydub warns at import when no system ffmpeg is on PATH; we hand it the bundled one.
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

SAMPLE_WIDTH = 2
SILENCE_THRESHOLD_DBFS = -50.0
FADE_MS = 5


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


def prepare_clips(chunks: Sequence[AudioChunk], sample_rate: int) -> list[AudioSegment]:
    return [trim(to_segment(c, sample_rate)) for c in chunks]


def render(timeline: Timeline, clips: Sequence[AudioSegment], sample_rate: int) -> bytes:
    """The whole bulletin as PCM, following the timeline's placements exactly."""
    frame = SAMPLE_WIDTH
    parts: list[bytes] = []
    written = 0  # frames
    for p in timeline.placements:
        start_frame = round(p.start_ms * sample_rate / 1000)
        if start_frame > written:
            parts.append(b"\0" * ((start_frame - written) * frame))
            written = start_frame
        data = clips[p.index].raw_data
        parts.append(data)
        written += len(data) // frame
    end_frame = round(timeline.duration_ms * sample_rate / 1000)
    if end_frame > written:
        parts.append(b"\0" * ((end_frame - written) * frame))
    return b"".join(parts)
