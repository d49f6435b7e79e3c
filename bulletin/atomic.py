"""Writing files so that the output path holds the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError


def check_writable_dir(folder: Path) -> None:
    """Fail early, before any synthesis, if ``folder`` cannot receive the output."""
    if not folder.exists():
        raise OutputError(f"output folder does not exist: {folder}")
    if not folder.is_dir():
        raise OutputError(f"output folder is not a folder: {folder}")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".bulletin-check-"):
            pass
    except OSError as exc:
        raise OutputError(f"cannot write in {folder}: {exc.strerror or exc}") from exc


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for a few instructions that must not be cut in half; a
    signal that arrives meanwhile is delivered (and raises) as the block ends. Only the main
    thread receives them, so elsewhere there is nothing to hold."""
    blockable = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    if not blockable:
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path for ``target``; on success it replaces ``target`` atomically.

    The temporary lives in this process's private scratch folder beside ``target`` (same
    filesystem, so the final rename is atomic; see :mod:`bulletin.scratch`). On any error,
    Ctrl-C included, it is removed and ``target`` is untouched; after a ``kill -9`` the next run
    in that folder removes the dead process's scratch folder.
    """
    from .scratch import scratch_file

    tmp: Path | None = None
    try:
        with scratch_file(target.parent, prefix=f"{target.name}.", suffix=".part") as tmp:
            yield tmp
            # mkstemp creates 0600; a published file gets the usual rw-r--r-- (after the umask).
            os.chmod(tmp, 0o666 & ~_umask())
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
