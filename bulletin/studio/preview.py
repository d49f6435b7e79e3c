"""One segment, spoken on demand: each sentence through the engine stack (so through the clip
cache, and a render afterwards reuses the clips), trimmed and levelled as the bulletin's clips
are, joined with the bulletin's sentence pause and encoded as a small MP3. Also: how long a
script will last, from the clips already in the cache or estimated until they exist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..cache import ClipCache, clip_key
from ..engines.base import AudioChunk, Engine, Voice
from ..engines.stack import Cached, Fallback, Wrapper
from ..errors import BulletinError
from ..ffmpeg import encode_mp3
from ..mix import SAMPLE_WIDTH, level, to_segment, trim
from ..scratch import scratch_file
from ..script import Script
from ..timeline import PAUSES, place

PREVIEW_BITRATE = "64k"
CHARS_PER_SECOND = 16.0
"""French read aloud at rate 1: about 16 characters of spoken text a second (about 175 words a
minute; espeak-ng's clips of the test article measured 18, Google's are slower). Used to refuse
a preview before anything is synthesised, and to estimate a segment on the timeline until its
clips exist (then the pace of the clips already spoken is used)."""
SAMPLE_SENTENCE = "Bonjour, voici le journal de midi : la météo, le sport et la culture."
"""What a voice's ▶ sample says: short, with a pause and a list, as a bulletin's opening."""


class TooLong(BulletinError):
    """A preview over the studio's bound."""


def estimate_ms(spoken: str, rate: float = 1.0) -> int:
    return round(len(" ".join(spoken.split())) / (CHARS_PER_SECOND * rate) * 1000)


def _guess(spoken: str, rate: float, pace: float | None) -> int:
    return round(len(" ".join(spoken.split())) * pace) if pace is not None else estimate_ms(spoken, rate)


def check_length(spoken: str, limit_s: float, rate: float = 1.0) -> None:
    """Refuse, before any synthesis (and before the text is even read through the locale's
    rules), a preview that would speak for longer than ``limit_s``."""
    seconds = estimate_ms(spoken, rate) / 1000
    if seconds > limit_s:
        raise TooLong(
            f"this preview would last about {_duration(seconds)}; previews stop at {_duration(limit_s)} "
            "of speech: split the segment, or render the bulletin"
        )


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def speak_mp3(chunks: list[AudioChunk], folder: Path) -> bytes:
    """Clips joined with the sentence pause, as a small MP3 (its temporary file in the process's
    scratch folder beside the renders)."""
    sample_rate = next((c.sample_rate for c in chunks if c.data), 22050)
    gap = b"\0" * (round(PAUSES["sentence"] * sample_rate / 1000) * SAMPLE_WIDTH)
    pcm = gap.join(level(trim(to_segment(c, sample_rate))).raw_data for c in chunks if c.data)
    folder.mkdir(parents=True, exist_ok=True)
    with scratch_file(folder, "preview-", ".mp3") as out:
        encode_mp3(pcm or gap, sample_rate, out, bitrate=PREVIEW_BITRATE)
        return out.read_bytes()


def preview_mp3(script: Script, engine: Engine, folder: Path, rate: float = 1.0) -> bytes:
    """The first segment of ``script`` as MP3 bytes."""
    segment = script.segments[0]
    voice = script.voices[segment.voice]
    chunks = [engine.synthesize(s.spoken, voice, rate) for s in segment.sentences if s.spoken.strip()]
    return speak_mp3(chunks, folder)


def sample_mp3(voice: Voice, engine: Engine, folder: Path, rate: float = 1.0) -> bytes:
    """A voice saying :data:`SAMPLE_SENTENCE` (cached like any clip)."""
    return speak_mp3([engine.synthesize(SAMPLE_SENTENCE, voice, rate)], folder)


def _cached(engine: Engine) -> Cached | None:
    """The cache wrapper of a stack (the primary engine's), if it has one."""
    while isinstance(engine, Wrapper):
        if isinstance(engine, Cached):
            return engine
        engine = engine.primary if isinstance(engine, Fallback) else engine.inner
    return None


def timeline(script: Script, engine: Engine, rate: float, pause_scale: float) -> dict[str, Any]:
    """Each segment's start and length, from its clips in the cache when they are all there
    (measured as the mixer measures them: trimmed), else estimated; the pauses are the mixer's."""
    wrapper = _cached(engine)
    cache: ClipCache | None = wrapper.cache if wrapper is not None else None
    found: list[list[int | None]] = []
    spoken_ms = spoken_chars = 0
    for seg in script.segments:
        voice = script.voices[seg.voice]
        row: list[int | None] = []
        for s in seg.sentences:
            if not s.spoken.strip():
                row.append(0)
                continue
            chunk = None
            if cache is not None and wrapper is not None:
                inner = wrapper.inner
                key = clip_key(inner.name, inner.version, f"{voice.id}|{voice.name}|{voice.pitch}", s.spoken, rate)
                chunk = cache.get(key)
            if chunk is not None and chunk.data:
                clip = trim(to_segment(chunk, chunk.sample_rate))
                ms = round(len(clip.raw_data) / SAMPLE_WIDTH * 1000 / chunk.sample_rate)
                spoken_ms += ms
                spoken_chars += len(" ".join(s.spoken.split()))
                row.append(ms)
            else:
                row.append(None)
        found.append(row)
    # Clips not spoken yet are estimated at the pace of those that were (this engine, these
    # voices, this rate), or at an average French pace when none was.
    pace = spoken_ms / spoken_chars if spoken_chars >= 200 else None
    durations = [[d if d is not None else _guess(s.spoken, rate, pace) for d, s in zip(row, seg.sentences, strict=True)]
                 for row, seg in zip(found, script.segments, strict=True)]  # fmt: skip
    measured = [all(d is not None for d in row) for row in found]
    placed = place(script, durations, pause_scale)
    return {
        "segments": [
            {"start": p.start_ms / 1000, "seconds": (p.end_ms - p.start_ms) / 1000, "measured": m}
            for p, m in zip(placed.placements, measured, strict=True)
        ],
        "total": placed.duration_ms / 1000,
        "measured": all(measured),
    }
