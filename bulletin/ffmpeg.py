"""The ffmpeg binary that imageio-ffmpeg ships: encoding, decoding and reading files back.

No system ffmpeg and no ffprobe are needed: what ffprobe would tell is read from
``ffmpeg -i``'s own report.
"""

from __future__ import annotations

import contextlib
import ctypes
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import AudioError


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """Path of the bundled ffmpeg; a clear error if the wheel carries none for this platform."""
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as exc:
        raise AudioError(f"no ffmpeg binary available ({exc}); reinstall with 'pip install imageio-ffmpeg'") from exc


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, between fork and exec
    _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


try:  # Linux: a child told PR_SET_PDEATHSIG is killed by the kernel when its parent dies
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
    _PR_SET_PDEATHSIG = 1
    _PREEXEC: Callable[[], None] | None = _die_with_parent if sys.platform.startswith("linux") else None
except (AttributeError, OSError):  # pragma: no cover - another system: no such guarantee
    _PREEXEC = None


def run_ffmpeg(cmd: list[str], data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg to completion, its output captured. It dies with bulletin: when the process that
    started it is killed (even by ``kill -9``), the kernel ends ffmpeg too, so no encode goes on
    writing into the output folder after its run is gone."""
    return subprocess.run(cmd, input=data, capture_output=True, check=False, preexec_fn=_PREEXEC)


def spawn_ffmpeg(cmd: list[str]) -> subprocess.Popen[bytes]:
    """Start ffmpeg reading its standard input (to be fed while it runs). Its stderr is read when
    it ends (errors only: ``-loglevel error``).

    It needs no death signal: when bulletin dies, even by ``kill -9``, the kernel closes the pipe,
    ffmpeg reads the end of its input and exits. And it must not have one: a ``preexec_fn`` makes
    the fork a moment in which a Ctrl-C is lost (seen: 1 run in 8 went on to exit 0 when the
    signal came within 3 ms of the encoder's start)."""
    return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop_ffmpeg(proc: subprocess.Popen[bytes]) -> None:
    """Kill a :func:`spawn_ffmpeg` process if it still runs, and close our ends of its pipes."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    for pipe in (proc.stdin, proc.stderr):
        with contextlib.suppress(OSError, ValueError):
            if pipe is not None:
                pipe.close()


def _quiet_ffmpeg() -> list[str]:
    """ffmpeg that reads no keyboard and reports only errors."""
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error"]


def encode_mp3(
    pcm: bytes | Path,
    sample_rate: int,
    out: Path,
    *,
    channels: int = 1,
    bitrate: str = "64k",
    out_rate: int | None = None,
    filters: str | None = None,
) -> None:
    """Encode 16-bit PCM (bytes, fed through a pipe, or a raw PCM file) to an MP3 in one ffmpeg run."""
    cmd = encode_cmd(str(pcm) if isinstance(pcm, Path) else "pipe:0", sample_rate, out, channels=channels,
                     bitrate=bitrate, out_rate=out_rate, filters=filters)  # fmt: skip
    try:
        proc = run_ffmpeg(cmd, None if isinstance(pcm, Path) else pcm)
    except OSError as exc:
        raise AudioError(f"cannot run ffmpeg: {exc}") from exc
    if proc.returncode != 0:
        raise encode_failed(proc.stderr)


def encode_failed(stderr: bytes) -> AudioError:
    msg = stderr.decode(errors="replace").strip().splitlines()
    return AudioError(f"ffmpeg failed to encode the MP3: {msg[-1] if msg else 'no reason given'}")


def encode_cmd(
    src: str,
    sample_rate: int,
    out: Path,
    *,
    channels: int = 1,
    bitrate: str = "64k",
    out_rate: int | None = None,
    filters: str | None = None,
) -> list[str]:
    """The ffmpeg command that encodes mono 16-bit PCM from ``src`` (a file, or ``pipe:0``) to ``out``."""
    cmd = [
        *_quiet_ffmpeg(),
        "-f",
        "s16le",
        "-ar",
        str(sample_rate),
        "-ac",
        str(channels),
        "-i",
        src,
    ]
    if filters:
        cmd += ["-af", filters]
    if filters or (out_rate and out_rate != sample_rate):
        cmd += ["-ar", str(out_rate or sample_rate)]  # loudnorm works at 192 kHz: always set the rate
    cmd += [
        "-c:a",
        "libmp3lame",
        "-b:a",
        bitrate,
        # LAME's -q 7: 40 % faster than its default for the same bitrate; mono speech at 96 kbit/s
        # has the headroom, and the encode is most of a cached re-run.
        "-compression_level",
        "7",
        "-write_xing",
        "1",
        "-id3v2_version",
        "0",
        "-f",
        "mp3",
        "-y",
        str(out),
    ]
    return cmd


def decode_to_pcm(
    path: Path | str,
    sample_rate: int = 22050,
    channels: int = 1,
    *,
    data: bytes | None = None,
    filters: str | None = None,
) -> bytes:
    """Decode an audio file (or ``data``, with ``path`` naming its format) to 16-bit PCM at ``sample_rate``.

    ``filters`` is an ffmpeg audio filter chain (tempo or pitch changes) applied on the way.
    """
    source = ["-f", str(path), "-i", "pipe:0"] if data is not None else ["-i", str(path), "-vn"]
    cmd = [
        *_quiet_ffmpeg(),
        *source,
        *(["-af", filters] if filters else []),
        "-f",
        "s16le",
        "-ac",
        str(channels),
        "-ar",
        str(sample_rate),
        "pipe:1",
    ]
    try:
        proc = run_ffmpeg(cmd, data)
    except OSError as exc:
        raise AudioError(f"cannot run ffmpeg: {exc}") from exc
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        what = "the audio received" if data is not None else str(path)
        raise AudioError(f"cannot decode {what}: {msg[-1] if msg else 'ffmpeg failed'}")
    return proc.stdout


@dataclass(frozen=True)
class Chapter:
    start_ms: float
    end_ms: float
    title: str


@dataclass(frozen=True)
class ProbeInfo:
    """What ``ffmpeg -i`` reports about a file."""

    duration_ms: float | None
    chapters: tuple[Chapter, ...]
    codec: str | None
    sample_rate: int | None
    report: str


def probe(path: Path) -> ProbeInfo:
    """Read a file's duration, audio stream and chapters from ``ffmpeg -i`` (no ffprobe)."""
    proc = run_ffmpeg([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)])
    report = proc.stderr.decode(errors="replace")
    dur = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", report)
    duration = (int(dur[1]) * 3600 + int(dur[2]) * 60 + float(dur[3])) * 1000 if dur else None
    chapters = []
    for m in re.finditer(
        r"Chapter #\d+[:.]\d+: start (\d+(?:\.\d+)?), end (\d+(?:\.\d+)?)\s*\n"
        r"(?:\s+Metadata:\s*\n\s+title\s*:\s*(.*)\n)?",
        report,
    ):
        chapters.append(Chapter(float(m[1]) * 1000, float(m[2]) * 1000, (m[3] or "").strip()))
    stream = re.search(r"Audio: (\w+)[^,]*, (\d+) Hz", report)
    return ProbeInfo(
        duration, tuple(chapters), stream[1] if stream else None, int(stream[2]) if stream else None, report
    )
