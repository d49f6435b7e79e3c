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

    def put(self, key: str, chunk: AudioChunk) -> None:
        """Store a clip atomically; a cache that cannot be written is skipped, not fatal."""
        path = self._path(key)
        header = _HEADER.pack(
            _MAGIC, chunk.sample_rate, chunk.sample_width, chunk.channels, hashlib.sha256(chunk.data).digest()
        )
        tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
            with os.fdopen(fd, "wb") as fh:
                fh.write(header)
                fh.write(chunk.data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            tmp = None
        except OSError:
            pass
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
