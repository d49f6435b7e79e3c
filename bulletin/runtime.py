"""The runtime: what one process keeps between renders, created once, passed in, closed once.

Compare ``httpx.Client``. A CLI run, each batch or cluster worker and the studio each own one
:class:`Runtime`; it holds

* the bare engines, one per engine name and configuration, for the life of the process: a Piper
  model, the espeak-ng library and HTTP sessions are loaded once, not per article;
* the clip cache, and per render a set of *pins* on the clips that render uses, so that no
  prune (by this process or another) removes a clip between finding it and mixing it;
* the per-render state: :meth:`Runtime.stack` builds new wrappers (cache, fallback) around the
  kept engines for each render, so ``--fallback`` tripping once does not decide the next render,
  and ``auto`` asks Google again each time;
* and its renders write their temporaries in the process's scratch folder beside the output
  (:mod:`bulletin.scratch`), which goes when the last render using it ends.

    with Runtime.from_settings(settings) as runtime:
        runtime.make("article.txt", "journal.mp3", settings)
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import ClipCache, Pins, parse_size
from .engines.base import Engine, EngineConfig, get_engine
from .engines.ratelimit import RateLimiter
from .engines.stack import open_engine

if TYPE_CHECKING:
    from .article import Article
    from .pipeline import Progress
    from .result import BulletinResult
    from .script import Script
    from .settings import Settings


@dataclasses.dataclass(frozen=True)
class Stack:
    """One render's engine stack: the engine to speak with, why that one, and its pins."""

    engine: Engine
    reason: str
    pins: Pins | None


class Runtime:
    """One per process: engines kept, clip cache with pins. Thread-safe."""

    def __init__(self, *, cache_dir: Path | None = None, use_cache: bool = True) -> None:
        self.cache = ClipCache(cache_dir) if use_cache else None
        self._engines: dict[tuple[Any, ...], Engine] = {}
        self._lock = threading.Lock()
        self.loads: dict[str, int] = {}
        """Engine name -> how many times this runtime built one (a benchmark reads it)."""
        self.closed = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        return cls(cache_dir=settings.cache_dir, use_cache=settings.use_cache)

    # --- engines ---------------------------------------------------------------------------------

    def engine(self, name: str, config: EngineConfig) -> Engine:
        """The process's bare engine of that name and configuration (built on first use)."""
        key = (name, *_config_key(config))
        with self._lock:
            found = self._engines.get(key)
            if found is None:
                found = self._engines[key] = get_engine(name, config)
                self.loads[name] = self.loads.get(name, 0) + 1
            return found

    @contextlib.contextmanager
    def stack(
        self, settings: Settings, limiter: RateLimiter | None = None, *, engine_name: str | None = None
    ) -> Iterator[Stack]:
        """The engine stack of one render (``engine_name`` overrides ``settings.engine``, as a batch
        does once it has chosen for every job). Pins are released when the block ends."""
        pins = self.cache.pins() if self.cache is not None else None
        try:
            engine, reason = open_engine(
                engine_name or settings.engine,
                settings.engine_config(limiter),
                cache=self.cache,
                fallback=settings.fallback,
                pins=pins,
                make=self.engine,
            )
            yield Stack(engine, reason, pins)
        finally:
            if pins is not None:
                pins.close()

    # --- whole renders -----------------------------------------------------------------------------

    def make(
        self,
        article: str | Path | Article,
        out: str | Path | None,
        settings: Settings,
        *,
        progress: Progress | None = None,
        engine_name: str | None = None,
        limiter: RateLimiter | None = None,
    ) -> BulletinResult:
        """``bulletin make``: read, script, speak, write (see :func:`bulletin.pipeline.make_bulletin`);
        then ``cache_max_size`` is applied, once the render's pins are released."""
        from .pipeline import make_bulletin

        with self.stack(settings, limiter, engine_name=engine_name) as stack:
            result = make_bulletin(article, out, settings, engine=stack.engine, reason=stack.reason, progress=progress)
        self.prune(settings)
        return result

    def render(
        self,
        script: Script,
        target: Path,
        settings: Settings,
        *,
        progress: Progress | None = None,
        engine_name: str | None = None,
        limiter: RateLimiter | None = None,
    ) -> BulletinResult:
        """Speak a script to ``target`` (see :func:`bulletin.pipeline.render_script`), then apply
        ``cache_max_size``."""
        from .pipeline import render_script

        with self.stack(settings, limiter, engine_name=engine_name) as stack:
            result = render_script(script, target, settings, stack.engine, stack.reason, progress)
        self.prune(settings)
        return result

    def prune(self, settings: Settings) -> int:
        """Apply ``cache_max_size`` (least recently used first; clips a live render pinned stay).
        A batch's workers never prune: its coordinator does, once, at the end."""
        if self.cache is None or not settings.cache_max_size:
            return 0
        return self.cache.prune(max_bytes=parse_size(settings.cache_max_size))

    # --- lifetime ----------------------------------------------------------------------------------

    def close(self) -> None:
        """Release the engines. Idempotent."""
        with self._lock:
            engines, self._engines = list(self._engines.values()), {}
            self.closed = True
        for engine in engines:
            closer = getattr(engine, "close", None)
            if callable(closer):
                with contextlib.suppress(Exception):
                    closer()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _config_key(config: EngineConfig) -> tuple[Any, ...]:
    """What tells two engine configurations apart. A rate limiter is shared state: two that
    share their state (the same file, or the same cluster-wide name, at the same rate) are the
    same limiter, as they are when a batch sends one to each job of a worker (unpickled anew
    each time); any other is told apart by identity."""
    out: list[Any] = []
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if f.name == "limiter":
            value = _limiter_key(value)
        else:
            try:
                hash(value)
            except TypeError:
                value = id(value)
        out.append(value)
    return tuple(out)


def _limiter_key(limiter: Any) -> Any:
    if limiter is None:
        return None
    shared = getattr(limiter, "path", None) or getattr(limiter, "name", None)
    if shared is not None:
        return (type(limiter).__name__, str(shared), getattr(limiter, "interval", None))
    return id(limiter)


_process: tuple[int, Runtime] | None = None  # (pid, runtime): a forked child builds its own
_process_lock = threading.Lock()


def process_runtime(settings: Settings | None = None) -> Runtime:
    """The runtime of a worker process (a batch or cluster worker): built on its first job, kept
    for every later one, closed when the process exits. A CLI command or the studio makes its
    own :class:`Runtime` instead and closes it itself."""
    global _process
    with _process_lock:
        if _process is None or _process[0] != os.getpid():
            runtime = Runtime.from_settings(settings) if settings is not None else Runtime()
            atexit.register(runtime.close)
            _process = (os.getpid(), runtime)
        return _process[1]
