"""What a batch makes: one job per output, with names that stay the same from one run to the
next, and whether a recorded output still stands (so that a re-run makes nothing)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..readers.model import Story, slugify
from ..settings import Settings

DEFAULT_SHOW = "Le journal"
"""The name a daily edition announces (and is filed under) when the show has none."""
SAFE_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,120}\.mp3")


@dataclass(frozen=True)
class Job:
    name: str
    """Output file name, ``YYYY-MM-DD-<slug>.mp3``."""
    key: str
    """What the output stands for: a story's key, or ``edition:<date>``."""
    stories: tuple[Story, ...]
    fingerprint: str
    date: str


def file_facts(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"sha256": sha256_of(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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


def plan(stories: list[Story], settings: Settings, outputs: dict[str, dict[str, Any]], today: str) -> list[Job]:
    """The outputs to make, with names that stay the same from one run to the next (``outputs``:
    what the state recorded, name → entry)."""
    settings_fp = _settings_fingerprint(settings)
    # Names come back from the state file: only plain file names are trusted (no path, no dot-dot).
    known: dict[str, str] = {
        str(entry.get("key")): name for name, entry in outputs.items() if SAFE_NAME.fullmatch(name)
    }
    taken = set(outputs)
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
        by_date.setdefault(day_of(s.article.date) or today, []).append(s)
    for date, group in sorted(by_date.items()):
        key = f"edition:{date}"
        jobs.append(Job(name_for(key, date, settings.show or DEFAULT_SHOW), key, tuple(group),
                        fp([g.fingerprint for g in group]), date))  # fmt: skip
    return jobs


def day_of(date: str | None) -> str | None:
    """A full day (editions are per day); a month or a year alone is not one."""
    return date if date and len(date) == 10 else None


def unchanged(job: Job, folder: Path, outputs: dict[str, dict[str, Any]]) -> bool:
    """Whether the recorded output still stands: same inputs and settings, and every file as it
    was written. Size and modification time are compared first; a file is hashed only when they
    differ, so a re-run does not read every bulletin it ever made."""
    entry = outputs.get(job.name)
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
        if path.is_file() and sha256_of(path) != facts.get("sha256"):
            return False
    return True
