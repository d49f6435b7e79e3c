"""Many articles → bulletins: per article, or one daily edition per date. Unattended and safe to
re-run: a state file records what each output was made from, so a second run on the same
inputs synthesises nothing and rewrites nothing, and a new article costs only its own clips.

The coordinator (this process) alone owns the state file, the feed and the summary; jobs run
in worker processes (:mod:`.workers`), or on a Dask cluster (:mod:`.cluster`). It hands out at
most one job per idle worker, so an interrupt (Ctrl-C, SIGTERM from cron's ``timeout``) lets
no new job start: running jobs are stopped, finished ones are kept and recorded, and the
summary says exactly what was written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import __version__
from .article import Article, slugify
from .atomic import check_writable_dir
from .errors import ConfigError, OutputError
from .settings import Settings
from .sources import Story, collect

if sys.platform != "win32":
    import fcntl

JOBS_DIR = ".bulletin-jobs"
"""Folder (in the output folder) of the per-output lock files."""
# Every temporary a job writes beside its outputs is ".<stem>.<output suffix>.<random>…":
# atomic writes (…part), the scratch PCM (…pcm, …bed.pcm) and folder builds (mkdtemp).
_SUFFIXES = r"(?:mp3|vtt|srt|chapters\.json|json|daisy|parts)"
STATE_NAME = ".bulletin-state.json"
LOCK_NAME = ".bulletin.lock"
RATE_NAME = ".bulletin-rate"
DEFAULT_SHOW = "Le journal"
"""The name a daily edition announces (and is filed under) when the show has none."""
_SAFE_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,120}\.mp3")


@dataclass(frozen=True)
class Job:
    name: str
    """Output file name, ``YYYY-MM-DD-<slug>.mp3``."""
    key: str
    """What the output stands for: a story's key, or ``edition:<date>``."""
    stories: tuple[Story, ...]
    fingerprint: str
    date: str


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
        if self.workers:
            out.append("workers    " + ", ".join(f"{w}: {n}" for w, n in sorted(self.workers.items())))
        counts = f"{len(self.made)} made, {len(self.unchanged)} unchanged, {len(self.failed)} failed"
        if self.interrupted:
            out.append(f"interrupted: {counts}, {len(self.not_started)} not made; what is listed as made is complete "
                       "and recorded, the next run makes the rest")  # fmt: skip
        else:
            out.append(counts)
        return out


# --- the state file ------------------------------------------------------------------------


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """One writer of the state file at a time (two cron runs may overlap)."""
    if sys.platform == "win32":  # pragma: no cover - no cross-process lock; writes stay atomic
        yield
        return
    with open(folder / LOCK_NAME, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield  # the lock goes with the file


def load_state(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / STATE_NAME).read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("outputs"), dict):
            return data
    except (OSError, ValueError):
        pass
    return {"version": 1, "outputs": {}}


def _save_state(folder: Path, state: dict[str, Any]) -> None:
    from .outputs.writing import write_text

    write_text(folder / STATE_NAME, json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True))


def record(folder: Path, name: str, entry: dict[str, Any], show: dict[str, Any] | None = None) -> None:
    """Add one made output (and the show settings the feed reuses) to the state file."""
    with locked(folder):
        state = load_state(folder)
        state["outputs"][name] = entry
        if show is not None:
            state["show"] = show
        _save_state(folder, state)


def _show_record(settings: Settings) -> dict[str, Any]:
    """What ``bulletin feed`` reuses from the batch that made the folder."""
    return {
        "show": settings.show,
        "author": settings.author,
        "base_url": settings.base_url,
        "cover": str(settings.cover) if settings.cover else None,
        "locale": settings.locale,
    }


