"""Downloads and listings that cannot leave the studio's folders.

A download names a folder (``out``: the studio's renders; ``folder``: the batch folder given with
``--folder``) and a path inside it. ``..``, absolute paths, hidden files (state files, temporary
files) and symbolic links that lead outside the folder are refused; a folder (a DAISY book, a
numbered folder) is sent as a ZIP archive.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException

SIDECARS = {
    ".vtt": "vtt",
    ".srt": "srt",
    ".chapters.json": "chapters",
    ".json": "json",
    ".daisy": "daisy",
    ".parts": "folder",
    ".script.json": "script",
}


def safe_path(root: Path, relative: str) -> Path:
    """The file or folder ``relative`` names inside ``root``, or a 403/404 :class:`HTTPException`."""
    if not relative or "\\" in relative or "\0" in relative:
        raise HTTPException(403, "that path is refused")
    pure = PurePosixPath(relative)
    if pure.is_absolute() or any(part in ("..", "") or part.startswith(".") for part in pure.parts):
        raise HTTPException(403, "paths must stay inside the studio's folders (no '..', no absolute path)")
    base = root.resolve()
    target = base.joinpath(*pure.parts)
    try:
        real = target.resolve(strict=True)
    except (FileNotFoundError, RuntimeError):  # RuntimeError: a symbolic link loop
        raise HTTPException(404, f"no such file: {relative}") from None
    if not real.is_relative_to(base):
        raise HTTPException(403, "that file lies outside the studio's folders")
    return real


def zipped(folder: Path) -> bytes:
    """A folder as a ZIP archive (files only; hidden files and folders, such as a render's
    scratch files or a state file, and links leading out of it left out). Slow for a large
    folder: call it off the event loop."""
    base = folder.resolve()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(base.rglob("*")):
            hidden = any(part.startswith(".") for part in path.relative_to(base).parts)
            if not hidden and path.is_file() and path.resolve().is_relative_to(base):
                archive.write(path, f"{folder.name}/{path.relative_to(base).as_posix()}")
    return buffer.getvalue()


def url_for(area: str, root: Path, path: Path) -> str | None:
    """The download address of ``path``, or None when it is not inside ``root`` (never served)."""
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return f"/files/{area}/{quote(relative.as_posix())}"


def sidecars(mp3: Path) -> list[Path]:
    """The files a render of ``mp3`` may have written beside it (whether they exist or not)."""
    return [mp3.with_name(mp3.stem + suffix) for suffix in SIDECARS]


def _title(mp3: Path) -> str:
    try:
        from mutagen.id3 import ID3

        frames = ID3(mp3).getall("TIT2")
        return str(frames[0].text[0]) if frames else mp3.stem
    except Exception:  # not our MP3, or no tag: its name will do
        return mp3.stem


def bulletins(root: Path, area: str) -> dict[str, Any]:
    """The bulletins in a folder (newest first), each with its sidecars, and its feeds."""
    items = []
    mp3s = [p for p in root.glob("*.mp3") if not p.name.startswith(".") and p.is_file()]
    for mp3 in sorted(mp3s, key=lambda p: (p.stat().st_mtime, p.name), reverse=True):
        files: dict[str, str] = {}
        for name, path in [("mp3", mp3), *((n, mp3.with_name(mp3.stem + s)) for s, n in SIDECARS.items())]:
            url = url_for(area, root, path) if path.exists() else None
            if url is not None:
                files[name] = url
        items.append({"name": mp3.name, "title": _title(mp3), "files": files})
    feeds = [u for p in sorted(root.glob("*.xml")) if not p.name.startswith(".") and (u := url_for(area, root, p))]
    return {"bulletins": items, "feeds": feeds}
