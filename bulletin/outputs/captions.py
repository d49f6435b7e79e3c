"""WebVTT and SRT captions: one cue per sentence, with ``<v Speaker>`` voice tags in VTT."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .writing import clean_text, write_text

if TYPE_CHECKING:
    from ..result import BulletinResult


def _stamp(ms: int, sep: str) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{milli:03d}"


def _escape(text: str) -> str:
    return clean_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cues(result: BulletinResult) -> Iterator[tuple[int, int, str, str]]:
    """(start ms, end ms, who is heard, text) for every spoken sentence, in order."""
    for p in result.timeline.placements:
        for part in p.parts:
            text = " ".join(clean_text(part.text or part.spoken).split()).lstrip(",;: ")
            if text and part.end_ms > part.start_ms:
                yield part.start_ms, part.end_ms, p.segment.label, text


def write_vtt(result: BulletinResult, path: Path) -> Path:
    lines = ["WEBVTT", "", f"NOTE {_escape(result.script.title)}", ""]
    for n, (start, end, speaker, text) in enumerate(cues(result), 1):
        voice = _escape(speaker).replace("\n", " ")
        lines += [str(n), f"{_stamp(start, '.')} --> {_stamp(end, '.')}", f"<v {voice}>{_escape(text)}", ""]
    return write_text(path, "\n".join(lines))


def write_srt(result: BulletinResult, path: Path) -> Path:
    lines = []
    for n, (start, end, speaker, text) in enumerate(cues(result), 1):
        prefix = f"{speaker} : " if speaker else ""
        lines += [str(n), f"{_stamp(start, ',')} --> {_stamp(end, ',')}", prefix + text, ""]
    return write_text(path, "\n".join(lines))
