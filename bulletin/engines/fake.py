"""A fake engine for fast tests, shipped with the library as httpx ships ``MockTransport``.

It speaks a pure tone per voice (so voices can be told apart in the audio), lasting 60 ms per
character, records every call, and can be told to fail: after a number of clips, or on texts
that contain a marker. It is not registered as an entry point, so users never see it.
"""

from __future__ import annotations

import math
import struct
import threading
from dataclasses import dataclass, field

from ..errors import EngineError, EngineUnavailable, UnknownVoiceError
from .base import AudioChunk, EngineConfig, Voice

SAMPLE_RATE = 16000
MS_PER_CHAR = 60


@dataclass
class FakeEngine:
    """Deterministic tones instead of speech."""

    config: EngineConfig | None = None
    name: str = "fake"
    fail_after: int | None = None
    """Raise :class:`EngineUnavailable` from this many clips on (None: never)."""
    fail_on: str | None = None
    """Raise :class:`EngineError` for any text containing this marker."""
    calls: list[tuple[str, str, float]] = field(default_factory=list)
    """Every call: (text, voice id, rate)."""
    parallel: int = 1
    up: bool = True
    """What :meth:`reachable` answers."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def version(self) -> str:
        return "fake 1"

    def voices(self, locale: str) -> tuple[Voice, ...]:
        plan = (("anchor", "m", 110.0), ("f1", "f", 220.0), ("m1", "m", 150.0), ("f2", "f", 260.0),
                ("m2", "m", 80.0), ("f3", "f", 300.0))  # fmt: skip
        return tuple(
            Voice(f"{self.name}:{n}", self.name, n, locale, gender=g, f0_hz=hz, label=f"{hz:.0f} Hz")  # type: ignore[arg-type]
            for n, g, hz in plan
        )

    def reachable(self) -> bool:
        return self.up

    def synthesize(self, text: str, voice: Voice, rate: float = 1.0) -> AudioChunk:
        if voice.engine != self.name or voice.f0_hz is None:
            raise UnknownVoiceError(f"the fake engine has no voice {voice.id!r}")
        with self._lock:
            self.calls.append((text, voice.id, rate))
            count = len(self.calls)
        if self.fail_after is not None and count > self.fail_after:
            raise EngineUnavailable(f"fake engine down after {self.fail_after} clips")
        if self.fail_on and self.fail_on in text:
            raise EngineError(f"fake engine refused {text[:20]!r}")
        frames = round(SAMPLE_RATE * MS_PER_CHAR * len(text) / 1000 / rate)
        step = 2 * math.pi * voice.f0_hz / SAMPLE_RATE
        pcm = struct.pack(f"<{frames}h", *(round(8000 * math.sin(step * i)) for i in range(frames)))
        return AudioChunk(SAMPLE_RATE, 2, 1, pcm, engine=self.name)