def _file_facts(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"sha256": _sha256(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- planning ------------------------------------------------------------------------------


def _settings_fingerprint(settings: Settings) -> str:
    data = settings.output_fingerprint()
    for key in ("lexicon", "cover", "intro", "outro", "music"):
        path = data.get(key)
        if path:
            try:
                data[key] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            except OSError:
                data[key] = str(path)
    data["bulletin"] = __version__
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def plan(stories: list[Story], settings: Settings, state: dict[str, Any], today: str) -> list[Job]:
    """The outputs to make, with names that stay the same from one run to the next."""
    settings_fp = _settings_fingerprint(settings)
    # Names come back from the state file: only plain file names are trusted (no path, no dot-dot).
    known: dict[str, str] = {
        str(entry.get("key")): name for name, entry in state["outputs"].items() if _SAFE_NAME.fullmatch(name)
    }
    taken = set(state["outputs"])
    jobs: list[Job] = []

    def name_for(key: str, date: str, title: str) -> str:
        if key in known:
            return known[key]
        base = f"{date}-{slugify(title, 60)}"
        name, n = f"{base}.mp3", 2
        while name in taken:
            name, n = f"{base}-{n}.mp3", n + 1
        taken.add(name)
        return name

    def fp(parts: list[str]) -> str:
        return hashlib.sha256("\0".join([settings_fp, *parts]).encode()).hexdigest()

    if settings.edition == "per-article":
        for s in stories:
            date = s.article.date or today
            jobs.append(Job(name_for(s.key, date, s.article.display_title), s.key, (s,), fp([s.fingerprint]), date))
        return jobs
    by_date: dict[str, list[Story]] = {}
    for s in stories:
        by_date.setdefault(_day(s.article.date) or today, []).append(s)
    for date, group in sorted(by_date.items()):
        key = f"edition:{date}"
        jobs.append(Job(name_for(key, date, settings.show or DEFAULT_SHOW), key, tuple(group),
                        fp([g.fingerprint for g in group]), date))  # fmt: skip
    return jobs


def _day(date: str | None) -> str | None:
    """A full day (editions are per day); a month or a year alone is not one."""
    return date if date and len(date) == 10 else None


def unchanged(job: Job, folder: Path, state: dict[str, Any]) -> bool:
    """Whether the recorded output still stands: same inputs and settings, and every file as it
    was written. Size and modification time are compared first; a file is hashed only when they
    differ, so a re-run does not read every bulletin it ever made."""
    entry = state["outputs"].get(job.name)
    if not entry or entry.get("fingerprint") != job.fingerprint:
        return False
    for rel, facts in entry.get("files", {}).items():
        path = folder / rel
        try:
            st = path.stat()
        except OSError:
            return False
        if not isinstance(facts, dict):  # written by an older release: a bare checksum
            facts = {"sha256": facts}
        if facts.get("size") == st.st_size and facts.get("mtime_ns") == st.st_mtime_ns:
            continue
        if path.is_file() and _sha256(path) != facts.get("sha256"):
            return False
    return True


# --- one job (runs in a worker) -------------------------------------------------------------


def run_job(job: Job, folder: str, settings: Settings, engine_name: str, limiter: Any = None) -> dict[str, Any]:
    """Make one output (in a worker process, or on a cluster worker). Returns what the state file
    records about it. One attempt at an output at a time; an attempt first removes what a killed
    earlier one left (its temporaries, never a finished file)."""
    with _output_lock(Path(folder), job.name):
        removed = _remove_leftovers(Path(folder), job.name)
        if removed:
            logging.getLogger(__name__).warning("%s: removed what a killed attempt left: %s", job.name, removed)
        return _make(job, folder, settings, engine_name, limiter)


def _make(job: Job, folder: str, settings: Settings, engine_name: str, limiter: Any) -> dict[str, Any]:
    from .normalize import load_lexicon
    from .pipeline import engine_for, make_bulletin, render_script
    from .presets import get_preset
    from .script import TRANSITIONS, build_edition

    target = Path(folder) / job.name
    engine, _ = engine_for(replace(settings, engine=engine_name), limiter)
    if settings.edition == "per-article":
        result = make_bulletin(job.stories[0].article, target, settings, engine=engine)
    else:
        articles: list[Article] = [s.article for s in job.stories]
        script = build_edition(
            articles, engine.voices(settings.locale), show=settings.show or DEFAULT_SHOW, date=job.date,
            locale=settings.locale, lexicon=load_lexicon(settings.lexicon), speaker_voices=settings.speaker_voices,
            announce_quotes=settings.announce_quotes or get_preset(settings.preset).announce_quotes,
            transitions=settings.transitions or TRANSITIONS,
        )  # fmt: skip
        result = render_script(script, target, settings, engine)
    files = {p.name: _file_facts(p) for p in result.files.values() if p.is_file()}
    return {
        "key": job.key,
        "fingerprint": job.fingerprint,
        "title": result.script.title,
        "summary": _first_sentences(job.stories),
        "date": job.date,
        "duration_ms": result.duration_ms,
        "bytes": target.stat().st_size,
        "guid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"bulletin:{job.key}")),
        "files": files,
        "engine": result.engine,
        "made": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def _first_sentences(stories: tuple[Story, ...], limit: int = 300) -> str:
    """A feed item's description: each story's opening sentences, up to ``limit`` characters."""
    parts = []
    for s in stories:
        text = next((b.text for b in s.article.blocks if b.kind == "paragraph"), "")
        sentences = re.split(r"(?<=[.!?…])\s+", text)
        lead = ""
        for sentence in sentences:
            if lead and len(lead) + len(sentence) > limit:
                break
            lead = f"{lead} {sentence}".strip()
        parts.append((f"{s.article.title} : " if len(stories) > 1 and s.article.title else "") + lead[: limit + 50])
    return "\n".join(p for p in parts if p)


@contextlib.contextmanager
def _output_lock(folder: Path, name: str) -> Iterator[None]:
    """Only one attempt at an output at a time; a dead worker's lock goes with its process."""
    if sys.platform == "win32":  # pragma: no cover - workers run on POSIX systems
        yield
        return
    locks = folder / JOBS_DIR
    try:
        locks.mkdir(exist_ok=True)
        fh = open(locks / f"{name}.lock", "a+")  # noqa: SIM115 - held for the whole job
    except OSError as exc:
        raise OutputError(f"cannot write in {locks}: {exc.strerror or exc}") from exc
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _remove_leftovers(folder: Path, name: str) -> list[str]:
    """Remove what an earlier attempt at ``name`` left when its worker was killed (its
    temporaries, never a finished output). Call it holding :func:`_output_lock`."""
    stem = name[:-4] if name.endswith(".mp3") else name
    pattern = re.compile(rf"\.{re.escape(stem)}\.{_SUFFIXES}\..+")
    removed = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if not pattern.fullmatch(entry.name):
                continue
            with contextlib.suppress(FileNotFoundError):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            removed.append(entry.name)
    return removed


# --- the coordinator ------------------------------------------------------------------------


Progress = Callable[[int, int], None]


def prepare(out_dir: Path, settings: Settings) -> None:
    """The output folder exists (it is created when missing) and can be written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {out_dir}: {exc.strerror or exc}") from exc
    check_writable_dir(out_dir)
    settings.check()


def run_batch(
    inputs: list[str],
    out_dir: Path,
    settings: Settings,
    *,
    progress: Progress | None = None,
    today: str | None = None,
) -> Summary:
    """Collect, plan, make what changed (in worker processes, or on a cluster), and record it."""
    if settings.cluster:
        from .cluster import Cluster

        # Connected before anything is written: an unreachable scheduler leaves no trace.
        with Cluster(settings.cluster) as cluster:
            return _run_batch(inputs, out_dir, settings, progress, today, cluster)
    return _run_batch(inputs, out_dir, settings, progress, today, None)


def _run_batch(
    inputs: list[str], out_dir: Path, settings: Settings, progress: Progress | None, today: str | None, cluster: Any
) -> Summary:
    from .engines.stack import choose

    prepare(out_dir, settings)
    today = today or dt.date.today().isoformat()
    stories, failures = collect(inputs)
    summary = Summary(failed=[(f.key, f.reason) for f in failures], out_dir=out_dir)
    summary.warnings = [f"{s.key}: {w}" for s in stories for w in s.article.warnings]
    with locked(out_dir):
        state = load_state(out_dir)
    jobs = plan(stories, settings, state, today)
    summary.dates = {j.name: j.date for j in jobs}
    todo = [j for j in jobs if not unchanged(j, out_dir, state)]
    todo_names = {j.name for j in todo}
    summary.unchanged = [j.name for j in jobs if j.name not in todo_names]
    if progress:
        progress(0, len(todo))
    if not todo:
        return summary
    engine, summary.reason = choose(settings.engine, settings.engine_config())  # checked once, for every job
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
            record(out_dir, job.name, entry, show)
            summary.made.append(job.name)
            clips_by[entry["engine"]] = clips_by.get(entry["engine"], 0) + 1
            if worker:
                summary.workers[worker] = summary.workers.get(worker, 0) + 1
        if progress:
            progress(ended, len(todo))

    if cluster is not None:
        leftover = cluster.run(todo, out_dir, settings, engine.name, finished)
    else:
        from .engines.ratelimit import FileRateLimiter
        from .workers import run_in_processes

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
    return summary


def _written_since(path: Path, started: float) -> bool:
    try:
        return path.stat().st_mtime >= started
    except OSError:
        return False


def _engines_line(name: str, by_summary: dict[str, int]) -> str:
    """One engine line for a whole batch: ``espeak``, or how many bulletins needed a fallback."""
    mixed = sum(n for s, n in by_summary.items() if s != name)
    return name if not mixed else f"{name}, {mixed} bulletin{'s' if mixed > 1 else ''} finished by the fallback"


# --- the feed -------------------------------------------------------------------------------


def feed_items(folder: Path) -> list[dict[str, Any]]:
    """What the state file says was made and is still there, newest first."""
    state = load_state(folder)
    items = [
        {"name": name, **entry}
        for name, entry in state["outputs"].items()
        if _SAFE_NAME.fullmatch(name) and (folder / name).exists()
    ]
    return sorted(items, key=lambda e: (e.get("date") or "", e["name"]), reverse=True)


def publish_feed(folder: Path, target: Path, settings: Settings) -> bool:
    """Write the podcast feed of a batch folder; returns False when it was already up to date
    (only items change it: re-running a batch does not touch it). The show, author, cover and
    base URL the batch recorded fill in what ``settings`` leaves unset."""
    import shutil

    from .outputs.feed import build_feed
    from .outputs.writing import write_text

    if not folder.is_dir():
        raise OutputError(f"no such folder: {folder}")
    state = load_state(folder)
    if not (folder / STATE_NAME).is_file():
        raise OutputError(f"{folder} holds no bulletins made by 'bulletin batch' (no {STATE_NAME}); "
                          "make them with: bulletin batch ARTICLES... -o " + str(folder))  # fmt: skip
    recorded = state.get("show") or {}
    base_url = settings.base_url or recorded.get("base_url")
    if not base_url:
        raise ConfigError("the feed needs the address the files are served from: give --base-url "
                          "https://…/ (or base_url in bulletin.toml)")  # fmt: skip
    if not re.match(r"https?://[^/\s]+", base_url):
        raise ConfigError(f"base URL {base_url!r} is not an http(s) address")
    show = settings.show or recorded.get("show")
    author = settings.author or recorded.get("author") or show
    cover_path = settings.cover or (Path(recorded["cover"]) if recorded.get("cover") else None)
    cover_name = None
    if cover_path is not None:
        cover_name = Path(cover_path).name
        if not (folder / cover_name).exists():
            try:
                shutil.copyfile(cover_path, folder / cover_name)
            except OSError as exc:
                raise OutputError(f"cannot copy the cover {cover_path}: {exc.strerror or exc}") from exc
    data = build_feed(feed_items(folder), title=show or "Bulletin", author=author or "bulletin",
                      base_url=base_url, cover=cover_name)  # fmt: skip
    text = data.decode("utf-8")
    with contextlib.suppress(OSError):
        if target.read_text(encoding="utf-8") == text:
            return False
    write_text(target, text)
    return True

