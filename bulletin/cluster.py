"""``bulletin batch --cluster``: a batch on a Dask cluster, one task per output.

The coordinator (the ``bulletin batch`` process) plans the batch, submits one task per output
and records each result as its future completes: it alone writes the state file, the feed and
the summary. Workers run the whole per-output job (:func:`bulletin.batch.run_job`) and write
into the output folder and the clip cache, so both must be the same folders on every worker (a
shared filesystem); :meth:`Cluster.run` checks this on every worker before any work.

What Dask gives, and what this module adds:

* A worker that dies (killed, out of memory, machine lost) has its tasks re-run on another
  worker, up to the scheduler's ``distributed.scheduler.allowed-failures`` (3) times; a task
  that kills more workers than that is reported failed. A job's own failure (a
  :class:`~bulletin.errors.BulletinError`, or a bug) comes back as data, never as an exception,
  so Dask never retries it.
* A killed attempt leaves its temporaries (``.NAME.mp3.*.part``, ``.pcm``) in the folder: the
  next attempt of the same output removes them first, holding a lock on that output (``flock``,
  which the kernel releases when a worker dies), so it never removes those of an attempt that is
  still running (two batches on one folder).
* The cluster-wide rate limit is a ``distributed.Semaphore`` whose lease is held for one
  interval (:class:`ClusterRateLimiter`).
* Stops are cooperative (:mod:`bulletin.stopping`), never an exception raised into a worker's
  thread from outside. An interrupt of the coordinator (Ctrl-C, SIGTERM) only sets a flag here:
  a KeyboardInterrupt raised inside Dask's own code (starting or closing a cluster, a call in
  flight) leaves its event loop half-way, with tracebacks at exit and a cluster never closed.
  The coordinator then sets the batch's stop flag on every worker (``Client.run``), cancels the
  queued tasks and waits for the running ones: a task about to start returns at once, a running
  job stops at its next check (between clips) and unwinds (temporaries removed, ffmpeg children
  waited for), and jobs that finished are recorded. Only then is a local cluster closed, so no
  worker is killed in the middle of a write.

Nothing here imports Dask until a cluster is asked for: the core install stays without it.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import signal
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .errors import BulletinError, ConfigError, Interrupted, OutputError
from .stopping import StopFlag, bound

if TYPE_CHECKING:
    from .batch import Job
    from .settings import Settings
    from .workers import Finished

INSTALL_HINT = 'pip install "bulletin[cluster]"'
CONNECT_TIMEOUT_S = 10.0
"""Longest wait for the scheduler to answer, and then for it to have a worker (Dask's own
``distributed.comm.timeouts.connect`` applies when it is shorter)."""
STOP_GRACE_S = 10.0
"""After an interrupt, how long running jobs have to stop (or finish) before they are abandoned."""
POLL_S = 0.1
"""How often the coordinator looks for an interrupt while it waits for the cluster."""
INPUT_FILES = ("lexicon", "intro", "outro", "music", "cover")
"""Settings naming files that workers read."""

_LOCAL = re.compile(r"local:(\d+)")
_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s/]+")
_HOST_PORT = re.compile(r"[\w.-]+:\d+")


# --- addresses and the optional dependency ------------------------------------------------


def parse_address(address: str) -> tuple[str, int | str]:
    """``local:N`` → ``("local", N)``; a scheduler address → ``("remote", "tcp://HOST:PORT")``."""
    text = address.strip()
    local = _LOCAL.fullmatch(text)
    if local:
        n = int(local[1])
        if not 1 <= n <= 256:
            raise ConfigError(f"cluster {address!r}: local:N wants 1 to 256 workers")
        return "local", n
    if _URL.fullmatch(text):
        return "remote", text
    if _HOST_PORT.fullmatch(text):  # Dask's own default protocol
        return "remote", f"tcp://{text}"
    raise ConfigError(f"cluster {address!r} is neither a Dask scheduler address (tcp://HOST:8786) nor local:N")


def _require_dask() -> None:
    """Fail in one line, naming the extra to install, when Dask distributed is missing."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        raise ConfigError(f"--cluster needs Dask distributed, which is not installed: {INSTALL_HINT}") from None


