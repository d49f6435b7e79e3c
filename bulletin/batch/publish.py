"""The podcast feed of a batch folder, from its recorded state.

A state entry the feed cannot use (no ``guid``, a size or duration that is not a number, not a
JSON object at all: a hand-edited or damaged state) is **left out with a warning** that names
it, rather than stopping the feed: the other episodes stay published, and the warning says
which one to look at. (A state that cannot be read at all is an error: see
:mod:`bulletin.batch.state`.)
"""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path
from typing import Any

from ..errors import OptionError, OutputError
from ..settings import Settings
from .plan import SAFE_NAME
from .state import STATE_DB, StateStore, exists


def _problem(entry: Any) -> str | None:
    """Why a recorded entry cannot be a feed item, or None when it can."""
    if not isinstance(entry, dict) or "invalid" in entry:
        return "it is not a JSON object"
    if not isinstance(entry.get("guid"), str) or not entry["guid"].strip():
        return "it has no guid"
    for key in ("bytes", "duration_ms"):
        if key in entry and (isinstance(entry[key], bool) or not isinstance(entry[key], (int, float))):
            return f"its {key} is not a number"
    for key in ("title", "summary", "date", "made"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            return f"its {key} is not text"
    if "files" in entry and not isinstance(entry["files"], dict):
        return "its files are not a table"
    return None


def feed_items(folder: Path, warnings: list[str] | None = None) -> list[dict[str, Any]]:
    """What the state says was made and is still there, newest first. Entries the feed cannot
    use are left out, each with a line in ``warnings``. Safe to call while a batch writes."""
    if not exists(folder):
        return []
    with StateStore(folder) as store:
        rows = store.raw_outputs()
    items = []
    for name, entry in rows:
        if not SAFE_NAME.fullmatch(name) or not (folder / name).exists():
            continue
        problem = _problem(entry)
        if problem is not None:
            if warnings is not None:
                warnings.append(f"left {name} out of the feed: its entry in {folder / STATE_DB} is damaged ({problem})")
            continue
        items.append({**entry, "name": name})
    return sorted(items, key=lambda e: (e.get("date") or "", e["name"]), reverse=True)


def publish_feed(folder: Path, target: Path, settings: Settings, warnings: list[str] | None = None) -> bool:
    """Write the podcast feed of a batch folder; returns False when it was already up to date
    (only items change it: re-running a batch does not touch it). The show, author, cover and
    base URL the batch recorded fill in what ``settings`` leaves unset."""
    from ..outputs.feed import build_feed
    from ..outputs.writing import write_text

    if not folder.is_dir():
        raise OutputError(f"no such folder: {folder}")
    if not exists(folder):
        raise OutputError(f"{folder} holds no bulletins made by 'bulletin batch' (no {STATE_DB}); "
                          "make them with: bulletin batch ARTICLES... -o " + str(folder))  # fmt: skip
    with StateStore(folder) as store:  # a damaged state stops here, before anything is written
        recorded = store.show()
    base_url = settings.base_url or recorded.get("base_url")
    if not base_url:
        raise OptionError("the feed needs the address the files are served from: give --base-url "
                          "https://…/ (or base_url in bulletin.toml)")  # fmt: skip
    if not re.match(r"https?://[^/\s]+", base_url):
        raise OptionError(f"base URL {base_url!r} is not an http(s) address")
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
    data = build_feed(feed_items(folder, warnings), title=show or "Bulletin", author=author or "bulletin",
                      base_url=base_url, cover=cover_name)  # fmt: skip
    text = data.decode("utf-8")
    with contextlib.suppress(OSError):
        if target.read_text(encoding="utf-8") == text:
            return False
    write_text(target, text)
    return True
