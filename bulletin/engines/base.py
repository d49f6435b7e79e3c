"""The engine contract, the audio it returns, and the registry of engines.

An engine is anything with :meth:`Engine.synthesize`. Built-in engines register through the
same ``bulletin.engines`` entry-point group as third-party ones, so ``bulletin voices`` lists
both the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Literal, Protocol, runtime_checkable

from ..errors import UnknownVoiceError

Gender = Literal["f", "m"]

ENTRY_POINT_GROUP = "bulletin.engines"
_BUILTIN = {
    "espeak": "bulletin.engines.espeak:EspeakEngine",
    "gtts": "bulletin.engines.gtts:GttsEngine",
}


@dataclass(frozen=True)
class Voice:
    """A voice an engine can speak with."""

    id: str
    """Stable identifier, ``engine:name``; what ``--speaker-voice`` and the script show."""
    engine: str
    """Name of the engine that owns the voice."""
    name: str
    """The engine's own name for it (``fr+f3`` for espeak-ng)."""
    locale: str
    """``fr-FR``, ``fr-BE``, ``fr-CH`` or ``fr-CA``."""
    gender: Gender | None = None
    """Whether it sounds like a woman or a man, when the engine says."""
    pitch: int = 50
    """Engine-specific pitch (0-100 for espeak-ng), part of what makes voices distinct."""
    label: str = ""
    """A human description for ``bulletin voices``."""
    f0_hz: float | None = None
    """Median fundamental frequency measured on rendered French speech, when known; casting and
    ``bulletin voices`` use it to keep quote voices audibly apart from the anchor."""


@dataclass(frozen=True)
class AudioChunk:
    """Raw PCM audio, little-endian signed."""

    sample_rate: int
    """Samples per second."""
    sample_width: int
    """Bytes per sample (2 for 16-bit)."""
    channels: int
    """1 for mono."""
    data: bytes
    """Interleaved PCM samples."""

    @property
    def duration_ms(self) -> float:
        frame = self.sample_width * self.channels
        return 1000.0 * len(self.data) / (frame * self.sample_rate) if frame else 0.0


@runtime_checkable
class Engine(Protocol):
    """What every speech engine provides."""

    name: str
    version: str

    def voices(self, locale: str) -> tuple[Voice, ...]:
        """Every voice for a locale, the anchor's first."""
        ...

    def synthesize(self, text: str, voice: Voice, rate: float = 1.0) -> AudioChunk:
        """Speak ``text`` (already normalised) with ``voice`` at ``rate`` (1.0 = normal)."""
        ...


def available_engines() -> dict[str, str]:
    """Engine name → ``module:Class``, from the entry points (built-ins as fallback)."""
    found = dict(_BUILTIN)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = ep.value
    return found


def get_engine(name: str) -> Engine:
    """Build the engine called ``name``; an unknown name lists the ones that exist."""
    engines = available_engines()
    target = engines.get(name)
    if target is None:
        known = ", ".join(sorted(engines))
        raise UnknownVoiceError(f"unknown engine {name!r}; available engines: {known}")
    module_name, _, attr = target.partition(":")
    import importlib

    module = importlib.import_module(module_name)
    engine: Engine = getattr(module, attr)()
    return engine
