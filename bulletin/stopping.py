"""Cooperative stops: a job is asked to stop, and stops itself at a safe point.

A batch on a cluster runs each job in a thread of a long-lived worker process, which cannot be
signalled the way a process can. Raising an exception into that thread from outside
(``PyThreadState_SetAsyncExc``) lands anywhere: between creating a temporary file and
remembering its name, inside a ``finally`` block, in a ctypes callback that swallows it. So the
job is *asked* instead: whoever runs it binds a :class:`StopFlag` to the job's thread
(:func:`bound`), the code that wants it stopped sets the flag, and the job calls :func:`check`
at points where stopping is safe (between two clips). :func:`check` raises
:class:`~bulletin.errors.Interrupted`, an ordinary exception, so every ``with`` and ``finally``
on the way out runs: temporaries are removed, ffmpeg children are waited for.

A thread with no flag bound (``make``, the studio, a process-pool worker, which is stopped by
its signal) never stops in :func:`check`: the call costs one attribute lookup.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from .errors import Interrupted

_local = threading.local()


class StopFlag:
    """A request to stop, shared by the code that asks and the jobs that check it.

    Thread-safe; setting it is final (a stopped batch is not resumed)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`Interrupted` once the flag is set."""
        if self._event.is_set():
            raise Interrupted("stopped on request")


@contextlib.contextmanager
def bound(flag: StopFlag) -> Iterator[StopFlag]:
    """While the block runs, :func:`check` in this thread consults ``flag``. Threads the job
    starts do not inherit it: check in the job's own thread (a pool's ``done`` callback runs
    there), or pass :func:`current` to them."""
    previous = getattr(_local, "flag", None)
    _local.flag = flag
    try:
        yield flag
    finally:
        _local.flag = previous


def current() -> StopFlag | None:
    """The flag bound to this thread, if any."""
    flag: StopFlag | None = getattr(_local, "flag", None)
    return flag


def check() -> None:
    """Raise :class:`Interrupted` when this thread's job was asked to stop; else do nothing."""
    flag = current()
    if flag is not None:
        flag.check()
