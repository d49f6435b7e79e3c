"""The coordinator: collect, plan, make what changed in worker processes (or on a cluster
runner the caller passes in), record each output as it ends, prune the clip cache once at the
end. It alone writes the state; an interrupt lets no new job start."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..atomic import check_writable_dir
from ..errors import ConfigError, OutputError
from ..readers.http import Fetcher, HttpCache
from ..settings import Settings
from ..sources import Story, collect
from .job import remove_stale_locks, run_job
from .plan import Job, plan, unchanged
from .state import StateStore

RATE_NAME = ".bulletin-rate"


@dataclass
class Summary:
    """What a batch did, for the user and the exit code."""

    made: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    not_started: list[str] = field(default_factory=list)
    """Jobs an interrupt kept from running or stopped half-way."""
    unrecorded: list[str] = field(default_factory=list)
    """Of those, the ones stopped so late that their MP3 was already in place (the next run
    makes them again)."""
    interrupted: bool = False
    engine: str = ""
    reason: str = ""
    warnings: list[str] = field(default_factory=list)
    workers: dict[str, int] = field(default_factory=dict)
    """Who made what: worker name → bulletins made (filled by a cluster run)."""
    dates: dict[str, str] = field(default_factory=dict)
    """Output name → date, to list outputs in date order."""
    out_dir: Path = Path(".")
    fetched: tuple[int, int] = (0, 0)
    """Downloads of feeds and pages: (bodies downloaded, answered 304 Not Modified)."""

    @property
    def ok(self) -> bool:
        return not self.failed and not self.interrupted

    def lines(self) -> list[str]:
        """The summary as printed: outputs in date order, then the counts."""

        def by_date(name: str) -> tuple[str, str]:
            return (self.dates.get(name, ""), name)

        out = [f"made       {self.out_dir / n}" for n in sorted(self.made, key=by_date)]
        out += [f"interrupted {self.out_dir / n}: written but not recorded; the next run makes it again"
                for n in sorted(self.unrecorded, key=by_date)]  # fmt: skip
        out += [f"failed     {key}: {reason}" for key, reason in sorted(self.failed, key=lambda f: by_date(f[0]))]
        if any(self.fetched):
            out.append(f"downloads  {self.fetched[0]} downloaded, {self.fetched[1]} not modified since the last run")
        if self.workers:
            out.append("workers    " + ", ".join(f"{w}: {n}" for w, n in sorted(self.workers.items())))
        counts = f"{len(self.made)} made, {len(self.unchanged)} unchanged, {len(self.failed)} failed"
        if self.interrupted:
            out.append(f"interrupted: {counts}, {len(self.not_started)} not made; what is listed as made is complete "
                       "and recorded, the next run makes the rest")  # fmt: skip
        else:
            out.append(counts)
        return out


def _show_record(settings: Settings) -> dict[str, Any]:
    """What ``bulletin feed`` reuses from the batch that made the folder."""
    return {
        "show": settings.show,
        "author": settings.author,
        "base_url": settings.base_url,
        "cover": str(settings.cover) if settings.cover else None,
        "locale": settings.locale,
    }


# --- the coordinator ------------------------------------------------------------------------


Progress = Callable[[int, int], None]


class Runner(Protocol):
    """Runs a batch's jobs elsewhere (:class:`bulletin.cluster.Cluster`): ``finished`` is called
    here as each job ends; returns None when all ran, else the jobs an interrupt left."""

    def run(
        self, todo: Sequence[Job], out_dir: Path, settings: Settings, engine_name: str, finished: Any
    ) -> list[Job] | None: ...


def prepare(out_dir: Path, settings: Settings) -> None:
    """The output folder exists (it is created when missing) and can be written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {out_dir}: {exc.strerror or exc}") from exc
    check_writable_dir(out_dir)
    settings.check()


def fetcher_for(settings: Settings) -> Fetcher:
    """The polite downloader of a batch: its HTTP cache lives beside the clip cache
    (``<cache dir>/http``); ``--no-cache`` downloads everything again."""
    from ..cache import default_cache_dir

    cache = None
    if settings.use_cache:
        cache = HttpCache(Path(settings.cache_dir or default_cache_dir()).expanduser() / "http")
    return Fetcher(cache, delay=settings.fetch_delay, timeout=settings.fetch_timeout)


