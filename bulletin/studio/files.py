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
    """A folder as a ZIP archive (files only, links leading out of it left out)."""
    base = folder.resolve()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(base.rglob("*")):
            if path.is_file() and path.resolve().is_relative_to(base):
                archive.write(path, f"{folder.name}/{path.relative_to(base).as_posix()}")
    return buffer.getvalue()


def url_for(area: str, root: Path, path: Path) -> str:
    return f"/files/{area}/{quote(path.resolve().relative_to(root.resolve()).as_posix())}"


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
        files = {"mp3": url_for(area, root, mp3)}
        for suffix, name in SIDECARS.items():
            side = mp3.with_name(mp3.stem + suffix)
            if side.exists() and side.resolve().is_relative_to(root.resolve()):
                files[name] = url_for(area, root, side)
        items.append({"name": mp3.name, "title": _title(mp3), "files": files})
    feeds = [url_for(area, root, p) for p in sorted(root.glob("*.xml")) if not p.name.startswith(".")]
    return {"bulletins": items, "feeds": feeds}