def worker_label(name: object, address: str) -> str:
    """A short name for a worker in the summary: its ``--name``, else its host:port."""
    if isinstance(name, int):  # LocalCluster numbers its workers
        return f"local-{name}"
    text = str(name or address)
    return text.split("://", 1)[-1]


@contextlib.contextmanager
def _quiet_dask(level: int = logging.ERROR) -> Iterator[None]:
    """Dask logs lost workers and reconnections as warnings on stderr; the batch summary is what
    the user reads, so only Dask's errors get through while it runs."""
    logger = logging.getLogger("distributed")
    previous = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(previous)


class _Interrupts:
    """While a cluster is open, SIGINT and SIGTERM are noted here instead of raising.

    A KeyboardInterrupt raised in the main thread lands wherever it is: inside Dask's ``sync``
    (its event loop then holds a half-finished call, and tornado fails at exit), inside
    ``LocalCluster``'s start (closed at exit with a traceback), inside the recording of a result.
    The coordinator looks at :attr:`count` between steps instead, and raises
    KeyboardInterrupt itself where that is safe. Signals can only be handled in the main
    thread; elsewhere nothing changes."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.count = 0
        self.handled = False
        """Set once a run has turned the interrupt into its result (the jobs not made)."""
        self.noted = threading.Event()
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Interrupts:
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._note)
        return self

    def __exit__(self, *_: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)  # None: set outside Python
        self._previous.clear()

    def _note(self, _signum: int, _frame: object) -> None:
        self.count += 1
        self.noted.set()

    def raise_if_any(self) -> None:
        """Where stopping is safe (between two steps of setting up): stop now if asked to."""
        if self.count:
            self.handled = True
            raise KeyboardInterrupt


# --- the cluster, seen from the coordinator -----------------------------------------------


class Cluster:
    """One batch's connection to a Dask cluster. Use it as a context manager.

    A scheduler address is connected to at once (an unreachable scheduler, or one without
    workers, is a one-line :class:`ConfigError` before the batch writes anything); ``local:N``
    starts N worker processes on first use and stops them on close.

    While it is open (in the main thread), SIGINT and SIGTERM do not raise: :meth:`run` turns
    them into a clean stop, and one that :meth:`run` did not handle is raised as
    KeyboardInterrupt when the cluster has closed. Code that blocks in its own Dask calls on
    an open cluster is not interrupted meanwhile.
    """

    def __init__(self, address: str, *, timeout: float = CONNECT_TIMEOUT_S) -> None:
        self.address = address
        self.kind, self.target = parse_address(address)
        self._timeout = timeout
        self._client: Any = None
        self._resources = contextlib.ExitStack()  # closed in reverse: client, cluster, folders
        # From here on, an interrupt waits for a safe point: importing Dask takes a while, and an
        # import cut in half by a KeyboardInterrupt can be swallowed (a weakref callback's).
        self._interrupts = self._resources.enter_context(_Interrupts())
        try:
            _require_dask()
            self._resources.enter_context(_quiet_dask())
            if self.kind == "remote":
                self._client = self._connect(str(self.target))
                self._resources.callback(self._client.close)
            self._interrupts.raise_if_any()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
        if kind is None and self._interrupts.count and not self._interrupts.handled:
            raise KeyboardInterrupt  # asked to stop after the last job: stop here, the cluster closed

    def _connect(self, url: str) -> Any:
        import dask.config
        from dask.distributed import Client
        from dask.utils import parse_timedelta

        configured = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), "s") or self._timeout
        timeout = min(float(configured), self._timeout)
        try:
            client = Client(url, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {url} within {timeout:g} s ({_reason(exc)}); "
                              "is it running? (--cluster)") from None  # fmt: skip
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (OSError, TimeoutError):
            client.close()
            raise ConfigError(f"the Dask scheduler at {url} has no workers (none joined within {timeout:g} s); "
                              "start some with: dask worker " + url) from None  # fmt: skip
        return client

    @property
    def client(self) -> Any:
        """The Dask client; for ``local:N``, the local cluster starts here."""
        if self._client is None:
            import tempfile

            import dask.config
            from dask.distributed import Client, LocalCluster

            # Dask's scratch folders (one per worker, one for the scheduler) go in a folder of
            # our own, removed on close: a worker that died would leave its own in /tmp.
            scratch = self._resources.enter_context(
                tempfile.TemporaryDirectory(prefix="bulletin-dask-", ignore_cleanup_errors=True)
            )
            self._resources.enter_context(dask.config.set({"temporary-directory": scratch}))
            # Worker processes ignore Ctrl-C and SIGTERM (see dask_setup): the coordinator stops them.
            # No dashboard; its HTTP server (which stays) on a free port, not on the usual 8787.
            local = LocalCluster(n_workers=int(self.target), threads_per_worker=1, processes=True,
                                 host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR,
                                 scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}, local_directory=scratch,
                                 preload=[__name__])  # fmt: skip
            self._resources.callback(local.close)
            self._client = Client(local, set_as_default=False)
            self._resources.callback(self._client.close)
            self._resources.callback(_silence_workers, self._client)  # first of all on close
            self._interrupts.raise_if_any()
        return self._client

    def close(self) -> None:
        """Disconnect; a local cluster's worker processes are stopped and waited for. Dask's
        loggers are silenced meanwhile: closing cancels its pending calls, which it logs as
        errors, and a batch that succeeded prints no error."""
        self._client = None
        with _quiet_dask(logging.CRITICAL + 1):
            self._resources.close()

    # --- one batch ------------------------------------------------------------------------

    def run(
        self, todo: Sequence[Job], out_dir: Path, settings: Settings, engine_name: str, finished: Finished
    ) -> list[Job] | None:
        """Run every job on the cluster, calling ``finished`` here as each ends. Returns None
        when all ran, or, after an interrupt (SIGINT, SIGTERM), the jobs that did not finish."""
        client = self.client
        # Absolute, not resolved: a worker resolves symbolic links on its own side of the mount.
        folder = out_dir.absolute()
        settings = _for_workers(settings)
        self.check_workers(folder, settings.cache_dir if settings.use_cache else None,
                           [getattr(settings, name) for name in INPUT_FILES if getattr(settings, name)])  # fmt: skip
        self._interrupts.raise_if_any()
        batch = uuid.uuid4().hex[:12]
        limiter = ClusterRateLimiter.create(client, f"bulletin-rate-{batch}", settings.requests_per_second)
        futures: dict[Any, Job] = {}
        reported: set[Any] = set()
        try:
            for job in todo:
                fut = client.submit(_task, job, str(folder), settings, engine_name, limiter, batch,
                                    key=f"bulletin-{job.name}-{batch}", pure=False, retries=0)  # fmt: skip
                futures[fut] = job
            while len(reported) < len(futures):
                if self._interrupts.count:
                    return self._stop(todo, futures, reported, batch, finished)
                for fut in [f for f in futures if f not in reported and f.done()]:
                    _report(fut, futures[fut], finished)
                    reported.add(fut)
                self._interrupts.noted.wait(POLL_S)
        finally:
            limiter.close()
        return None

    def _stop(
        self, todo: Sequence[Job], futures: dict[Any, Job], reported: set[Any], batch: str, finished: Finished
    ) -> list[Job]:
        """After an interrupt: nothing new starts, running jobs stop, finished ones are kept."""
        self._interrupts.handled = True
        client = self.client
        with contextlib.suppress(Exception):  # a lost scheduler or worker ends the stopping, not the batch
            # First: a task that starts from now on returns at once, a running job stops at its
            # next check. Then the queued tasks are cancelled.
            client.run(_request_stop, batch, on_error="ignore")
            running = {str(k) for keys in client.processing().values() for k in keys}
            left = [f for f in futures if f not in reported]
            client.cancel([f for f in left if f.key not in running and not f.done()])
            active = [f for f in left if f.key in running or f.done()]
            # A second interrupt stops the waiting, not the stopping.
            deadline = time.monotonic() + STOP_GRACE_S
            while any(not f.done() for f in active) and time.monotonic() < deadline and self._interrupts.count < 2:
                time.sleep(POLL_S)
            for fut in active:
                # Finished (made, or failed on its own), or lost with its workers: reported;
                # stopped, or still running after the grace: left for the next run.
                with contextlib.suppress(Exception):
                    if fut.status == "error" or (fut.status == "finished" and fut.result()[0] != "stopped"):
                        _report(fut, futures[fut], finished)
                        reported.add(fut)
        submitted = {futures[f].name for f in futures}
        leftover = [futures[f] for f in futures if f not in reported] + [j for j in todo if j.name not in submitted]
        with contextlib.suppress(Exception):
            client.cancel([f for f in futures if f not in reported])
        return leftover

    def check_workers(self, folder: Path, cache: Path | None, inputs: Sequence[Path] = ()) -> None:
        """Every worker sees the same output folder and clip cache as this process (a probe
        file written here is read there) and can write in both, can read the input files
        (lexicon, jingles, music bed, cover), and runs this bulletin."""
        from . import __version__

        token = secrets.token_hex(16)
        probes: list[Path] = []
        try:
            for where in (folder, cache):
                if where is None:
                    continue
                try:
                    where.mkdir(parents=True, exist_ok=True)
                    probe = where / f".bulletin-probe-{token}"
                    probe.write_text(token, encoding="utf-8")
                except OSError as exc:
                    raise OutputError(f"cannot write in {where}: {exc.strerror or exc}") from exc
                probes.append(probe)
            answers = self.client.run(_probe, [str(p) for p in probes], [str(p) for p in inputs], token,
                                      __version__, on_error="return")  # fmt: skip
        finally:
            for probe in probes:
                with contextlib.suppress(OSError):
                    probe.unlink()
        for address, answer in sorted(answers.items()):
            if isinstance(answer, BaseException):
                raise ConfigError(f"worker {worker_label(None, str(address))} cannot run bulletin "
                                  f"({type(answer).__name__}: {_reason(answer)}); install bulletin {__version__} "
                                  "on every worker")  # fmt: skip
            who, reason = answer
            if reason:
                raise OutputError(f"worker {who}: {reason}")


def _silence_workers(client: Any) -> None:
    """Before a local cluster closes: its workers log to our stderr, and closing makes them log
    errors that are not (a heartbeat that met the closing scheduler)."""
    with contextlib.suppress(Exception):
        client.run(_silence_logs, on_error="ignore")


def _silence_logs() -> None:
    logging.getLogger("distributed").setLevel(logging.CRITICAL + 1)


def _report(fut: Any, job: Job, finished: Finished) -> None:
    """Hand one finished future to the coordinator's ``finished``."""
    from dask.distributed import KilledWorker

    try:
        status, value, worker = fut.result()
    except KilledWorker as exc:
        tries = getattr(exc, "allowed_failures", 3) + 1
        finished(job, None, f"its worker died {tries} times while making it (Dask's allowed-failures); "
                            "not retried again", None)  # fmt: skip
        return
    except Exception as exc:  # the task could not run at all (a worker without bulletin, say)
        finished(job, None, f"internal error on the cluster: {type(exc).__name__}: {_reason(exc)}", None)
        return
    if status == "ok":
        finished(job, value, None, worker)
    else:
        finished(job, None, value if status == "failed" else "stopped on the cluster", worker)


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# --- on a worker ----------------------------------------------------------------------------