def run_batch(
    inputs: list[str],
    out_dir: Path,
    settings: Settings,
    *,
    progress: Progress | None = None,
    today: str | None = None,
    runner: Runner | None = None,
) -> Summary:
    """Collect, plan, make what changed, and record it. Jobs run in worker processes, or on
    ``runner`` (a connected cluster: the caller chooses it, so that this package never imports
    the cluster's)."""
    if settings.cluster and runner is None:
        raise ConfigError("a cluster batch needs its runner: connect bulletin.cluster.Cluster(address) and "
                          "pass it as run_batch(..., runner=cluster)")  # fmt: skip
    prepare(out_dir, settings)
    today = today or dt.date.today().isoformat()
    # The state is opened (and a JSON state migrated) before anything is downloaded: a damaged
    # state stops the batch with nothing done.
    with StateStore(out_dir) as store:
        outputs = store.outputs()
        remove_stale_locks(out_dir)
        fetcher = fetcher_for(settings)
        stories, failures = collect(inputs, fetcher=fetcher)
        summary = Summary(failed=[(f.key, f.reason) for f in failures], out_dir=out_dir)
        summary.fetched = (fetcher.stats.downloaded, fetcher.stats.not_modified)
        if fetcher.cache is not None:
            fetcher.cache.prune()
        summary.warnings = [f"{s.key}: {w}" for s in stories for w in s.article.warnings]
        jobs = plan(stories, settings, outputs, today)
        try:
            _run(jobs, stories, out_dir, settings, store, outputs, summary, progress, runner)
        finally:
            remove_stale_locks(out_dir)
            if summary.made:
                _prune_cache(settings)
        _record_items(store, stories, failures, jobs, summary)
    return summary


def _run(jobs: list[Job], stories: list[Story], out_dir: Path, settings: Settings, store: StateStore,
         outputs: dict[str, dict[str, Any]], summary: Summary, progress: Progress | None,
         runner: Runner | None) -> None:  # fmt: skip
    from ..engines.stack import choose

    summary.dates = {j.name: j.date for j in jobs}
    todo = [j for j in jobs if not unchanged(j, out_dir, outputs)]
    todo_names = {j.name for j in todo}
    summary.unchanged = [j.name for j in jobs if j.name not in todo_names]
    if progress:
        progress(0, len(todo))
    if not todo:
        return
    engine, summary.reason = choose(settings.engine, settings.engine_config())  # checked once, for every job
    store.backup()  # the state as it was before this batch wrote to it
    started = time.time()
    show = _show_record(settings)
    clips_by: dict[str, int] = {}
    ended = 0

    def finished(job: Job, entry: dict[str, Any] | None, error: str | None, worker: str | None) -> None:
        nonlocal ended
        ended += 1
        if error is not None:
            summary.failed.append((job.name, error))
        else:
            assert entry is not None
            store.record(job.name, entry, show)
            summary.made.append(job.name)
            clips_by[entry["engine"]] = clips_by.get(entry["engine"], 0) + 1
            if worker:
                summary.workers[worker] = summary.workers.get(worker, 0) + 1
        if progress:
            progress(ended, len(todo))

    if runner is not None:
        leftover = runner.run(todo, out_dir, settings, engine.name, finished)
    else:
        from ..engines.ratelimit import FileRateLimiter
        from ..workers import run_in_processes

        limiter = FileRateLimiter(out_dir / RATE_NAME, settings.requests_per_second)
        workers = max(1, min(settings.workers or os.cpu_count() or 1, len(todo)))
        leftover = run_in_processes(todo, workers, run_job, (str(out_dir), settings, engine.name, limiter), finished)
    if leftover is not None:
        summary.interrupted = True
        summary.not_started = [j.name for j in leftover]
        # A job stopped just after its MP3 was renamed into place has a whole file on disk but
        # no record: say so, rather than let the list of what was made be short.
        summary.unrecorded = [j.name for j in leftover if _written_since(out_dir / j.name, started)]
    summary.engine = _engines_line(engine.name, clips_by)


def _record_items(store: StateStore, stories: list[Story], failures: list[Any], jobs: list[Job],
                  summary: Summary) -> None:  # fmt: skip
    """What this run saw of each story, for whoever reads the state: its output and status."""
    output_of = {s.key: j.name for j in jobs for s in j.stories}
    failed = dict(summary.failed)
    made, kept = set(summary.made), set(summary.unchanged)
    rows: list[tuple[str, str | None, str | None, str | None, str | None, str, str | None]] = []
    for s in stories:
        name = output_of.get(s.key)
        # "done" whether this run made it or found it made: a re-run that makes nothing writes nothing
        status = "done" if name in made or name in kept else "failed" if name in failed else "pending"
        rows.append((s.key, name, s.article.title, s.article.source, s.article.date, status,
                     failed.get(name) if name else None))  # fmt: skip
    rows += [(f.key, None, None, None, None, "failed", f.reason) for f in failures]
    store.record_items(rows, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))


def _prune_cache(settings: Settings) -> None:
    """The one prune of a batch, once every job has ended (``--cache-max-size``)."""
    from ..cache import ClipCache, parse_size

    if settings.use_cache and settings.cache_max_size:
        ClipCache(settings.cache_dir).prune(max_bytes=parse_size(settings.cache_max_size))


def _written_since(path: Path, started: float) -> bool:
    try:
        return path.stat().st_mtime >= started
    except OSError:
        return False


def _engines_line(name: str, by_summary: dict[str, int]) -> str:
    """One engine line for a whole batch: ``espeak``, or how many bulletins needed a fallback."""
    mixed = sum(n for s, n in by_summary.items() if s != name)
    return name if not mixed else f"{name}, {mixed} bulletin{'s' if mixed > 1 else ''} finished by the fallback"
