"""Content-addressed clip cache, shared by every engine.

A clip's key is the hash of everything that changes its sound: engine, engine version, voice,
spoken text and rate. Entries are written atomically and carry a checksum that is verified on
every read, so a crash or a disk fault can cost a re-synthesis, never a corrupt bulletin.

The cache owns only what it wrote: ``ab/<key>.clip`` files (and their ``.part`` temporaries)
in two-hex-digit folders. ``clear`` and ``prune`` never touch anything else, even when the
user points ``--cache-dir`` at a folder that holds other files. A hit refreshes the entry's
modification time, so ``prune`` drops the clips used least recently first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import struct
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .engines.base import AudioChunk
from .errors import OptionError, OutputError

_MAGIC = b"BLC1"
_HEADER = struct.Struct("<4sIHH32s")  # magic, sample rate, sample width, channels, sha256(data)
_SHARD = re.compile(r"[0-9a-f]{2}")
_ENTRY = re.compile(r"[0-9a-f]{64}\.clip")
_PART = re.compile(r"\..*\.part")
_PINS = ".pins"  # one file per render in use: the keys it holds (see Pins)

try:
    import fcntl
except ImportError:  # pragma: no cover - no flock: pins then hold only within the process
    fcntl = None  # type: ignore[assignment]


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bulletin" / "clips"


def clip_key(engine: str, version: str, voice: str, spoken: str, rate: float) -> str:
    payload = json.dumps([engine, version, voice, spoken, round(rate, 3)], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$", re.I)
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.I)


def parse_size(text: str) -> int:
    """``2G``, ``500M``, ``1.5GB``, ``800k`` or a number of bytes → bytes."""
    m = _SIZE.match(str(text))
    if not m:
        raise OptionError(f"cannot read the size {text!r}: write it like 500M or 2G")
    factor = 1024 ** "BKMGT".index((m[2] or "B").upper())
    return int(float(m[1]) * factor)


def parse_age(text: str) -> float:
    """``30d``, ``12h``, ``2w``, ``90m`` or ``45s`` → seconds."""
    m = _AGE.match(str(text))
    if not m:
        raise OptionError(f"cannot read the age {text!r}: write it like 30d, 12h or 2w")
    return float(m[1]) * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m[2].lower()]


@dataclass(frozen=True)
class CacheStats:
    path: Path
    entries: int
    bytes: int


def read_clip(path: Path) -> AudioChunk | None:
    """A clip file, or None when it is missing or fails its checksum."""
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    if len(blob) >= _HEADER.size:
        magic, rate, width, channels, digest = _HEADER.unpack_from(blob)
        data = blob[_HEADER.size :]
        if magic == _MAGIC and hashlib.sha256(data).digest() == digest and rate and width and channels:
            return AudioChunk(rate, width, channels, data, stored=path)
    return None


def write_clip(path: Path, chunk: AudioChunk) -> bool:
    """Write a clip atomically; returns False (and leaves nothing) when it cannot be written."""
    header = _HEADER.pack(
        _MAGIC, chunk.sample_rate, chunk.sample_width, chunk.channels, hashlib.sha256(chunk.data).digest()
    )
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        # No fsync: a clip torn by a crash fails its checksum on read and is made again,
        # and thirty fsyncs would cost more than the whole synthesis of an article.
        with os.fdopen(fd, "wb") as fh:
            fh.write(header)
            fh.write(chunk.data)
        os.replace(tmp, path)
        tmp = None
        return True
    except OSError:
        return False
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


class Pins:
    """The clips one render is using: no prune, by this process or another, removes them.

    Each render writes the keys it uses, as it uses them, to its own file under ``root/.pins/``
    and holds an exclusive ``flock`` on it; :meth:`ClipCache.prune` skips every key listed in a
    locked file and removes the files whose lock is free (their process died). A key is pinned
    *before* the cache is read for it, so a clip found in the cache stays there until the render
    that found it is finished.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.keys: set[str] = set()
        self._fh: Any = None
        self._lock = threading.Lock()

    def add(self, key: str) -> None:
        with self._lock:
            if key in self.keys:
                return
            self.keys.add(key)
            if self._fh is None:
                self._fh = self._open()
            if self._fh is not None:
                with contextlib.suppress(OSError):
                    self._fh.write(key + "\n")
                    self._fh.flush()

    def _open(self) -> Any:
        folder = self.root / _PINS
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=folder, prefix=f"{os.getpid()}-", suffix=".pins")
        except OSError:
            return None  # a read-only cache is never pruned by us either
        fh = os.fdopen(fd, "w", encoding="ascii")
        if fcntl is not None:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._name = name
        return fh

    def close(self) -> None:
        with self._lock:
            fh, self._fh = self._fh, None
            self.keys = set()
        if fh is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._name)
            fh.close()

    def __enter__(self) -> Pins:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pinned_keys(root: Path) -> set[str]:
    """Every key a live render has pinned; the pin files of dead processes are removed."""
    keys: set[str] = set()
    folder = root / _PINS
    try:
        names = [e.path for e in os.scandir(folder) if e.name.endswith(".pins")]
    except OSError:
        return keys
    for name in names:
        live = _pinned_in(name, keys)
        if not live:
            with contextlib.suppress(OSError):
                os.unlink(name)
    return keys