def dask_setup(worker: Any) -> None:
    """Preload of ``local:N`` workers: a terminal's Ctrl-C reaches the whole process group, and
    so does ``timeout``'s SIGTERM, but the coordinator decides what stops (and stops running jobs
    cleanly), so workers ignore both. They still never outlive it: Dask ends a worker process
    whose parent is gone, and closing the cluster ends them."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _for_workers(settings: Settings) -> Settings:
    """The settings as workers need them: every path absolute (a worker's working folder is not
    the coordinator's), and the clip cache named (one cache for all, not each worker's default)."""
    from dataclasses import fields

    from .cache import default_cache_dir

    paths: dict[str, Any] = {f.name: Path(v).expanduser().absolute() for f in fields(settings)
             if isinstance(v := getattr(settings, f.name), Path)}  # fmt: skip
    if settings.use_cache:
        paths["cache_dir"] = Path(settings.cache_dir or default_cache_dir()).expanduser().absolute()
    return replace(settings, **paths)


def _probe(
    dirs: list[str], files: list[str], token: str, version: str, dask_worker: Any = None
) -> tuple[str, str | None]:
    """On a worker (through ``Client.run``, which passes ``dask_worker``): its name, and None
    when it sees every probe file and can write beside it and can read every input file, else
    why not."""
    who = worker_label(dask_worker.name, dask_worker.address) if dask_worker is not None else "?"
    return who, _probe_reason(dirs, files, token, version)


def _probe_reason(dirs: list[str], files: list[str], token: str, version: str) -> str | None:
    from . import __version__
    from .atomic import check_writable_dir

    if version != __version__:
        return f"runs bulletin {__version__}, the coordinator {version}: install the same on every worker"
    for file in files:
        try:
            with open(file, "rb"):
                pass
        except OSError as exc:
            return f"cannot read {file} ({exc.strerror or exc}): input files must be on a shared filesystem too"
    for path in map(Path, dirs):
        shared = "the output folder and the clip cache must be on a filesystem every worker shares"
        try:
            seen = path.read_text(encoding="utf-8")
        except OSError as exc:
            return f"cannot read {path.parent} ({exc.strerror or exc}): {shared}"
        if seen != token:
            return f"{path.parent} is not the coordinator's folder: {shared}"
        try:
            check_writable_dir(path.parent)
        except OutputError as exc:
            return str(exc)
    return None


def _task(
    job: Job, folder: str, settings: Settings, engine_name: str, limiter: ClusterRateLimiter, batch: str
) -> tuple[str, Any, str]:
    """One output, on a worker: ``("ok", entry, worker)``, ``("failed", reason, worker)`` or
    ``("stopped", None, worker)``. Never raises, so Dask never retries a job that failed.

    The batch's stop flag is checked as the job starts and, through :func:`bulletin.stopping.check`,
    wherever the job checks it (between clips). A job that ended before it saw the flag is
    reported made: its output is whole, and the coordinator records it."""
    from dask.distributed import get_worker

    from .batch import run_job

    worker = get_worker()
    who = worker_label(worker.name, worker.address)
    try:
        with bound(_flag_for(batch)) as flag:
            flag.check()
            entry = run_job(job, folder, settings, engine_name, limiter.bind(worker))
    except Interrupted:
        return "stopped", None, who
    except BulletinError as exc:
        return "failed", str(exc), who
    except Exception as exc:  # a bug in one job is that job's failure, not the batch's
        return "failed", f"internal error: {type(exc).__name__}: {exc}", who
    return "ok", entry, who


# Each worker process keeps one stop flag per batch (tasks of several batches may share it).
_FLAGS: OrderedDict[str, StopFlag] = OrderedDict()
_FLAGS_LOCK = threading.Lock()
_KEEP_FLAGS = 64


def _flag_for(batch: str) -> StopFlag:
    with _FLAGS_LOCK:
        flag = _FLAGS.get(batch)
        if flag is None:
            flag = _FLAGS[batch] = StopFlag()
            while len(_FLAGS) > _KEEP_FLAGS:
                _FLAGS.popitem(last=False)
        else:
            _FLAGS.move_to_end(batch)
        return flag


def _request_stop(batch: str) -> None:
    """On every worker (through ``Client.run``, in the worker's event loop): stop ``batch``."""
    _flag_for(batch).set()


# --- the rate limit -------------------------------------------------------------------------


class ClusterRateLimiter:
    """At most ``per_second`` request starts per second across every worker of a cluster.

    A ``distributed.Semaphore`` with one lease, on the scheduler: a request takes the lease and
    gives it back one interval (``1 / per_second``) after it started, so two requests never
    start closer than that, whichever workers make them, and no clock is shared. One lease
    rather than ``per_second`` leases: those would let requests start in bursts (a second's
    worth at once). The cost is the round trip to the scheduler between two requests: the
    rate reached is ``1 / (interval + round trip)``, a few percent under the limit on a LAN.
    A worker that dies holding the lease loses it after Dask's lease timeout (30 s). The object
    travels to workers by name.
    """

    def __init__(self, name: str, interval: float, owner: Any = None) -> None:
        self.name = name
        self.interval = interval
        self._owner = owner
        """The coordinator's Semaphore object (None on workers), to remove it at the end."""
        self._worker: Any = None
        """The Dask worker this copy runs on (set by :meth:`bind`)."""

    @classmethod
    def create(cls, client: Any, name: str, per_second: float) -> ClusterRateLimiter:
        """Register the semaphore on the scheduler (from the coordinator)."""
        from dask.distributed import Semaphore

        semaphore = Semaphore(max_leases=1, name=name, scheduler_rpc=client.scheduler, loop=client.loop)
        semaphore.register()
        return cls(name, 1.0 / per_second, semaphore)

    def bind(self, worker: Any) -> ClusterRateLimiter:
        """Tie this copy to the worker running the task. The engine calls :meth:`wait` from its
        own threads, where Dask cannot tell which worker they belong to."""
        self._worker = worker
        return self

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name, "interval": self.interval}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["name"], state["interval"])  # type: ignore[misc]

    def wait(self) -> None:
        if self._worker is None:
            raise RuntimeError("ClusterRateLimiter.wait() outside a task: bind() it to its worker first")
        semaphore = _semaphore(self.name, self._worker)
        semaphore.acquire()
        timer = threading.Timer(self.interval, semaphore.release)
        timer.daemon = True
        timer.start()

    def close(self) -> None:
        """Remove the semaphore from the scheduler (from the coordinator, at the end), once the
        last request's lease is back: closing it with a lease out makes Dask warn."""
        if self._owner is None:
            return
        with contextlib.suppress(Exception):
            if self._owner.acquire(timeout=self.interval + 1.0):
                self._owner.release()
            self._owner.close()


# One Semaphore object per batch in each worker process, not one per task: each object starts a
# lease-refresh callback on the worker's event loop that lives as long as the object.
_SEMAPHORES: OrderedDict[str, Any] = OrderedDict()
_SEMAPHORES_LOCK = threading.Lock()
_KEEP = 8  # batches at once on one worker, at most (an older one's object is rebuilt if needed)


def _semaphore(name: str, worker: Any) -> Any:
    from dask.distributed import Semaphore

    with _SEMAPHORES_LOCK:
        semaphore = _SEMAPHORES.get(name)
        if semaphore is None:
            semaphore = Semaphore(max_leases=1, name=name, scheduler_rpc=worker.scheduler, loop=worker.loop)
            _SEMAPHORES[name] = semaphore
            while len(_SEMAPHORES) > _KEEP:
                _, old = _SEMAPHORES.popitem(last=False)
                with contextlib.suppress(Exception):
                    old.refresh_callback.stop()  # its lease is short: it never needs a refresh
        else:
            _SEMAPHORES.move_to_end(name)
        return semaphore
