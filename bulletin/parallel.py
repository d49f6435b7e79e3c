"""A small, interruptible worker pool that keeps results attached to their inputs.

Daemon threads rather than ``ThreadPoolExecutor``: on Ctrl-C the main thread stops waiting at
once, and threads still blocked in a network call cannot keep the process alive.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def run_parallel(
    items: Sequence[T],
    work: Callable[[T], R],
    done: Callable[[T, R], None],
    workers: int = 1,
) -> None:
    """Call ``work`` on every item (up to ``workers`` at once) and ``done`` in the calling thread
    as each finishes. The first exception stops the remaining work and is raised here."""
    if workers <= 1 or len(items) <= 1:
        for item in items:
            done(item, work(item))
        return
    todo: queue.Queue[T] = queue.Queue()
    for item in items:
        todo.put(item)
    results: queue.Queue[tuple[T, R | None, BaseException | None]] = queue.Queue()
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            try:
                item = todo.get_nowait()
            except queue.Empty:
                return
            try:
                results.put((item, work(item), None))
            except BaseException as exc:  # handed to the caller's thread
                results.put((item, None, exc))

    for _ in range(min(workers, len(items))):
        threading.Thread(target=worker, daemon=True).start()
    try:
        for _ in range(len(items)):
            item, value, error = results.get()
            if error is not None:
                raise error
            done(item, value)  # type: ignore[arg-type]
    finally:
        stop.set()
