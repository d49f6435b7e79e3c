"""Engines wrapped the way httpx wraps transports: each wrapper is itself an :class:`Engine`.

    Fallback(Cached(GttsEngine(), cache), Cached(EspeakEngine(), cache))

:class:`Cached` serves and stores clips in the clip cache under the key of the engine that
really made them; :class:`Fallback` finishes with a second engine when the first fails. The
pipeline sees one engine either way. :func:`open_engine` builds the stack a run asks for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from ..cache import ClipCache, Pins, clip_key
from ..errors import BulletinError, EngineError, UnknownVoiceError
from .base import AudioChunk, Engine, EngineConfig, Voice, get_engine


class Wrapper:
    """An engine that stands for ``inner``: the same name, version, parallelism, voices and
    reachability. Subclasses change what :meth:`synthesize` does."""

    def __init__(self, inner: Engine) -> None:
        self.inner = inner
        self.name = inner.name

    @property
    def version(self) -> str:
        return self.inner.version

    @property
    def parallel(self) -> int:
        return self.inner.parallel

    def voices(self, locale: str) -> tuple[Voice, ...]:
        return self.inner.voices(locale)

    def reachable(self) -> bool:
        return self.inner.reachable()

    def synthesize(self, text: str, voice: Voice, rate: float = 1.0) -> AudioChunk:
        return self.inner.synthesize(text, voice, rate)


class Cached(Wrapper):
    """Reuse clips from a :class:`~bulletin.cache.ClipCache`; store what the inner engine makes.

    A clip is stored only when the inner engine itself made it (``chunk.engine == inner.name``):
    an offline clip made by a fallback deeper in the stack can never be served later as Google's.
    """

    def __init__(self, inner: Engine, cache: ClipCache, pins: Pins | None = None) -> None:
        super().__init__(inner)
        self.cache = cache
        self.pins = pins
        """The render's pins: every key it asks for is pinned first, so no prune removes a clip
        between finding it here and mixing it."""
        self.hits = 0
        self._lock = threading.Lock()

    def synthesize(self, text: str, voice: Voice, rate: float = 1.0) -> AudioChunk:
        # The voice's pitch is part of its sound: a re-tuned voice that keeps its id must not be
        # served its old clips.
        key = clip_key(self.inner.name, self.inner.version, f"{voice.id}|{voice.name}|{voice.pitch}", text, rate)
        if self.pins is not None:
            self.pins.add(key)
        hit = self.cache.get(key)
        if hit is not None:
            with self._lock:
                self.hits += 1
            return replace(hit, engine=self.inner.name)
        chunk = self.inner.synthesize(text, voice, rate)
        if chunk.engine == self.inner.name and chunk.data:
            chunk = self.cache.put(key, chunk)
        return chunk


def equivalent_voice(voice: Voice, primary: Engine, secondary: Engine) -> Voice:
    """The ``secondary`` voice that stands in for ``voice``: the anchor for the anchor, else the
    voice at the same rank among those of the same gender, so casting stays distinct."""
    mine = primary.voices(voice.locale)
    theirs = secondary.voices(voice.locale)
    if not theirs:
        raise UnknownVoiceError(f"the {secondary.name} engine has no voice for {voice.locale}")
    if not mine or mine[0].id == voice.id:
        return theirs[0]
    same = [v for v in mine[1:] if v.gender == voice.gender]
    rank = next((i for i, v in enumerate(same) if v.id == voice.id), 0)
    pool = [v for v in theirs[1:] if v.gender == voice.gender] or list(theirs[1:]) or list(theirs)
    return pool[rank % len(pool)]


class Fallback(Wrapper):
    """Speak with ``primary``; once it fails, finish every remaining clip with ``secondary``.

    After the first failure the primary is not asked again in this run: a service that is down
    would otherwise cost its timeouts and retries on every clip.
    """

    def __init__(self, primary: Engine, secondary: Engine) -> None:
        super().__init__(primary)
        self.primary = primary
        self.secondary = secondary
        self.tripped: str | None = None
        """Why the primary was given up, once it was."""
        self._lock = threading.Lock()

    def reachable(self) -> bool:
        return self.primary.reachable() or self.secondary.reachable()

    def synthesize(self, text: str, voice: Voice, rate: float = 1.0) -> AudioChunk:
        if self.tripped is None:
            try:
                return self.primary.synthesize(text, voice, rate)
            except UnknownVoiceError:
                raise  # a casting mistake, not an outage: the fallback would hide it
            except EngineError as exc:
                with self._lock:
                    self.tripped = self.tripped or str(exc)
        return self.secondary.synthesize(text, equivalent_voice(voice, self.primary, self.secondary), rate)


AUTO_REASONS = {
    "gtts": "Google's speech service answered",
    "piper": "Google's speech service did not answer, so the installed neural voice",
    "espeak": "Google's speech service did not answer, so the offline voice",
}


EngineFactory = Callable[[str, EngineConfig], Engine]
"""How a stack gets a bare engine: :func:`get_engine` (a new one), or a runtime's (kept for the
life of the process, so a Piper model or the espeak library is loaded once)."""


def choose(name: str, config: EngineConfig, make: EngineFactory = get_engine) -> tuple[Engine, str]:
    """The bare engine a run uses and why: for ``auto``, Google's voice when its service
    answers a quick check, else an installed French Piper voice (natural, offline), else
    espeak-ng, which is always there. The check is made each time it is called: a runtime
    calls it per render, so one bad minute of the network does not decide for the day."""
    if name != "auto":
        return make(name, config), "as asked"
    gtts = make("gtts", config)
    if gtts.reachable():
        return gtts, AUTO_REASONS["gtts"]
    piper = make("piper", config)
    if piper.reachable():
        return piper, AUTO_REASONS["piper"]
    return make("espeak", config), AUTO_REASONS["espeak"] + _why_not_piper(config)


def _why_not_piper(config: EngineConfig) -> str:
    """Why no neural voice spoke, when the user can act on it: voices installed, no onnxruntime."""
    from .piper import PiperEngine

    piper = PiperEngine(config)
    if not piper.french("fr-FR"):
        return ""
    try:
        piper.voices("fr-FR")
    except BulletinError as exc:
        return f"; a Piper voice is installed but {exc}"
    return ""


def open_engine(
    name: str,
    config: EngineConfig,
    *,
    cache: ClipCache | None = None,
    fallback: bool = False,
    pins: Pins | None = None,
    make: EngineFactory = get_engine,
) -> tuple[Engine, str]:
    """The whole stack for a run: the chosen engine, cached, behind an offline fallback when
    asked (the fallback has its own cache entries). Returns it with the reason for the choice.
    The wrappers are new each time (a fallback's state belongs to one render); the bare engines
    come from ``make``."""
    engine, reason = choose(name, config, make)
    stack: Engine = Cached(engine, cache, pins) if cache is not None else engine
    if fallback and engine.name != "espeak":
        offline = make("espeak", config)
        stack = Fallback(stack, Cached(offline, cache, pins) if cache is not None else offline)
    return stack, reason


def engine_summary(name: str, clips_by_engine: dict[str, int]) -> str:
    """What really spoke: ``gtts``, or ``gtts, 12 clips by espeak (fallback)``."""
    others = {e: n for e, n in clips_by_engine.items() if e and e != name}
    if not others:
        return name
    parts = [f"{n} clip{'s' if n > 1 else ''} by {e} (fallback)" for e, n in sorted(others.items())]
    return f"{name}, " + ", ".join(parts)
