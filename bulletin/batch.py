"""Many articles → bulletins: per article, or one daily edition per date. Unattended and safe to
re-run: a state file records what each output was made from, so a second run on the same
inputs synthesises nothing and rewrites nothing, and a new article costs only its own clips.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from . import __version__
from .article import Article, slugify
from .atomic import check_writable_dir
from .errors import BulletinError, OutputError
from .outputs import parse_outputs
from .pipeline import Options
from .sources import Failure, Story, collect

STATE_NAME = ".bulletin-state.json"
_SAFE_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,120}\.mp3")
LOCK_NAME = ".bulletin.lock"
Mode = Literal["per-article", "daily"]


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
    made: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def _options_fingerprint(options: Options) -> str:
    data = asdict(options)
    for key in ("lexicon", "cover", "intro", "outro", "music"):
        path = data.get(key)
        if path:
            try:
                data[key] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            except OSError:
                data[key] = str(path)
    for key in ("cache_dir", "use_cache", "jobs"):
        data.pop(key, None)
    data["bulletin"] = __version__
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One writer of the state file at a time (two cron runs may overlap)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no cross-process lock, writes stay atomic
        yield
        return
    with open(folder / LOCK_NAME, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


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


def plan(stories: list[Story], mode: Mode, options: Options, state: dict[str, Any], today: str) -> list[Job]:
    """The outputs to make, with names that stay the same from one run to the next."""
    opts_fp = _options_fingerprint(options)
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
        return hashlib.sha256("\0".join([opts_fp, *parts]).encode()).hexdigest()

    if mode == "per-article":
        for s in stories:
            date = s.article.date if s.article.date and len(s.article.date) == 10 else (s.article.date or today)
            jobs.append(Job(name_for(s.key, date, s.article.display_title), s.key, (s,), fp([s.fingerprint]), date))
        return jobs
    by_date: dict[str, list[Story]] = {}
    for s in stories:
        by_date.setdefault(s.article.date or today, []).append(s)
    for date, group in sorted(by_date.items()):
        key = f"edition:{date}"
        jobs.append(Job(name_for(key, date, options.show or "edition"), key, tuple(group),
                        fp([g.fingerprint for g in group]), date))  # fmt: skip
    return jobs


def _unchanged(job: Job, folder: Path, state: dict[str, Any]) -> bool:
    entry = state["outputs"].get(job.name)
    if not entry or entry.get("fingerprint") != job.fingerprint:
        return False
    for rel, digest in entry.get("files", {}).items():
        path = folder / rel
        if not path.exists():
            return False
        if path.is_file() and _sha256(path) != digest:
            return False
    return True


def run_job(job: Job, folder: str, options: Options, engine_name: str, mode: Mode) -> dict[str, Any]:
    """Make one output (in a worker process). Returns what the state file records."""
    from .engines.base import get_engine
    from .pipeline import make_bulletin, make_script, render_script
    from .script import build_edition

    target = Path(folder) / job.name
    engine = get_engine(engine_name)
    if mode == "per-article":
        result = make_bulletin(job.stories[0].article, target, options, engine=engine)
    else:
        from .normalize import load_lexicon

        options.check()
        articles: list[Article] = [s.article for s in job.stories]
        if len(articles) == 1:
            script = make_script(articles[0], options, engine)
        else:
            from .presets import get_preset

            script = build_edition(
                articles, engine.voices(options.locale), show=options.show or "Le journal", date=job.date,
                locale=options.locale, lexicon=load_lexicon(options.lexicon), speaker_voices=options.speaker_voices,
                announce_quotes=options.announce_quotes or get_preset(options.preset).announce_quotes,
            )  # fmt: skip
        result = render_script(script, target, options, engine)
    stem = target.with_suffix("")
    files = [target] + [p for p in stem.parent.glob(stem.name + ".*") if p != target and p.is_file()]
    return {
        "key": job.key,
        "fingerprint": job.fingerprint,
        "title": result.script.title,
        "date": job.date,
        "duration_ms": result.duration_ms,
        "bytes": target.stat().st_size,
        "guid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"bulletin:{job.key}")),
        "files": {p.name: _sha256(p) for p in files},
        "made": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def run_batch(
    inputs: list[str],
    out_dir: Path,
    options: Options,
    *,
    mode: Mode = "per-article",
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    today: str | None = None,
) -> tuple[Summary, list[Failure]]:
    """Collect, plan, make what changed in parallel processes, and record it."""
    check_writable_dir(out_dir)
    options.check()
    parse_outputs(options.outputs)
    today = today or dt.date.today().isoformat()
    stories, failures = collect(inputs)
    summary = Summary(failed=[(f.key, f.reason) for f in failures])
    with _locked(out_dir):
        state = load_state(out_dir)
    jobs = plan(stories, mode, options, state, today)
    todo = [j for j in jobs if not _unchanged(j, out_dir, state)]
    todo_names = {j.name for j in todo}
    summary.unchanged = [j.name for j in jobs if j.name not in todo_names]
    engine_name = options.engine
    if todo and engine_name == "auto":
        from .pipeline import choose_engine

        engine_name = choose_engine("auto")[0].name
    done = 0
    total = len(todo)
    if progress:
        progress(0, total)
    if todo:
        workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
        opts = replace(options, engine=engine_name)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures: dict[Future[dict[str, Any]], Job] = {
                pool.submit(run_job, j, str(out_dir), opts, engine_name, mode): j for j in todo
            }
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    job = futures[fut]
                    try:
                        record = fut.result()
                    except BulletinError as exc:
                        summary.failed.append((job.name, str(exc)))
                    except Exception as exc:  # a worker crash is this job's failure, not the batch's
                        summary.failed.append((job.name, f"{type(exc).__name__}: {exc}"))
                    else:
                        summary.made.append(job.name)
                        with _locked(out_dir):
                            fresh = load_state(out_dir)
                            fresh["outputs"][job.name] = record
                            _save_state(out_dir, fresh)
                    done += 1
                    if progress:
                        progress(done, total)
    return summary, failures


def feed_items(folder: Path) -> list[dict[str, Any]]:
    """What the state file says was made, newest first, for the podcast feed."""
    state = load_state(folder)
    items = []
    for name, entry in state["outputs"].items():
        if _SAFE_NAME.fullmatch(name) and (folder / name).exists():
            items.append({"name": name, **entry})
    if not items and not folder.is_dir():
        raise OutputError(f"no such folder: {folder}")
    return sorted(items, key=lambda e: (e.get("date") or "", e["name"]), reverse=True)
