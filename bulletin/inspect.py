"""``bulletin inspect``: what a listener's app will see in an MP3 (tags, chapters, loudness)."""

from __future__ import annotations

from pathlib import Path

from .errors import ArticleError, AudioError
from .ffmpeg import probe
from .loudness import measure


def _clock(ms: float) -> str:
    s = ms / 1000
    return f"{int(s // 60)}:{s % 60:06.3f}"


def inspect_file(path: Path) -> str:
    if not path.is_file():
        raise ArticleError(f"no such file: {path}")
    info = probe(path)
    if info.codec is None or info.duration_ms is None:
        raise AudioError(f"{path} is not an audio file ffmpeg can read")
    lines = [f"file:      {path}", f"audio:     {info.codec}, {info.sample_rate} Hz, {_clock(info.duration_ms)}"]
    try:
        from mutagen.id3 import ID3, ID3NoHeaderError

        try:
            tag = ID3(path)
        except ID3NoHeaderError:
            tag = None
        if tag is not None:
            for key in ("TIT2", "TPE1", "TALB", "TDRC", "TLAN", "TCON"):
                if key in tag:
                    lines.append(f"{key}:      {tag[key].text[0]}")
            for frame in tag.getall("TXXX"):
                lines.append(f"TXXX:      {frame.desc} = {frame.text[0]}")
            if tag.getall("APIC"):
                lines.append(f"cover:     {tag.getall('APIC')[0].mime}, {len(tag.getall('APIC')[0].data)} bytes")
            uslt = tag.getall("USLT")
            if uslt:
                lines.append(f"transcript: {len(uslt[0].text.split())} words")
    except Exception as exc:  # a damaged tag should not hide the rest
        lines.append(f"tags:      unreadable ({exc})")
    lines.append(f"chapters:  {len(info.chapters)}")
    for c in info.chapters:
        lines.append(f"  {_clock(c.start_ms)} → {_clock(c.end_ms)}  {c.title}")
    loud = measure(path)
    lines.append(f"loudness:  {loud.integrated:.1f} LUFS integrated, true peak {loud.true_peak:.1f} dBTP, "
                 f"range {loud.lra:.1f} LU")  # fmt: skip
    return "\n".join(lines)
