"""Scratch files: one private folder per process, beside the outputs it writes.

Every temporary a run makes while writing a bulletin (the raw PCM, the compressor's and the
meter's passes, the MP3 before it is renamed into place, spilled clips) goes into one hidden
folder per process and output folder: ``<folder>/.bulletin-scratch-<pid>-<random>/``.

* It is on the output's filesystem, so a finished file is *renamed* into place (atomic).
* The process holds an exclusive ``flock`` on a ``lock`` file inside it for as long as it lives.
  The kernel drops the lock when the process dies, however it dies (``kill -9`` included), so
  the next run that writes into the same folder can tell a dead process's folder from a live
  one's and removes it (:func:`sweep`). The lock decides; the pid in the name only keeps a
  folder less than a minute old whose process lives (its lock may not be taken yet), so a
  reused pid keeps debris for a minute at most.
* The folder goes when the last render using it ends (:meth:`Scratch.use` counts them; an
  ``atexit`` hook removes what is left), so a run that ends, even by Ctrl-C or SIGTERM, leaves
  nothing behind.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .atomic import signals_held
from .errors import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; folders are then only removed by their owner
    fcntl = None  # type: ignore[assignment]

PREFIX = ".bulletin-scratch-"
LOCK_NAME = "lock"
_ORPHAN_S = 60.0  # see _abandoned


class Scratch:
    """The private scratch folders of one process (one per output folder it is writing into).

    A folder lives while something uses it (:meth:`use` counts the users) and is removed when the
    last one is done, so a process that stays alive between renders (a batch worker, the studio)
    leaves no empty hidden folder beside the outputs it serves.
    """

    def __init__(self) -> None:
        self._pid = os.getpid()
        self._folders: dict[Path, tuple[Path, int, int]] = {}  # parent -> (folder, lock fd, users)
        self._swept: set[Path] = set()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def use(self, parent: Path) -> Iterator[Path]:
        """This process's scratch folder in ``parent``, for the time of the ``with`` block."""
        key = self._acquire(Path(parent))
        try:
            yield self._folders[key][0]
        finally:
            self._release(key)

    def _acquire(self, parent: Path) -> Path:
        key = Path(os.path.abspath(parent))
        with self._lock:
            if os.getpid() != self._pid:  # a forked child: the parent's folders are not ours
                self._pid, self._folders, self._swept = os.getpid(), {}, set()
            found = self._folders.get(key)
            if found is not None:
                self._folders[key] = (found[0], found[1], found[2] + 1)
                return key
            if key not in self._swept:  # what dead processes left here goes, once per process
                sweep(parent)
                self._swept.add(key)
            with signals_held():  # no interrupt between making the folder and remembering it
                try:
                    path = Path(tempfile.mkdtemp(dir=parent, prefix=f"{PREFIX}{os.getpid()}-"))
                    fd = os.open(path / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                except OSError as exc:
                    raise OutputError(f"cannot write in {parent}: {exc.strerror or exc}") from exc
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._folders[key] = (path, fd, 1)
            return key

    def _release(self, key: Path) -> None:
        with self._lock:
            found = self._folders.get(key)
            if found is None or os.getpid() != self._pid:
                return
            path, fd, users = found
            if users > 1:
                self._folders[key] = (path, fd, users - 1)
                return
            del self._folders[key]
        _remove(path, fd)

    def close(self) -> None:
        """Remove every scratch folder of this process (what is inside is temporary by definition)."""
        with self._lock:
            if os.getpid() != self._pid:
                self._folders = {}
                return
            folders, self._folders = self._folders, {}
        for path, fd, _ in folders.values():
            _remove(path, fd)


def _remove(path: Path, fd: int) -> None:
    shutil.rmtree(path, ignore_errors=True)
    with contextlib.suppress(OSError):
        os.close(fd)


@contextlib.contextmanager
def scratch_file(parent: Path, prefix: str = "", suffix: str = "") -> Iterator[Path]:
    """A new empty file in this process's scratch folder in ``parent``, removed after the block
    whatever happens (Ctrl-C included)."""
    with current().use(parent) as folder:
        name = None
        try:
            with signals_held():  # no interrupt between creating the file and knowing its name
                try:
                    fd, name = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)
                except OSError as exc:
                    raise OutputError(f"cannot write in {parent}: {exc.strerror or exc}") from exc
                os.close(fd)
            yield Path(name)
        finally:
            if name is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(name)


def sweep(parent: Path) -> list[Path]:
    """Remove the scratch folders in ``parent`` whose process is gone; returns them."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(PREFIX) or not entry.is_dir(follow_symlinks=False):
            continue
        path = Path(entry.path)
        if _abandoned(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _abandoned(path: Path) -> bool:
    """Whether the process that made ``path`` is gone: its lock is free, and either its pid is
    gone or the folder is over a minute old. (A folder is locked a moment after it is made: in
    that moment its lock is free but its pid alive, so it is kept; a reused pid keeps a dead
    folder for a minute at most.)"""
    try:
        young = time.time() - path.stat().st_mtime < _ORPHAN_S
    except OSError:
        return False
    if young and _pid_alive(path.name[len(PREFIX) :].split("-", 1)[0]):
        return False
    try:
        fd = os.open(path / LOCK_NAME, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return True  # old, or its process is gone: it died before it could lock
    except OSError:
        return False
    try:
        if fcntl is None:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # held: its process is alive
        return True
    finally:
        os.close(fd)


def _pid_alive(text: str) -> bool:
    try:
        os.kill(int(text), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True  # another user's process has that pid
    return True


_default: Scratch | None = None
_default_lock = threading.Lock()


def current() -> Scratch:
    """The process's scratch (the runtime's once one is open; closed at exit in any case)."""
    global _default
    with _default_lock:
        if _default is None or _default._pid != os.getpid():
            _default = Scratch()
        return _default


def _close_default() -> None:
    if _default is not None:
        _default.close()


atexit.register(_close_default)
