"""Renders in the background, one at a time (two cores are shared with everything else), each
with a state the page polls: running, done (with its files) or failed (with one line)."""

from __future__ import annotations

import secrets
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import BulletinError

Progress = Callable[[int, int], None]
Work = Callable[[Progress], dict[str, Path]]
"""A render: called with a progress callback, returns output name → path."""

SPEAKING_SHARE = 0.9
"""Share of the progress bar for speech; mixing and encoding take the rest."""


@dataclass
class Job:
    id: str
    state: str = "running"
    progress: float = 0.0
    message: str = "Waiting for the previous render"
    files: dict[str, Path] = field(default_factory=dict)
    error: str | None = None


class Jobs:
    """The studio's renders, by id."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulletin-render")

    def submit(self, work: Work) -> str:
        job = Job(secrets.token_hex(8))
        with self._lock:
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, work)
        return job.id

    def _update(self, job: Job, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(job, key, value)

    def _run(self, job: Job, work: Work) -> None:
        self._update(job, state="running", message="Speaking")

        def progress(done: int, total: int) -> None:
            share = SPEAKING_SHARE * done / total if total else 0.0
            if done >= total:
                self._update(job, progress=SPEAKING_SHARE, message="Mixing and encoding")
            else:
                self._update(job, progress=share, message=f"Speaking: {done}/{total} clips")

        try:
            files = work(progress)
        except BulletinError as exc:
            self._update(job, state="failed", error=str(exc), message="Failed")
        except Exception as exc:  # a bug: one line on the page, the details on the server's console
            print(f"bulletin studio: render {job.id} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            self._update(job, state="failed", error=f"internal error: {type(exc).__name__}: {exc}", message="Failed")
        else:
            self._update(job, state="done", progress=1.0, files=files, message="Done")

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return None if job is None else replace(job, files=dict(job.files))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
