"""Atomic text and folder writes shared by the sidecar writers."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from ..atomic import _umask, atomic_path
from ..errors import OutputError
from ..scratch import current


def write_text(path: Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def replace_folder(target: Path, build: object) -> Path:
    """Build a folder in the process's scratch folder beside ``target`` with ``build(folder)``,
    then swap it in place (the same filesystem: both renames are atomic)."""
    with current().use(target.parent) as scratch:
        return _replace_folder(target, build, scratch)


def _replace_folder(target: Path, build: object, scratch: Path) -> Path:
    try:
        work = Path(tempfile.mkdtemp(dir=scratch, prefix=f"{target.name}."))
    except OSError as exc:
        raise OutputError(f"cannot write in {target.parent}: {exc.strerror or exc}") from exc
    try:
        build(work)  # type: ignore[operator]
        os.chmod(work, 0o777 & ~_umask())
        old = None
        if target.exists():
            old = scratch / f"{target.name}.old"
            os.replace(target, old)
        os.replace(work, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(work)
    return target


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean_text(text: str) -> str:
    """Text any output format can hold: control characters removed (XML 1.0 forbids them, and
    captions and players show them as garbage)."""
    return _CONTROL.sub("", text)

