"""Renders and previews in the background, one at a time (two cores are shared with everything
else), each render with a state the page polls: running, done (with its files) or failed (with
one line). Finished renders are forgotten after a while; a stop (Ctrl-C) cancels the running
render between two clips and says what was dropped."""

from __future__ import annotations

import secrets
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from ..errors import BulletinError

Progress = Callable[[int, int], None]
Work = Callable[[Progress], dict[str, Path]]
"""A render: called with a progress callback, returns output name → path."""
T = TypeVar("T")

SPEAKING_SHARE = 0.9
"""Share of the progress bar for speech; mixing and encoding take the rest."""


class Cancelled(BulletinError):
    """The studio is stopping: the render in progress ends between two clips."""


@dataclass
class Job:
    id: str
    target: Path | None = None
    """The MP3 this render writes (reserved while it runs, so no other render takes the name)."""
    state: str = "queued"
    progress: float = 0.0
    message: str = "Waiting for the previous render"
    files: dict[str, Path] = field(default_factory=dict)
    error: str | None = None
    clips: tuple[int, int] = (0, 0)
    finished: float | None = None
    """When it ended (the clock of :class:`Jobs`), for expiry."""


class Jobs:
    """The studio's renders, by id, and its one worker thread (previews queue there too)."""

    def __init__(self, ttl: float = 3600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulletin-render")

    # --- renders ---------------------------------------------------------------------------------

    def submit(self, work: Work, target: Path | None = None) -> str:
        job = Job(secrets.token_hex(8), target)
        with self._lock:
            self._expire()
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, work)
        return job.id

    def reserved(self) -> set[Path]:
        """The outputs of renders queued or running: taken, whatever is on disk."""
        with self._lock:
            return {j.target for j in self._jobs.values() if j.target is not None and j.finished is None}

    def _update(self, job: Job, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(job, key, value)

    def _run(self, job: Job, work: Work) -> None:
        if self._stop.is_set():
            return
        self._update(job, state="running", message="Speaking")

        def progress(done: int, total: int) -> None:
            # Called between clips: the one place a render can stop cleanly (no asynchronous
            # exception, its temporaries removed by the code that made them).
            if self._stop.is_set():
                raise Cancelled(f"the studio stopped at clip {done}/{total}")
            share = SPEAKING_SHARE * done / total if total else 0.0
            if done >= total:
                self._update(job, progress=SPEAKING_SHARE, message="Mixing and encoding", clips=(done, total))
            else:
                self._update(job, progress=share, message=f"Speaking: {done}/{total} clips", clips=(done, total))

        try:
            files = work(progress)
        except BulletinError as exc:
            self._update(job, state="failed", error=str(exc), message="Failed", finished=self.clock())
        except Exception as exc:  # a bug: one line on the page, the details on the server's console
            print(f"bulletin studio: render {job.id} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            self._update(job, state="failed", error=f"internal error: {type(exc).__name__}: {exc}", message="Failed",
                         finished=self.clock())  # fmt: skip
        else:
            self._update(job, state="done", progress=1.0, files=files, message="Done", finished=self.clock())

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            self._expire()
            job = self._jobs.get(job_id)
            return None if job is None else replace(job, files=dict(job.files))

    def _expire(self) -> None:
        """Forget renders finished more than ``ttl`` seconds ago (their files stay on disk)."""
        now = self.clock()
        for key in [k for k, j in self._jobs.items() if j.finished is not None and now - j.finished > self.ttl]:
            del self._jobs[key]

    # --- previews --------------------------------------------------------------------------------

    def run(self, fn: Callable[[], T]) -> Future[T]:
        """``fn`` on the render thread, after the renders already queued (a preview is speech
        too, and two cores are shared)."""
        if self._stop.is_set():
            raise Cancelled("the studio is stopping")
        return self._pool.submit(fn)

    # --- stopping --------------------------------------------------------------------------------

    def stop(self, wait: float = 1.8) -> list[str]:
        """Cancel everything: the running render ends at its next clip, queued ones are dropped.
        Returns one line per render stopped or dropped (the studio prints them)."""
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            live = [j for j in self._jobs.values() if j.finished is None]
        lines = []
        for job in live:
            name = job.target.name if job.target is not None else job.id
            done, total = job.clips
            if job.state == "running" and total and done >= total:  # past the last clip: no stop there
                lines.append(f"finishing the render of {name} (mixing and encoding) before stopping")
            elif job.state == "running":
                lines.append(f"stopped the render of {name} at clip {done}/{total}: nothing was written")
            else:
                lines.append(f"dropped the queued render of {name}")
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and any(j.state == "running" and j.finished is None for j in live):
            time.sleep(0.05)
        return lines

    def close(self) -> None:
        self.stop(wait=0)