def _pinned_in(name: str, keys: set[str]) -> bool:
    """Add the keys of one pin file to ``keys`` if its render is alive; False when it is not."""
    try:
        with open(name, encoding="ascii", errors="replace") as fh:
            if fcntl is not None:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
                    return False  # nobody holds it: its render is over
                except OSError:
                    pass
            keys.update(line.strip() for line in fh)
    except OSError:
        pass  # gone meanwhile: its render just ended
    return True


class ClipCache:
    """Clips on disk under ``root/ab/abcdef….clip``."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.clip"

    def pins(self) -> Pins:
        """A new set of pins for one render (close it when the render is done)."""
        return Pins(self.root)

    def get(self, key: str) -> AudioChunk | None:
        """The clip (with ``stored`` set), or None when absent or damaged. A damaged entry is left
        for the caller's :meth:`put` to replace (atomically): removing it here raced with another
        process putting the same clip between this read and the removal, whose fresh entry was
        then deleted under a render that had just been handed its path ("clip vanished from
        cache", seen with two batch workers). A hit marks the entry as recently used."""
        path = self._path(key)
        chunk = read_clip(path)
        if chunk is None:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)
        return chunk

    def put(self, key: str, chunk: AudioChunk) -> AudioChunk:
        """Store a clip; returns it with ``stored`` set, or unchanged when the cache cannot be
        written (a full or read-only cache is skipped, never fatal)."""
        path = self._path(key)
        return replace(chunk, stored=path) if write_clip(path, chunk) else chunk

    def _files(self) -> Iterator[tuple[Path, bool]]:
        """Every file the cache wrote: (path, is_entry). Anything else is left alone."""
        if not self.root.is_dir():
            return
        with os.scandir(self.root) as shards:
            for shard in shards:
                if not (_SHARD.fullmatch(shard.name) and shard.is_dir(follow_symlinks=False)):
                    continue
                with os.scandir(shard.path) as files:
                    for f in files:
                        if _ENTRY.fullmatch(f.name) and f.is_file(follow_symlinks=False):
                            yield Path(f.path), True
                        elif _PART.fullmatch(f.name) and f.is_file(follow_symlinks=False):
                            yield Path(f.path), False

    def stats(self) -> CacheStats:
        entries = size = 0
        for path, is_entry in self._files():
            if is_entry:
                entries += 1
                with contextlib.suppress(OSError):
                    size += path.stat().st_size
        return CacheStats(self.root, entries, size)

    def clear(self) -> int:
        """Remove every clip the cache wrote (nothing else); returns how many clips there were."""
        return self.prune(max_bytes=0)

    def prune(self, max_bytes: int | None = None, older_than: float | None = None) -> int:
        """Remove clips unused for ``older_than`` seconds, then the least recently used until
        the cache holds at most ``max_bytes``. Clips a live render has pinned are kept. Returns
        how many clips were removed."""
        pinned = pinned_keys(self.root)
        pinned_size = 0
        entries: list[tuple[float, int, Path]] = []
        removed = 0
        now = time.time()
        for path, is_entry in self._files():
            try:
                st = path.stat()
            except OSError:
                continue
            if not is_entry:  # a temporary left by a killed writer, after an hour
                if now - st.st_mtime > 3600 or max_bytes == 0:
                    _unlink(path)
                continue
            if path.stem in pinned:
                pinned_size += st.st_size  # counts towards the size, but stays
                continue
            entries.append((st.st_mtime, st.st_size, path))
        entries.sort()
        total = pinned_size + sum(size for _, size, _ in entries)
        for mtime, size, path in entries:
            stale = older_than is not None and now - mtime > older_than
            over = max_bytes is not None and total > max_bytes
            if (stale or over) and _unlink(path):
                removed += 1
                total -= size
        if max_bytes == 0 and self.root.is_dir():
            for shard in self.root.iterdir():
                if _SHARD.fullmatch(shard.name):
                    _rmdir_if_empty(shard)
        return removed


