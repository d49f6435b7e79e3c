"""Loudness: EBU R128 / ITU-R BS.1770 measurement and the mastering chain that meets a preset.

Mastering (:func:`master`) takes the raw bulletin (mono s16le PCM, every sentence a clip) to the
written MP3 in two ffmpeg runs (three when a bulletin is far from the usual level), and no
subprocess per clip:

1. **Dynamics.** A gentle compressor (ffmpeg's acompressor, 6:1 above -18 dBFS, 1 ms attack)
   brings synthetic speech's peak-to-loudness ratio from about 20 dB to about 15 dB, and a
   limiter caps it at what the target allows (the ceiling over the loudness, less a margin).
   They run at the voices' own rate (the encoder resamples: half the work of running them at
   44.1 kHz); the same run writes a copy resampled to the MP3's rate and K-weighted (BS.1770's
   two filters as ffmpeg biquads), so that loudness is measured where the listener hears it.
2. **Clip levelling, after the dynamics.** Each clip's gated K-weighted loudness is read from
   that copy (audioop, 100 ms blocks) and the clip is brought to the median clip loudness.
   Levelling before the dynamics was not enough: the compressor and the limiter pull the voices
   with the sharpest peaks down most. Before, female espeak voices ended 1-2 LU over the
   anchor; and without levelling after the limiter, espeak's m6 at 84 Hz ended 0.6 LU under.
3. **Gain and encode.** The bulletin's integrated loudness is computed from the same blocks and
   one gain meets the target, plus what LAME takes off (:data:`ENCODER_LOSS_DB`), with a
   safety limiter at the ceiling. If the peaks would pass it by more than
   :data:`PEAK_SLACK_DB`, one more run limits at the final gain and levels the clips again.

Measured on the written MP3s of the seed and dev articles: within 0.01 LU of -16 and -23 LUFS
(the tests, which measure the written file too, allow 0.3).

ffmpeg's ``loudnorm`` was tried first: it upsamples to 192 kHz and took 2.2 s per pass on a
2-minute bulletin (ebur128: 0.14 s), and in dynamic mode it stopped 1.4 LU short of -16 LUFS.
"""

from __future__ import annotations

import audioop
import contextlib
import math
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import AudioError
from .ffmpeg import encode_cmd, encode_failed, encode_mp3, ffmpeg_exe, run_ffmpeg, spawn_ffmpeg, stop_ffmpeg


@dataclass(frozen=True)
class Loudness:
    integrated: float
    """Integrated loudness, LUFS."""
    true_peak: float
    """True peak, dBTP."""
    lra: float
    """Loudness range, LU."""
    threshold: float
    """Gating threshold, LUFS."""


@dataclass(frozen=True)
class Target:
    """A loudness standard to meet."""

    integrated: float
    true_peak: float


def _run(cmd: list[str], data: bytes | None) -> str:
    try:
        proc = run_ffmpeg(cmd, data)
    except OSError as exc:
        raise AudioError(f"cannot run ffmpeg: {exc}") from exc
    err = proc.stderr.decode(errors="replace")
    if proc.returncode != 0:
        raise AudioError(f"ffmpeg failed to measure loudness: {err.strip().splitlines()[-1:] or proc.returncode}")
    return err


def _raw(sample_rate: int) -> list[str]:
    return ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1"]


def _input(source: bytes | Path, sample_rate: int, raw: bool = False) -> tuple[list[str], bytes | None]:
    if isinstance(source, bytes):
        return [*_raw(sample_rate), "-i", "pipe:0"], source
    if raw:
        return [*_raw(sample_rate), "-i", str(source)], None
    return ["-i", str(source), "-vn"], None


