"""Rendering: clips levelled to one loudness, laid out with silences, streamed to a PCM file.

Clips are pydub segments, but the bulletin itself is never one: it is written clip by clip (a
``+=`` loop over AudioSegments copies every buffer each time and turns quadratic, and holding a
whole hour of audio several times over would not fit the memory goal).
"""

from __future__ import annotations

import audioop
import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from .engines.base import AudioChunk
from .errors import AudioError
from .script import Script
from .timeline import Placer, Timeline

with warnings.catch_warnings():
    # pydub warns at import when no system ffmpeg is on PATH; we hand it the bundled one.
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

SAMPLE_WIDTH = 2
SILENCE_THRESHOLD_DBFS = -50.0
FADE_MS = 5
FADE_OUT_MS = 25
"""espeak-ng often stops a clip at full level and goes on with digital zero: a 25 ms fade-out
over the last sound ends it softly instead of on a cut (5 ms was too short to hear as a fade)."""
LEVEL_TARGET_DBFS = -20.0
_GATE_DBFS = -45.0
_WINDOW_MS = 50


def to_segment(chunk: AudioChunk, sample_rate: int) -> AudioSegment:
    """A clip as a mono 16-bit pydub segment at ``sample_rate``."""
    seg = AudioSegment(
        data=chunk.data, sample_width=chunk.sample_width, frame_rate=chunk.sample_rate, channels=chunk.channels
    )
    if seg.channels != 1:
        seg = seg.set_channels(1)
    if seg.sample_width != SAMPLE_WIDTH:
        seg = seg.set_sample_width(SAMPLE_WIDTH)
    if seg.frame_rate != sample_rate:
        seg = seg.set_frame_rate(sample_rate)
    return seg


def trim(seg: AudioSegment) -> AudioSegment:
    """Cut the engine's leading and trailing silence, so the timeline alone sets the pauses, and
    fade the last sound out (:data:`FADE_OUT_MS`): the fade ends where the sound ends, not on the
    silence after it, where it would soften nothing."""
    if len(seg) == 0:
        return seg
    start = detect_leading_silence(seg, silence_threshold=SILENCE_THRESHOLD_DBFS, chunk_size=5)
    end = detect_leading_silence(seg.reverse(), silence_threshold=SILENCE_THRESHOLD_DBFS, chunk_size=5)
    if start >= len(seg) - end:
        return seg[:0]
    out = seg[max(0, start - 10) : len(seg) - end]
    if len(out) > 2 * FADE_OUT_MS:
        return out.fade_in(FADE_MS).fade_out(FADE_OUT_MS)
    return out.fade_in(FADE_MS).fade_out(FADE_MS) if len(out) > 4 * FADE_MS else out


