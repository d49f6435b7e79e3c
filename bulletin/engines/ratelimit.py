"""Request-rate limits for online engines: one limit, however many threads or processes ask.

A limiter is anything with ``wait()``: it returns when the caller may start one request.
:class:`ThreadRateLimiter` covers the threads of one process (``bulletin make``);
:class:`FileRateLimiter` covers every process that opens the same file (the workers of
``bulletin batch``), through an advisory lock on it; a cluster brings its own (see
:mod:`bulletin.cluster`).
"""

from __future__ import annotations

import struct
import sys
import threading
import time
from pathlib import Path
from typing import Protocol, runtime_checkable

if sys.platform != "win32":
    import fcntl


@runtime_checkable
class RateLimiter(Protocol):
    def wait(self) -> None:
        """Block until one more request may start."""
        ...


class ThreadRateLimiter:
    """At most ``per_second`` request starts per second, across every thread of this process."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._lock = threading.Lock()
        self._next_at = 0.0

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next_at)
            self._next_at = at + self.interval
        if at > now:
            time.sleep(at - now)


_SLOT = struct.Struct("<d")


class FileRateLimiter:
    """At most ``per_second`` request starts per second across every process using ``path``.

    The file holds the wall-clock time at which the next request may start; a process takes the
    slot under ``flock`` and moves it on by one interval, then sleeps until its own slot. The
    limiter is picklable (it holds a path, not a descriptor), so it travels to worker processes.
    """

    def __init__(self, path: Path, per_second: float) -> None:
        self.path = Path(path)
        self.interval = 1.0 / per_second if per_second > 0 else 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        at = now = time.time()
        if sys.platform == "win32":  # pragma: no cover - no flock: each process keeps its own pace
            return
        with open(self.path, "a+b") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # released when the file closes
            fh.seek(0)
            raw = fh.read(_SLOT.size)
            if len(raw) == _SLOT.size:
                (next_at,) = _SLOT.unpack(raw)
                # A slot far in the future is a clock change or a damaged file, not a queue.
                if next_at - now < 3600:
                    at = max(now, next_at)
            fh.seek(0)
            fh.truncate()
            fh.write(_SLOT.pack(at + self.interval))
            fh.flush()
        if at > now:
            time.sleep(at - now)
