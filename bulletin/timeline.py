"""Placing clips in time: the one source of timing for every output.

Pauses depend on the boundary between two segments: a breath inside a paragraph, a longer
one between paragraphs, longer still around a heading, and a beat before and after a quote so
the change of voice is heard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .script import Script, Segment

# Milliseconds of silence at each kind of boundary.
PAUSES = {
    "lead_in": 300,
    "after_title": 900,
    "before_heading": 1000,
    "after_heading": 600,
    "paragraph": 650,
    "quote": 400,
    "within": 250,
    "cue": 200,
    "tail": 600,
}


@dataclass(frozen=True)
class Placement:
    """A segment placed on the bulletin's time axis."""

    index: int
    segment: Segment
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class ChapterMark:
    """A chapter: the opening, or one heading's section."""

    title: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Timeline:
    placements: tuple[Placement, ...]
    duration_ms: int
    pauses_before: tuple[int, ...]
    """Silence inserted before each placement, in ms (the render reads it)."""

    def chapters(self, opening_title: str) -> tuple[ChapterMark, ...]:
        """An opening chapter for what precedes the first heading, then one per heading."""
        starts: list[tuple[str, int]] = []
        for p in self.placements:
            if p.segment.kind == "heading":
                starts.append((p.segment.text, p.start_ms - min(300, self.pauses_before[p.index] // 2)))
        marks: list[tuple[str, int]] = []
        if not starts or starts[0][1] > 0:
            marks.append((opening_title, 0))
        marks.extend(starts)
        out = []
        for i, (title, start) in enumerate(marks):
            end = marks[i + 1][1] if i + 1 < len(marks) else self.duration_ms
            out.append(ChapterMark(title, max(0, start), end))
        return tuple(out)


def pause_between(prev: Segment | None, cur: Segment, scale: float = 1.0) -> int:
    """Silence before ``cur`` given the segment before it."""
    if prev is None:
        ms = PAUSES["lead_in"]
    elif cur.kind == "cue" or prev.kind == "cue":
        ms = PAUSES["cue"]
    elif prev.kind == "title":
        ms = PAUSES["after_title"]
    elif cur.kind == "heading":
        ms = PAUSES["before_heading"]
    elif prev.kind == "heading":
        ms = PAUSES["after_heading"]
    elif prev.block != cur.block:
        ms = PAUSES["paragraph"]
    elif "quote" in (prev.kind, cur.kind):
        ms = PAUSES["quote"]
    else:
        ms = PAUSES["within"]
    return round(ms * scale)


def place(script: Script, durations_ms: Sequence[int], pause_scale: float = 1.0) -> Timeline:
    """Lay segments end to end with the pauses their boundaries call for."""
    if len(durations_ms) != len(script.segments):
        raise ValueError("one duration per segment is needed")
    t = 0
    placements: list[Placement] = []
    pauses: list[int] = []
    prev: Segment | None = None
    for i, (seg, dur) in enumerate(zip(script.segments, durations_ms, strict=True)):
        gap = pause_between(prev, seg, pause_scale)
        pauses.append(gap)
        t += gap
        placements.append(Placement(i, seg, t, t + dur))
        t += dur
        prev = seg
    t += round(PAUSES["tail"] * pause_scale)
    return Timeline(tuple(placements), t, tuple(pauses))
