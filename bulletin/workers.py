"""Worker processes for a batch that stop when told and never outlive their coordinator.

* The coordinator hands out one job per idle worker, never a queue of them, so after an
  interrupt no worker starts new work.
* Workers ignore SIGINT (a terminal's Ctrl-C reaches the whole process group): the coordinator
  decides, and stops them with SIGTERM. A worker in the middle of a job unwinds it (temporary
  files removed, ffmpeg children killed) and exits; an idle one exits at once.
* Each worker watches its coordinator; when the coordinator dies (even by ``kill -9``), the
  worker stops its job the same way and exits instead of writing on into the folder.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from .atomic import signals_held
from .errors import BulletinError

J = TypeVar("J")
Finished = Callable[[Any, "dict[str, Any] | None", "str | None", "str | None"], None]
"""``finished(job, entry, error, worker)``: a job's record, or why it failed."""

MAX_DEATHS = 3  # a job whose worker dies this often (always out of memory, say) is reported failed
STOP_GRACE_S = 2.0  # how long a stopped worker may take to unwind its job before it is killed
_WATCH_S = 0.3

_busy = False


def _on_term(_signum: int, _frame: object) -> None:
    if _busy:
        raise KeyboardInterrupt  # unwind the job: temporary files go, ffmpeg children are killed
    # Idle, or just past a job whose result is on its way to the coordinator: leave it a moment.
    threading.Thread(target=_exit_soon, daemon=True).start()


def _exit_soon() -> None:
    time.sleep(0.2)
    os._exit(0)


def _watch(coordinator: int, parent: int) -> None:
    while True:
        time.sleep(_WATCH_S)
        try:
            os.kill(coordinator, 0)
            alive = os.getppid() == parent
        except ProcessLookupError:
            alive = False
        except PermissionError:  # the pid was reused by another user's process
            alive = False
        if not alive:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(STOP_GRACE_S)
            os._exit(1)


def _init(coordinator: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_term)
    threading.Thread(target=_watch, args=(coordinator, os.getppid()), daemon=True).start()


def _call(fn: Callable[..., dict[str, Any]], job: Any, args: tuple[Any, ...]) -> tuple[str, Any]:
    """Run one job in a worker; the outcome travels back as data, never as a traceback."""
    global _busy
    _busy = True
    try:
        return "ok", fn(job, *args)
    except BulletinError as exc:
        return "failed", str(exc)
    except KeyboardInterrupt:
        os._exit(0)  # stopped by the coordinator (or orphaned): the job has unwound, nothing to report
    except Exception as exc:  # a bug in one job is that job's failure, not the batch's
        return "failed", f"internal error: {type(exc).__name__}: {exc}"
    finally:
        _busy = False


def run_in_processes(
    jobs: Sequence[J],
    workers: int,
    fn: Callable[..., dict[str, Any]],
    args: tuple[Any, ...],
    finished: Finished,
) -> list[J] | None:
    """Run ``fn(job, *args)`` for every job in up to ``workers`` processes, calling ``finished``
    here as each ends. Returns None when all ran, or, after an interrupt, the jobs that did not
    finish (their workers are stopped before this returns).

    A worker that dies (killed, out of memory) breaks the whole pool and every job it held; those
    jobs go back in the queue and a fresh pool takes over. A job whose worker has died
    MAX_DEATHS times is reported failed."""
    # forkserver: workers start from a clean, single-threaded process (the coordinator may run a
    # progress-bar thread, and forking a threaded process can deadlock the child).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["bulletin.batch", "bulletin.pipeline"])

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init,
                                   initargs=(os.getpid(),))  # fmt: skip

    pool = new_pool()
    broken = False
    pending: deque[int] = deque(range(len(jobs)))
    running: dict[Future[tuple[str, Any]], int] = {}
    accounted: set[int] = set()
    deaths: dict[int, int] = {}

    def collect(done: set[Future[tuple[str, Any]]]) -> None:
        nonlocal broken
        for fut in done:
            try:
                status, value = fut.result()
            except BrokenProcessPool:
                broken = True
                status, value = "died", None
            # Recording a finished job (the state file, the summary) is never cut in half by an
            # interrupt: the signal is held back until the job is accounted for.
            with signals_held():
                index = running.pop(fut)
                if status == "died":
                    deaths[index] = deaths.get(index, 0) + 1
                    if deaths[index] < MAX_DEATHS:
                        pending.appendleft(index)
                        continue
                    status, value = "failed", f"its worker process died {MAX_DEATHS} times"
                if index not in accounted:
                    accounted.add(index)
                    if status == "ok":
                        finished(jobs[index], value, None, None)
                    else:
                        finished(jobs[index], None, value, None)

    try:
        while pending or running:
            if broken and not running:  # every job of the broken pool is back in the queue
                pool.shutdown(wait=False, cancel_futures=True)
                pool, broken = new_pool(), False
            while pending and len(running) < workers and not broken:
                with signals_held():  # a job is always either pending or running, never lost between
                    index = pending.popleft()
                    try:
                        running[pool.submit(_call, fn, jobs[index], args)] = index
                    except BrokenProcessPool:  # a worker died since the last look
                        pending.appendleft(index)
                        broken = True
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            collect(done)
    except KeyboardInterrupt:
        _stop(pool)
        # Results already sent by a worker are read by the pool's own thread: let them land.
        wait(running, timeout=1.0)
        collect({f for f in running if f.done() and not f.cancelled() and f.exception() is None})
        # What is left is derived, not tracked: whatever was not accounted for, wherever the
        # interrupt fell.
        return [job for i, job in enumerate(jobs) if i not in accounted]
    pool.shutdown(wait=True)
    return None


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop every worker within STOP_GRACE_S: SIGTERM, then SIGKILL for any that lingers."""
    children = multiprocessing.active_children()
    for p in children:
        p.terminate()
    deadline = time.monotonic() + STOP_GRACE_S
    for p in children:
        p.join(max(0.0, deadline - time.monotonic()))
    for p in children:
        if p.is_alive():
            p.kill()
            p.join(1.0)
    pool.shutdown(wait=False, cancel_futures=True)
