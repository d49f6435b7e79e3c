"""The engine contract, the audio it returns, and the registry of engines.

Everything the pipeline needs from a speech engine is in :class:`Engine`; nothing is probed
with ``getattr``. Engines compose the way httpx transports do: :mod:`.stack` wraps any engine
in a clip cache (:class:`~.stack.Cached`) or behind a fallback (:class:`~.stack.Fallback`), and
the pipeline cannot tell a wrapped engine from a bare one.

Built-in engines register through the same ``bulletin.engines`` entry-point group as
third-party ones, so ``bulletin voices`` lists both the same way.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from ..errors import UnknownVoiceError
from .ratelimit import RateLimiter

Gender = Literal["f", "m"]

ENTRY_POINT_GROUP = "bulletin.engines"
_BUILTIN = {
    "espeak": "bulletin.engines.espeak:EspeakEngine",
    "gtts": "bulletin.engines.gtts:GttsEngine",
    "piper": "bulletin.engines.piper:PiperEngine",
    "edge": "bulletin.engines.edge:EdgeEngine",
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
    stand_in: str = ""
    """Non-empty for a voice an engine lends from elsewhere so that quotes stay out of the
    anchor's voice when its own voices run short (Piper's espeak-ng voices): casting gives such
    voices only after the engine's own, and warns once with this text (how to get more)."""


@dataclass(frozen=True)
class AudioChunk:
    """Raw PCM audio, little-endian signed, and where it came from."""

    sample_rate: int
    """Samples per second."""
    sample_width: int
    """Bytes per sample (2 for 16-bit)."""
    channels: int
    """1 for mono."""
    data: bytes
    """Interleaved PCM samples."""
    engine: str = ""
    """Name of the engine that really spoke it: after a fallback, the fallback's name. The cache
    stores a clip only under the key of the engine that made it, and the run summary and ID3
    engine tag count clips by this field."""
    stored: Path | None = None
    """Where a verified copy lies on disk (a cache entry), so the renderer may drop ``data``
    from memory and read it back later."""

    @property
    def duration_ms(self) -> float:
        frame = self.sample_width * self.channels
        return 1000.0 * len(self.data) / (frame * self.sample_rate) if frame else 0.0


@dataclass(frozen=True)
class EngineConfig:
    """What an engine may be told when it is built; every engine accepts it, and ignores what
    does not concern it."""

    jobs: int = 6
    """Requests an online engine may have in flight at once."""
    limiter: RateLimiter | None = None
    """Shared request-rate limit (one per process when None)."""
    requests_per_second: float = 15.0
    """The rate limit an online engine builds for itself when ``limiter`` is None."""
    voices_dir: Path | None = None
    """Where engines with downloadable voices look for them (default: the user data folder)."""
    anchor_voice: str | None = None
    """The voice (id or name) that reads the news, for engines that choose among installed
    voices (Piper); None: the engine's documented rule."""
    workers: int | None = None
    """Batch worker processes sharing the machine (``--workers``; None: one per core). An
    in-process neural engine in a batch worker gives each process its share of the cores."""
    edge_endpoint: str | None = None
    """Base URL of Microsoft's Read Aloud service for the edge engine (a local server in tests);
    None: ``BULLETIN_EDGE_ENDPOINT``, else Microsoft's own."""


@runtime_checkable
class Engine(Protocol):
    """What every speech engine, and every wrapper around one, provides.

    Start-up must be safe from any thread: an engine loads its library lazily, under a lock.
    An interrupt (Ctrl-C, SIGTERM) during :meth:`synthesize` must propagate, never be
    swallowed, and must not return a truncated clip.
    """

    name: str
    """Short name: ``espeak``, ``gtts``, … (what ``--engine`` takes)."""

    @property
    def version(self) -> str:
        """Engine and library version; part of every cache key."""
        ...

    @property
    def parallel(self) -> int:
        """How many clips the pipeline may ask for at once (1 for an in-process synthesiser)."""
        ...

    def voices(self, locale: str) -> tuple[Voice, ...]:
        """Every voice for a locale, the anchor's first."""
        ...

    def synthesize(self, text: str, voice: Voice, rate: float = 1.0) -> AudioChunk:
        """Speak ``text`` (already normalised; it may hold language spans, see
        :mod:`bulletin.normalize.markup`) with ``voice`` at ``rate`` (1.0 = normal)."""
        ...

    def reachable(self) -> bool:
        """Whether the engine can speak right now (its service answers, its library and voice
        data are present); quick, and never raises."""
        ...


def find_voice(voices: Sequence[Voice], wanted: str) -> Voice:
    """The voice whose id or engine name is ``wanted``; an unknown one lists those that exist."""
    for v in voices:
        if wanted in (v.id, v.name):
            return v
    names = ", ".join(v.id for v in voices)
    raise UnknownVoiceError(f"no voice {wanted!r} for this engine and locale; voices: {names}")


def available_engines() -> dict[str, str]:
    """Engine name → ``module:Class``, from the entry points (built-ins as fallback)."""
    return dict(_entry_points())


@functools.cache
def _entry_points() -> tuple[tuple[str, str], ...]:
    # Read once per process: scanning every installed distribution's metadata costs ~6 ms, and
    # a run asks several times (settings check, auto's choice, each engine built).
    found = dict(_BUILTIN)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = ep.value
    return tuple(found.items())


_build_lock = threading.Lock()


def get_engine(name: str, config: EngineConfig | None = None) -> Engine:
    """Build the engine called ``name`` (its class takes an :class:`EngineConfig`); an unknown
    name lists the ones that exist."""
    engines = available_engines()
    target = engines.get(name)
    if target is None:
        known = ", ".join(sorted(engines))
        raise UnknownVoiceError(f"unknown engine {name!r}; available engines: {known}")
    module_name, _, attr = target.partition(":")
    with _build_lock:  # importing a module from several threads at once is not safe for all engines
        module = importlib.import_module(module_name)
    engine: Engine = getattr(module, attr)(config or EngineConfig())
    return engine
