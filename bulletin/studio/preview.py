"""One segment, spoken on demand: each sentence through the engine stack (so through the clip
cache, and a render afterwards reuses the clips), trimmed and levelled as the bulletin's clips
are, joined with the bulletin's sentence pause and encoded as a small MP3."""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..engines.base import Engine
from ..ffmpeg import encode_mp3
from ..mix import SAMPLE_WIDTH, level, to_segment, trim
from ..script import Script
from ..timeline import PAUSES

PREVIEW_BITRATE = "64k"


def preview_mp3(script: Script, engine: Engine, rate: float = 1.0) -> bytes:
    """The first segment of ``script`` as MP3 bytes."""
    segment = script.segments[0]
    voice = script.voices[segment.voice]
    chunks = [engine.synthesize(s.spoken, voice, rate) for s in segment.sentences if s.spoken.strip()]
    sample_rate = next((c.sample_rate for c in chunks if c.data), 22050)
    gap = b"\0" * (round(PAUSES["sentence"] * sample_rate / 1000) * SAMPLE_WIDTH)
    pcm = gap.join(level(trim(to_segment(c, sample_rate))).raw_data for c in chunks if c.data)
    with tempfile.TemporaryDirectory(prefix="bulletin-preview-") as work:
        out = Path(work) / "preview.mp3"
        encode_mp3(pcm or gap, sample_rate, out, bitrate=PREVIEW_BITRATE)
        return out.read_bytes()
