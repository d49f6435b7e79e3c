"""One job: one output made in a worker process (or on a cluster worker), under a lock that
lets one attempt at a time make it, after removing what a killed attempt left."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import shutil
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..readers.model import Article, Story
from ..settings import Settings
from .plan import DEFAULT_SHOW, Job, file_facts

if sys.platform != "win32":
    import fcntl

JOBS_DIR = ".bulletin-jobs"
"""Folder (in the output folder) of the per-output lock files."""
# Every temporary a job writes beside its outputs is ".<stem>.<output suffix>.<random>…":
# atomic writes (…part), the scratch PCM (…pcm, …bed.pcm) and folder builds (mkdtemp).
_SUFFIXES = r"(?:mp3|vtt|srt|chapters\.json|json|daisy|parts)"


def run_job(job: Job, folder: str, settings: Settings, engine_name: str, limiter: Any = None) -> dict[str, Any]:
    """Make one output (in a worker process, or on a cluster worker). Returns what the state file
    records about it. One attempt at an output at a time; an attempt first removes what a killed
    earlier one left (its temporaries, never a finished file)."""
    # The clip cache is pruned once, by the coordinator, when every job has ended: a worker that
    # pruned after its own output could remove the clips another worker is about to mix.
    settings = replace(settings, cache_max_size=None)
    with _output_lock(Path(folder), job.name):
        removed = _remove_leftovers(Path(folder), job.name)
        if removed:
            logging.getLogger(__name__).warning("%s: removed what a killed attempt left: %s", job.name, removed)
        return _make(job, folder, settings, engine_name, limiter)


def _make(job: Job, folder: str, settings: Settings, engine_name: str, limiter: Any) -> dict[str, Any]:
    from ..normalize import load_lexicon
    from ..pipeline import render_script
    from ..presets import get_preset
    from ..runtime import process_runtime
    from ..script import TRANSITIONS, build_edition

    # The worker's runtime: its engines (a Piper model, the espeak library) are loaded on the
    # first job and serve every later one; each job gets its own cache and fallback wrappers.
    runtime = process_runtime(settings)
    target = Path(folder) / job.name
    if settings.edition == "per-article":
        result = runtime.make(job.stories[0].article, target, settings, engine_name=engine_name, limiter=limiter)
    else:
        articles: list[Article] = [s.article for s in job.stories]
        with runtime.stack(settings, limiter, engine_name=engine_name) as stack:
            script = build_edition(
                articles, stack.engine.voices(settings.locale), show=settings.show or DEFAULT_SHOW, date=job.date,
                locale=settings.locale, lexicon=load_lexicon(settings.lexicon), speaker_voices=settings.speaker_voices,
                announce_quotes=settings.announce_quotes or get_preset(settings.preset).announce_quotes,
                transitions=settings.transitions or TRANSITIONS,
            )  # fmt: skip
            result = render_script(script, target, settings, stack.engine)
    files = {p.name: file_facts(p) for p in result.files.values() if p.is_file()}
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
    """Only one attempt at an output at a time; a dead worker's lock goes with its process.
    The lock file may be removed by :func:`remove_stale_locks` while this waits for it: the
    lock is taken again on the file that is there once it is held on the file that was."""
    if sys.platform == "win32":  # pragma: no cover - workers run on POSIX systems
        yield
        return
    locks = folder / JOBS_DIR
    path = locks / f"{name}.lock"
    for attempt in range(100):
        try:
            locks.mkdir(exist_ok=True)
            fh = open(path, "a+")  # noqa: SIM115 - held for the whole job
        except FileNotFoundError:
            if attempt < 99:
                continue  # the empty folder was removed between mkdir and open: make it again
            raise OutputError(f"cannot write in {locks}: it keeps disappearing") from None
        except OSError as exc:
            raise OutputError(f"cannot write in {locks}: {exc.strerror or exc}") from exc
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            same = os.stat(path).st_ino == os.fstat(fh.fileno()).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        fh.close()  # removed (or replaced) while this waited: lock the one that is there now
    else:
        raise OutputError(f"cannot lock {path}: it keeps being replaced")
    with fh:
        yield


def remove_stale_locks(folder: Path) -> int:
    """Remove the lock files of outputs nobody is making (each is removed holding its lock, so
    a running job's lock stays), then the folder if it is empty. Returns how many went."""
    locks = folder / JOBS_DIR
    if sys.platform == "win32" or not locks.is_dir():  # pragma: no cover - POSIX locks only
        return 0
    removed = 0
    for path in locks.glob("*.lock"):
        try:
            with open(path, "a+") as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a job holds it
                path.unlink()
                removed += 1
        except OSError:
            continue
    with contextlib.suppress(OSError):
        locks.rmdir()  # only when empty: a job may have made a new one meanwhile
    return removed


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