def _rmdir_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()  # fails, harmlessly, when the folder holds anything else


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except OSError:
        return False
    return True


class ClipSet(Sequence[list[AudioChunk]]):
    """The clips of a script, segment by segment, held on disk rather than in memory.

    A clip already in the cache is read back from there (the render pins it, so no prune removes
    it meanwhile); any other is written to a private spill folder inside ``spill_dir`` (the
    process's scratch folder beside the output) or, without one, in the system's temporary
    folder. The renderer reads one segment at a time, so a 20-hour bulletin needs no more memory
    than a 2-minute one.
    """

    def __init__(self, layout: list[list[str]], spill_dir: Path | None = None) -> None:
        self.layout = layout
        """Per segment, per sentence: the clip's name in this set."""
        self._spill_dir = spill_dir
        self._spill: tempfile.TemporaryDirectory[str] | None = None
        self._where: dict[str, Path | AudioChunk] = {}
        self.sample_rate = 0
        self.engines: dict[str, int] = {}
        """Engine name → how many distinct clips it made."""

    def keep(self, name: str, chunk: AudioChunk) -> None:
        self.sample_rate = max(self.sample_rate, chunk.sample_rate)
        if chunk.engine:
            self.engines[chunk.engine] = self.engines.get(chunk.engine, 0) + 1
        if chunk.stored is not None or not chunk.data:
            self._where[name] = chunk.stored if chunk.stored is not None else chunk
            return
        if self._spill is None:
            try:
                self._spill = tempfile.TemporaryDirectory(prefix="bulletin-clips-", dir=self._spill_dir)
            except OSError as exc:
                raise OutputError(f"no room for speech clips in {self._spill_dir or tempfile.gettempdir()}: "
                                  f"{exc.strerror or exc}") from exc  # fmt: skip
        path = Path(self._spill.name) / f"{len(self._where)}.clip"
        if not write_clip(path, chunk):
            # Keeping clips in memory instead would grow without bound on a long bulletin.
            raise OutputError(f"no room for speech clips in {self._spill.name} (the disk is full or not writable); "
                              "free some space or set TMPDIR to a roomier folder")  # fmt: skip
        self._where[name] = path

    def __len__(self) -> int:
        return len(self.layout)

    def ready(self, index: int) -> bool:
        """Whether every clip of segment ``index`` has been kept."""
        return all(name in self._where for name in self.layout[index])

    def __getitem__(self, index: int) -> list[AudioChunk]:  # type: ignore[override]
        out = []
        for name in self.layout[index]:
            where = self._where.get(name)
            chunk = read_clip(where) if isinstance(where, Path) else where
            if chunk is None:
                raise OSError(f"clip {name[:12]} vanished from {where}")
            out.append(chunk)
        return out

    def __iter__(self) -> Iterator[list[AudioChunk]]:
        return (self[i] for i in range(len(self)))

    def close(self) -> None:
        if self._spill is not None:
            self._spill.cleanup()
            self._spill = None