COMPRESSOR = "acompressor=threshold=0.125:ratio=6:attack=1:release=80:makeup=1"
_SUMMARY = re.compile(
    r"Integrated loudness:\s*I:\s*(-?[\d.]+|-inf) LUFS\s*Threshold:\s*(-?[\d.]+|-inf) LUFS.*?"
    r"Loudness range:\s*LRA:\s*(-?[\d.]+) LU(?:.*?True peak:\s*Peak:\s*(-?[\d.]+|-inf) dBFS)?",
    re.S,
)


def measure(
    source: bytes | Path, sample_rate: int = 22050, pre: str | None = None, true_peak: bool = True, raw: bool = False
) -> Loudness:
    """Integrated loudness, range and (if asked) true peak of PCM bytes (mono s16le), of a raw
    PCM file (``raw``) or of any audio file, after the ``pre`` filter chain if one is given."""
    args, data = _input(source, sample_rate, raw)
    meter = "ebur128=framelog=quiet" + (":peak=true" if true_peak else "")
    chain = f"{pre},{meter}" if pre else meter
    err = _run([ffmpeg_exe(), "-hide_banner", "-nostdin", *args, "-af", chain, "-f", "null", "-"], data)
    found = list(_SUMMARY.finditer(err))
    if not found:
        raise AudioError("ffmpeg gave no loudness measurement")

    def num(text: str | None) -> float:
        return -70.0 if text is None or text == "-inf" else float(text)

    m = found[-1]  # the summary ffmpeg prints at the end
    return Loudness(num(m[1]), num(m[4]), num(m[3]), num(m[2]))


# --- BS.1770 on our own blocks ------------------------------------------------------------

BLOCK_MS = 100
"""Sub-block length: BS.1770's 400 ms gating blocks overlap by 75 %, so they are runs of four."""
_ABSOLUTE_GATE = -70.0
_RELATIVE_GATE = -10.0
_KW_SCALE = 0.5
"""The K-weighted copy is written at half scale: the shelf adds 4 dB and s16 must not clip."""