def speech_level(seg: AudioSegment) -> float | None:
    """Level of the speech in a clip (dBFS), gated so that pauses do not lower it."""
    data = seg.raw_data
    step = SAMPLE_WIDTH * (seg.frame_rate * _WINDOW_MS // 1000)
    full = 32768.0
    energies = []
    for i in range(0, len(data) - step + 1, step):
        rms = audioop.rms(data[i : i + step], SAMPLE_WIDTH)
        if rms and 20 * math.log10(rms / full) > _GATE_DBFS:
            energies.append((rms / full) ** 2)
    if not energies:
        return None
    return 10 * math.log10(sum(energies) / len(energies))


def level(seg: AudioSegment, target_dbfs: float = LEVEL_TARGET_DBFS) -> AudioSegment:
    """Bring a clip's speech to ``target_dbfs`` (plain RMS): a first levelling, so the compressor
    sees every voice at about one level. The levelling that the loudness promise rests on is
    K-weighted and comes after the dynamics, in :func:`bulletin.loudness.master`."""
    current = speech_level(seg)
    if current is None:
        return seg
    return seg.apply_gain(max(-20.0, min(15.0, target_dbfs - current)))


def load_audio(path: Path, sample_rate: int) -> AudioSegment:
    """A jingle or music file as mono PCM at ``sample_rate``; a clear error when it is not audio."""
    from .ffmpeg import decode_to_pcm

    if not path.is_file():
        raise AudioError(f"no such audio file: {path}")
    try:
        pcm = decode_to_pcm(path, sample_rate)
    except AudioError as exc:
        raise AudioError(f"{path} is not an audio file ffmpeg can read") from exc
    if not pcm:
        raise AudioError(f"{path} holds no audio")
    return AudioSegment(data=pcm, sample_width=SAMPLE_WIDTH, frame_rate=sample_rate, channels=1)


def chime(sample_rate: int) -> AudioSegment:
    """A short two-note chime made in code, so a default exists offline."""
    from pydub.generators import Sine

    a = Sine(880, sample_rate=sample_rate).to_audio_segment(duration=180, volume=-18).fade_out(120)
    b = Sine(1318.5, sample_rate=sample_rate).to_audio_segment(duration=420, volume=-18).fade_out(380)
    out = (a + b).set_channels(1).set_sample_width(SAMPLE_WIDTH)
    return out.fade_in(5)


def speech_spans(timeline: Timeline) -> list[tuple[int, int]]:
    """Start and end (ms) of every spoken clip, the unit that mastering levels; jingles are
    not clips and keep their own level."""
    return [(q.start_ms, q.end_ms) for p in timeline.placements for q in p.parts if q.end_ms > q.start_ms]


def _ms_frames(ms: int, rate: int) -> int:
    return round(ms * rate / 1000)


class StreamRenderer:
    """The bulletin's PCM written to ``out`` segment by segment, in order, as their clips become
    available (:meth:`feed`), then its timeline (:meth:`finish`). Fed while synthesis is still
    going on, it lets the first mastering pass work on the other core meanwhile.

    Only one segment's clips are in memory at a time (a 60-minute bulletin is 160 MB of PCM at
    22 kHz). Jingles are padded to whole milliseconds so every later timing stays exact.
    """

    def __init__(
        self,
        script: Script,
        sample_rate: int,
        out: BinaryIO,
        *,
        pause_scale: float = 1.0,
        head: AudioSegment | None = None,
    ) -> None:
        self.script, self.sample_rate, self.out = script, sample_rate, out
        self.written = 0  # frames
        self.fed = 0  # segments
        offset = 0
        if head is not None and len(head.raw_data):
            offset = round(len(head.raw_data) / SAMPLE_WIDTH * 1000 / sample_rate)
            self._write_at(0, head.raw_data)
        self.placer = Placer(pause_scale, offset)

    def _write_at(self, ms: int, data: bytes) -> None:
        frame = _ms_frames(ms, self.sample_rate)
        if frame > self.written:
            self.out.write(b"\0" * ((frame - self.written) * SAMPLE_WIDTH))
            self.written = frame
        self.out.write(data)
        self.written += len(data) // SAMPLE_WIDTH

    def feed(self, chunks: Sequence[AudioChunk]) -> None:
        """The clips of the next segment, in order."""
        i, seg, placer = self.fed, self.script.segments[self.fed], self.placer
        placer.gap_before(seg)
        start = placer.t
        parts = []
        for j, chunk in enumerate(chunks):
            clip = level(trim(to_segment(chunk, self.sample_rate)))
            dur = round(len(clip.raw_data) / SAMPLE_WIDTH * 1000 / self.sample_rate)
            placer.sentence_gap(j, dur)
            self._write_at(placer.t, clip.raw_data)
            parts.append(placer.part(seg, j, dur))
        placer.close(i, seg, start, parts)
        self.fed += 1

    def finish(self, tail: AudioSegment | None = None) -> Timeline:
        """The closing jingle, the trailing silence, and the timeline of what was written."""
        rate = self.sample_rate
        tail_ms = round(len(tail.raw_data) / SAMPLE_WIDTH * 1000 / rate) if tail is not None else 0
        timeline = self.placer.finish(tail_ms)
        end_speech = timeline.duration_ms - tail_ms
        if tail is not None and tail_ms:
            self._write_at(end_speech, tail.raw_data)
        self._write_at(timeline.duration_ms, b"")
        return timeline


BED_LEVEL = 0.3  # the bed's gain before ducking (about -10 dB)


def mix_bed(pcm_path: Path, music: Path, sample_rate: int) -> None:
    """Lay a music bed under the speech in ``pcm_path`` (raw mono s16le), ducked while anyone
    speaks: ffmpeg's sidechaincompress, keyed by the speech itself, pulls the bed down by about
    20 dB within 20 ms of a voice and lets it back up in the pauses."""
    import os

    from .ffmpeg import ffmpeg_exe, run_ffmpeg

    raw = ["-f", "s16le", "-ar", str(sample_rate), "-ac", "1"]
    graph = (
        f"[0:a]asplit=2[speech][key];"
        f"[1:a]aresample={sample_rate},aformat=channel_layouts=mono,volume={BED_LEVEL}[bed];"
        "[bed][key]sidechaincompress=threshold=0.01:ratio=20:attack=20:release=500:makeup=1[ducked];"
        "[speech][ducked]amix=inputs=2:duration=first:normalize=0[out]"
    )
    tmp = pcm_path.with_suffix(".bed.pcm")
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        *raw,
        "-i",
        str(pcm_path),
        "-stream_loop",
        "-1",
        "-i",
        str(music),
        "-filter_complex",
        graph,
        "-map",
        "[out]",
        *raw,
        "-y",
        str(tmp),
    ]
    try:
        proc = run_ffmpeg(cmd)
        if proc.returncode != 0:
            raise AudioError(f"cannot mix the music bed {music}: {proc.stderr.decode(errors='replace')[-200:]}")
        os.replace(tmp, pcm_path)
    finally:
        if tmp.exists():
            tmp.unlink()
