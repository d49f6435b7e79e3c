"""Content-addressed clip cache, shared by every engine.

A clip's key is the hash of everything that changes its sound: engine, engine version, voice,
spoken text and rate. Entries are written atomically and carry a checksum that is verified on
every read, so a crash or a disk fault can cost a re-synthesis, never a corrupt bulletin.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .engines.base import AudioChunk

_MAGIC = b"BLC1"
_HEADER = struct.Struct("<4sIHH32s")  # magic, sample rate, sample width, channels, sha256(data)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bulletin" / "clips"


def clip_key(engine: str, version: str, voice: str, spoken: str, rate: float) -> str:
    payload = json.dumps([engine, version, voice, spoken, round(rate, 3)], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    path: Path
    entries: int
    bytes: int


class ClipCache:
    """Clips on disk under ``root/ab/abcdef….clip``."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.clip"

    def get(self, key: str) -> AudioChunk | None:
        """The clip, or None when absent or damaged (a damaged entry is removed)."""
        path = self._path(key)
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        if len(blob) >= _HEADER.size:
            magic, rate, width, channels, digest = _HEADER.unpack_from(blob)
            data = blob[_HEADER.size :]
            if magic == _MAGIC and hashlib.sha256(data).digest() == digest and rate and width and channels:
                return AudioChunk(rate, width, channels, data)
        with contextlib.suppress(OSError):
            path.unlink()
        return None

    def put(self, key: str, chunk: AudioChunk) -> bool:
        """Store a clip atomically; a cache that cannot be written is skipped, not fatal.
        Returns whether the clip was stored."""
        path = self._path(key)
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

    def stats(self) -> CacheStats:
        entries = size = 0
        if self.root.is_dir():
            for p in self.root.glob("*/*.clip"):
                entries += 1
                with contextlib.suppress(OSError):
                    size += p.stat().st_size
        return CacheStats(self.root, entries, size)

    def clear(self) -> int:
        """Remove every entry; returns how many there were."""
        n = self.stats().entries
        if self.root.is_dir():
            shutil.rmtree(self.root, ignore_errors=True)
        return n


class ClipSet(Sequence[list[AudioChunk]]):
    """The clips of a script, segment by segment, held on disk rather than in memory.

    Clips live in the user's clip cache, or in a private spill folder when caching is off, and
    are read back one segment at a time while the bulletin is rendered: a 20-hour bulletin then
    needs no more memory than a 2-minute one. A clip that could not be written stays in memory.
    """

    def __init__(self, layout: list[list[str]], store: ClipCache | None) -> None:
        self.layout = layout
        """Per segment, per sentence: the clip's key."""
        self._spill: tempfile.TemporaryDirectory[str] | None = None
        if store is None:
            self._spill = tempfile.TemporaryDirectory(prefix="bulletin-clips-")
            store = ClipCache(Path(self._spill.name))
        self.store = store
        self.memory: dict[str, AudioChunk] = {}
        self.sample_rate = 0

    def keep(self, key: str, chunk: AudioChunk) -> None:
        self.sample_rate = max(self.sample_rate, chunk.sample_rate)
        if not chunk.data or not self.store.put(key, chunk):
            self.memory[key] = chunk

    def known(self, key: str) -> AudioChunk | None:
        """A clip already in the store (a cache hit), remembered for the sample rate."""
        chunk = self.store.get(key)
        if chunk is not None:
            self.sample_rate = max(self.sample_rate, chunk.sample_rate)
        return chunk

    def __len__(self) -> int:
        return len(self.layout)

    def __getitem__(self, index: int) -> list[AudioChunk]:  # type: ignore[override]
        out = []
        for key in self.layout[index]:
            chunk = self.memory.get(key) or self.store.get(key)
            if chunk is None:
                raise OSError(f"clip {key[:12]} vanished from {self.store.root}")
            out.append(chunk)
        return out

    def __iter__(self) -> Iterator[list[AudioChunk]]:
        return (self[i] for i in range(len(self)))

    def close(self) -> None:
        if self._spill is not None:
            self._spill.cleanup()
            self._spill = None