def k_weighting(sample_rate: int) -> str:
    """BS.1770's K-weighting at ``sample_rate`` as two ffmpeg biquads: the high shelf (+4 dB
    above about 1.7 kHz) and the RLB high-pass (about 38 Hz). The coefficients are derived from
    the filters' analogue parameters the way libebur128 does, so they hold at any rate."""
    k = math.tan(math.pi * 1681.974450955533 / sample_rate)
    q = 0.7071752369554196
    vh = 10 ** (3.999843853973347 / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = ((vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0,
             2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)  # fmt: skip
    k = math.tan(math.pi * 38.13547087602444 / sample_rate)
    q = 0.5003270373238773
    a0 = 1 + k / q + k * k
    highpass = (1.0, -2.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)

    def biquad(c: tuple[float, ...]) -> str:
        return f"biquad=b0={c[0]!r}:b1={c[1]!r}:b2={c[2]!r}:a0=1:a1={c[3]!r}:a2={c[4]!r}:precision=f64"

    return f"{biquad(shelf)},{biquad(highpass)}"


def _lufs(power: float) -> float:
    return -0.691 + 10 * math.log10(power) if power > 0 else -math.inf


def block_powers(kw: bytes, start: int, end: int, step: int) -> list[float]:
    """Mean square (full scale = 1) of each ``step``-byte block of K-weighted s16 audio in
    ``kw[start:end]``; a last block shorter than half a step is left out."""
    full = (32768.0 * _KW_SCALE) ** 2
    end = min(end, len(kw))
    out = []
    for a in range(start, end, step):
        b = min(a + step, end)
        if b - a < step // 2 or b - a < 2:
            break
        out.append(audioop.rms(kw[a:b], 2) ** 2 / full)
    return out


def gated_loudness(powers: Sequence[float]) -> float | None:
    """BS.1770 integrated loudness (LUFS) of 100 ms sub-block powers: 400 ms blocks overlapping
    by 75 %, an absolute gate at -70 LUFS and a relative gate 10 LU under the gated mean. Audio
    shorter than one block counts as one block. None when everything is under the gate."""
    if not powers:
        return None
    if len(powers) < 4:
        blocks = [sum(powers) / len(powers)]
    else:
        blocks = [sum(powers[i : i + 4]) / 4 for i in range(len(powers) - 3)]
    loud = [p for p in blocks if _lufs(p) > _ABSOLUTE_GATE]
    if not loud:
        return None
    floor = _lufs(sum(loud) / len(loud)) + _RELATIVE_GATE
    kept = [p for p in loud if _lufs(p) > floor]
    return _lufs(sum(kept) / len(kept))


# --- mastering ------------------------------------------------------------------------------

ENCODER_LOSS_DB = 0.445
"""What LAME (libmp3lame in imageio-ffmpeg's ffmpeg, CBR mono) takes off the level: a uniform
gain of 0.950, measured the same on 200 Hz, 1 kHz and 5 kHz sines and on speech, at 96 and
128 kbit/s. Measuring every written MP3 instead cost half an encode (0.25 s on the seed)."""
CLIP_GAIN_LIMIT_DB = 12.0


@dataclass(frozen=True)
class Mastered:
    """What mastering did."""

    gain_db: float
    """The final gain, after clip levelling."""
    clip_gains_db: tuple[float, ...]
    """The levelling gain of each clip, in the order given (both rounds added)."""
    limited: bool
    """Whether the peaks needed a second limiter run (and the clips a second levelling)."""


def _process_cmd(src: str, src_rate: int, chain: str, out_rate: int, dyn: Path, kw: Path) -> list[str]:
    """``src`` (mono s16le: a file, or ``pipe:0``) through ``chain`` to ``dyn``, at its own rate,
    and a copy of that resampled to ``out_rate`` and K-weighted to ``kw``. The dynamics run at the
    voice's rate (half the work of running them at the MP3's; the encoder resamples), but the
    measuring is done at the MP3's rate: K-weighting at 22.05 kHz reads speech 0.05 LU louder
    than at 44.1 or 48 kHz."""
    graph = (f"[0:a]{chain},asplit=2[dyn][k];"
             f"[k]aresample={out_rate},{k_weighting(out_rate)},volume={_KW_SCALE}[kw]")  # fmt: skip
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *_raw(src_rate), "-i", src,
            "-filter_complex", graph,
            "-map", "[dyn]", "-f", "s16le", "-c:a", "pcm_s16le", "-y", str(dyn),
            "-map", "[kw]", "-f", "s16le", "-c:a", "pcm_s16le", "-y", str(kw)]  # fmt: skip


def _dynamics_failed(returncode: int, stderr: bytes) -> AudioError:
    msg = stderr.decode(errors="replace").strip().splitlines()
    return AudioError(f"ffmpeg failed to process the bulletin's dynamics: {msg[-1] if msg else returncode}")


def _process(src: Path, src_rate: int, chain: str, out_rate: int, dyn: Path, kw: Path) -> None:
    """One ffmpeg run of :func:`_process_cmd` over a file."""
    try:
        proc = run_ffmpeg(_process_cmd(str(src), src_rate, chain, out_rate, dyn, kw))
    except OSError as exc:
        raise AudioError(f"cannot run ffmpeg: {exc}") from exc
    if proc.returncode != 0:
        raise _dynamics_failed(proc.returncode, proc.stderr)


class DynamicsPass:
    """Mastering's first run, fed while the bulletin is still being rendered: ffmpeg applies the
    dynamics (and writes the measuring copy) to the PCM as it arrives on its standard input, on
    the other core, so that when the last clip is synthesised the run is nearly done. The raw
    PCM is never written to disk. :func:`master` takes it instead of running the pass itself.
    Use it as a context manager: leaving the block without :meth:`finish` kills ffmpeg and
    removes what it wrote."""

    def __init__(self, pcm_path: Path, sample_rate: int, target: Target, out_rate: int) -> None:
        self.pcm_path, self.sample_rate = pcm_path, sample_rate
        self.dyn, self.kw = _pass_files(pcm_path)
        cmd = _process_cmd("pipe:0", sample_rate, dynamics(target), out_rate, self.dyn, self.kw)
        try:
            self.proc = spawn_ffmpeg(cmd)
        except OSError as exc:
            raise AudioError(f"cannot run ffmpeg: {exc}") from exc
        self.done = False
        _widen(self.proc.stdin)

    def write(self, data: bytes) -> int:
        assert self.proc.stdin is not None
        try:
            return self.proc.stdin.write(data)
        except BrokenPipeError:  # ffmpeg stopped reading: it failed, and says why on stderr
            raise self._failure() from None

    def _failure(self) -> AudioError:
        self.proc.kill()
        _, err = self.proc.communicate()  # closes our end of its stdin, reads what it said
        return _dynamics_failed(self.proc.returncode, err or b"")

    def finish(self) -> None:
        """Wait for the run; its output replaces the raw PCM at ``pcm_path``."""
        _, err = self.proc.communicate()  # end of input, then its error report
        if self.proc.returncode != 0:
            raise _dynamics_failed(self.proc.returncode, err or b"")
        os.replace(self.dyn, self.pcm_path)
        self.done = True

    def __enter__(self) -> DynamicsPass:
        return self

    def __exit__(self, *exc: object) -> None:
        stop_ffmpeg(self.proc)  # left early (an error, Ctrl-C), the run is of no use
        if not self.done:
            for path in (self.dyn, self.kw):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()


def _widen(pipe: Any) -> None:
    """A 1 MB pipe instead of 64 KB (Linux): the renderer writes whole segments without waiting
    for ffmpeg to catch up, so synthesis and the dynamics really run side by side."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        import fcntl

        fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)


def _pass_files(pcm_path: Path) -> tuple[Path, Path]:
    """Where a mastering run writes the processed audio and its K-weighted copy."""
    return pcm_path.with_suffix(".dyn.pcm"), pcm_path.with_suffix(".kw.pcm")


_CHUNK = 1 << 22
"""Bytes read at a time when a whole file is scanned: memory stays flat for an hour of audio
(a memory map would count every page it touched in the process's resident size)."""


def _scan(fd: int, size: int, step: int) -> Iterator[bytes]:
    """The file in chunks of a whole number of ``step``-byte blocks."""
    chunk = max(step, _CHUNK // step * step)
    for at in range(0, size, chunk):
        yield os.pread(fd, min(chunk, size - at), at)


def level_clips(
    dyn: Path, kw: Path, sample_rate: int, spans: Sequence[tuple[int, int]], kw_rate: int | None = None
) -> tuple[list[float], float | None, int]:
    """Bring every clip (``spans`` in ms) of the processed audio in ``dyn`` (at ``sample_rate``) to
    the median clip loudness, measured on its K-weighted copy ``kw`` (at ``kw_rate``, the same
    by default); both files are changed in place, so that ``kw`` still measures ``dyn``. Returns
    each clip's gain (dB), the integrated loudness after, and the highest sample peak after
    (0-32768)."""
    kw_rate = kw_rate or sample_rate
    step = 2 * round(kw_rate * BLOCK_MS / 1000)
    with open(dyn, "r+b") as dyn_file, open(kw, "r+b") as kw_file:
        dyn_fd, kw_fd = dyn_file.fileno(), kw_file.fileno()
        dyn_size, kw_size = os.fstat(dyn_fd).st_size, os.fstat(kw_fd).st_size

        def byte_at(ms: int, rate: int, size: int) -> int:
            return min(size, 2 * round(ms * rate / 1000))

        ranges = [(byte_at(a, kw_rate, kw_size), byte_at(b, kw_rate, kw_size)) for a, b in spans]
        dyn_ranges = [(byte_at(a, sample_rate, dyn_size), byte_at(b, sample_rate, dyn_size)) for a, b in spans]
        measured = [gated_loudness(block_powers(os.pread(kw_fd, b - a, a), 0, b - a, step)) for a, b in ranges]
        known = sorted(m for m in measured if m is not None)
        gains = [0.0] * len(spans)
        if known:
            reference = known[len(known) // 2]
            for i, (m, (a, b), (da, db)) in enumerate(zip(measured, ranges, dyn_ranges, strict=True)):
                if m is None or b <= a:
                    continue
                gains[i] = max(-CLIP_GAIN_LIMIT_DB, min(CLIP_GAIN_LIMIT_DB, reference - m))
                factor = 10 ** (gains[i] / 20)
                os.pwrite(kw_fd, audioop.mul(os.pread(kw_fd, b - a, a), 2, factor), a)
                os.pwrite(dyn_fd, audioop.mul(os.pread(dyn_fd, db - da, da), 2, factor), da)
        powers = [p for chunk in _scan(kw_fd, kw_size, step) for p in block_powers(chunk, 0, len(chunk), step)]
        peak = max((audioop.max(chunk, 2) for chunk in _scan(dyn_fd, dyn_size, step)), default=0)
    return gains, gated_loudness(powers), peak


def limiter(ceiling_dbfs: float) -> str:
    """ffmpeg's limiter with its ceiling (a sample peak, dBFS)."""
    return f"alimiter=limit={10 ** (ceiling_dbfs / 20):.4f}:attack=1:release=50:level=false"


LIMIT_MARGIN_DB = 1.0
"""The final limiter's ceiling under the true-peak target: sample peaks understate true peaks."""
RELEVEL_HEADROOM_DB = 1.0
"""The first limiter works this much lower still, so that the levelling after it (up to about a
dB on the clips it pulled down most) leaves the final limiter almost nothing to do."""
COMPRESSED_LUFS = -27.5
"""Where the dynamics leave speech that :func:`bulletin.mix.level` brought to -20 dBFS RMS:
-27.45 to -27.84 LUFS on both samples, the seed and the eight dev articles. It places the first
limiter before the bulletin has been measured, so one ffmpeg run does all the dynamics."""


def dynamics(target: Target) -> str:
    """The compressor, then a limiter that keeps each clip's peaks within what the target allows
    over its loudness (peak-to-loudness ratio), placed for audio at :data:`COMPRESSED_LUFS`."""
    goal = target.integrated + ENCODER_LOSS_DB
    allowed_plr = target.true_peak - LIMIT_MARGIN_DB - RELEVEL_HEADROOM_DB - goal
    return f"{COMPRESSOR},{limiter(COMPRESSED_LUFS + allowed_plr)}"


def master(
    pcm_path: Path,
    sample_rate: int,
    spans: Sequence[tuple[int, int]],
    target: Target,
    out: Path,
    *,
    bitrate: str,
    out_rate: int,
    streamed: DynamicsPass | None = None,
) -> Mastered:
    """Write ``out``, the MP3 of the raw bulletin in ``pcm_path`` (mono s16le at ``sample_rate``;
    the file is replaced by the processed audio, at the same rate), at ``target``: compressor and
    limiter, clip levelling (``spans``: each clip's start and end in ms), then the gain and a
    safety limiter as the encoder's filter. When the bulletin is far from the usual level (a
    music bed, say) and its peaks would still pass the ceiling, one more run limits at the final
    gain and levels the clips again. ``streamed``: the first run, already fed (it is finished
    here)."""
    dyn, kw = _pass_files(pcm_path)
    goal = target.integrated + ENCODER_LOSS_DB  # what the PCM must measure for the MP3 to meet the target
    ceiling = target.true_peak - LIMIT_MARGIN_DB

    # When the first run was streamed, the encoder is started now and waits on its input while the
    # clips are levelled (its start-up is off the critical path); it is fed the audio with the
    # final gain applied. If the peaks need another limiter run, it is dropped for the usual encode.
    early = _Encoder(sample_rate, out, bitrate, out_rate, f"aresample={out_rate},{limiter(ceiling)}") \
        if streamed is not None else None  # fmt: skip

    def run(chain: str) -> tuple[list[float], float | None, int]:
        _process(pcm_path, sample_rate, chain, out_rate, dyn, kw)
        os.replace(dyn, pcm_path)
        return level_clips(pcm_path, kw, sample_rate, spans, kw_rate=out_rate)

    def first() -> tuple[list[float], float | None, int]:
        if streamed is None:
            return run(dynamics(target))
        streamed.finish()
        return level_clips(pcm_path, kw, sample_rate, spans, kw_rate=out_rate)

    def over(peak: int, gain: float) -> bool:
        return peak > 0 and 20 * math.log10(peak / 32768) + gain > ceiling + PEAK_SLACK_DB

    try:
        clip_gains, before, peak = first()
        gain = max(-30.0, min(30.0, goal - before)) if before is not None else 0.0
        limited = before is not None and over(peak, gain)
        if limited:
            # The limiter pulls the voices with the sharpest peaks (low male voices) down most:
            # limit at the real gain, then level the clips again on what the limiter left.
            again, before, _ = run(f"volume={gain:.3f}dB,{limiter(ceiling - RELEVEL_HEADROOM_DB)}")
            clip_gains = [a + b for a, b in zip(clip_gains, again, strict=True)]
            gain = max(-30.0, min(30.0, goal - before)) if before is not None else 0.0
        if early is not None and not limited:
            # Not limited: the peaks stay under the ceiling (plus the slack) after the gain, so the
            # 16-bit samples can take it before the encoder's limiter without clipping.
            early.feed(pcm_path, 10 ** (gain / 20))
            early = None
    finally:
        if early is not None:
            early.abort()
        for path in (dyn, kw):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    if limited or streamed is None:
        encode_mp3(pcm_path, sample_rate, out, bitrate=bitrate, out_rate=out_rate,
                   filters=f"aresample={out_rate},volume={gain:.3f}dB,{limiter(ceiling)}")  # fmt: skip
    return Mastered(gain, tuple(clip_gains), limited)


class _Encoder:
    """The MP3 encoder, started before its input is ready and fed through a pipe."""

    def __init__(self, sample_rate: int, out: Path, bitrate: str, out_rate: int, filters: str) -> None:
        cmd = encode_cmd("pipe:0", sample_rate, out, bitrate=bitrate, out_rate=out_rate, filters=filters)
        try:
            self.proc = spawn_ffmpeg(cmd)
        except OSError as exc:
            raise AudioError(f"cannot run ffmpeg: {exc}") from exc
        _widen(self.proc.stdin)

    def feed(self, pcm_path: Path, factor: float) -> None:
        """The whole of ``pcm_path`` times ``factor``, then wait for the MP3."""
        assert self.proc.stdin is not None
        try:
            with open(pcm_path, "rb") as fh:
                for chunk in iter(lambda: fh.read(_CHUNK), b""):
                    self.proc.stdin.write(audioop.mul(chunk[: len(chunk) // 2 * 2], 2, factor))
        except BrokenPipeError:
            pass  # the encoder stopped reading: it failed, and says why below
        _, err = self.proc.communicate()
        if self.proc.returncode != 0:
            raise encode_failed(err or b"")

    def abort(self) -> None:
        stop_ffmpeg(self.proc)


PEAK_SLACK_DB = 1.0
"""Peaks this little over the ceiling are left to the final limiter: on the boosted clips of the
voice table's lowest voices that costs at most 0.1 LU, where another ffmpeg run would cost
0.2 s of CPU on the seed. Stranger audio (espeak's peakiest low voices) goes over and gets the
extra run."""
