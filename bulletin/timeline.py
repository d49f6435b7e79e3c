"""Placing clips in time: the one source of timing for every output.

Pauses depend on the boundary between two segments: a breath between sentences, a longer one
between paragraphs, longer still around a heading, and a beat before and after a quote so the
change of voice is heard. Every sentence is its own clip, so every output (ID3 chapters,
captions, chapters JSON, DAISY SMIL, manifest) reads exact times from here.
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
    "sentence": 200,
    "cue": 200,
    "intro": 700,
    "tail": 600,
}


@dataclass(frozen=True)
class Part:
    """One sentence placed in time."""

    start_ms: int
    end_ms: int
    text: str
    spoken: str


@dataclass(frozen=True)
class Placement:
    """A segment placed on the bulletin's time axis."""

    index: int
    segment: Segment
    start_ms: int
    end_ms: int
    parts: tuple[Part, ...] = ()


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

    def chapters(self, opening_title: str) -> tuple[ChapterMark, ...]:
        """A chapter per title (one per story in an edition) and per sub-heading. What comes
        before the first one (an opening, or a story without a title) is the opening chapter;
        a leading title simply starts at 0."""
        starts = [(p.segment.text, p.start_ms) for p in self.placements if p.segment.kind in ("title", "heading")]
        first_title = next((i for i, p in enumerate(self.placements) if p.segment.kind == "title"), None)
        if first_title is not None and all(p.segment.kind in ("intro", "cue") for p in self.placements[:first_title]):
            starts[0] = (starts[0][0], 0)  # the opening (jingle, show and date) belongs to the first story
        marks: list[tuple[str, int]] = []
        if not starts or starts[0][1] > 0:
            marks.append((opening_title, 0))
        marks.extend(starts)
        return tuple(
            ChapterMark(title, start, marks[i + 1][1] if i + 1 < len(marks) else self.duration_ms)
            for i, (title, start) in enumerate(marks)
        )


def pause_between(prev: Segment | None, cur: Segment, scale: float = 1.0) -> int:
    """Silence before ``cur`` given the segment before it."""
    if prev is None:
        ms = PAUSES["lead_in"]
    elif "intro" in (prev.kind, cur.kind) or "outro" in (prev.kind, cur.kind):
        ms = PAUSES["intro"]
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


class Placer:
    """Places segments one after another; used whole by :func:`place` and clip by clip by the
    streaming renderer, so both follow the same pause rules."""

    def __init__(self, pause_scale: float = 1.0, start_ms: int = 0) -> None:
        self.scale = pause_scale
        self.t = start_ms
        self.prev: Segment | None = None
        self.placements: list[Placement] = []

    def gap_before(self, seg: Segment) -> int:
        """Silence before ``seg``; call once per segment, before its sentences."""
        gap = pause_between(self.prev, seg, self.scale)
        self.t += gap
        return gap

    def sentence_gap(self, index: int, duration: int) -> int:
        """Silence before sentence ``index`` of the current segment."""
        gap = round(PAUSES["sentence"] * self.scale) if index and duration else 0
        self.t += gap
        return gap

    def add(self, index: int, seg: Segment, durations: Sequence[int]) -> Placement:
        self.gap_before(seg)
        start = self.t
        parts: list[Part] = []
        for j, dur in enumerate(durations):
            self.sentence_gap(j, dur)
            parts.append(self.part(seg, j, dur))
        return self.close(index, seg, start, parts)

    def part(self, seg: Segment, j: int, dur: int) -> Part:
        sent = seg.sentences[j] if j < len(seg.sentences) else None
        part = Part(self.t, self.t + dur, sent.text if sent else seg.text, sent.spoken if sent else seg.spoken)
        self.t += dur
        return part

    def close(self, index: int, seg: Segment, start: int, parts: list[Part]) -> Placement:
        placement = Placement(index, seg, start, self.t, tuple(parts))
        self.placements.append(placement)
        self.prev = seg
        return placement

    def finish(self, extra_ms: int = 0) -> Timeline:
        """The timeline, with the closing pause and ``extra_ms`` of audio after it (an outro)."""
        self.t += round(PAUSES["tail"] * self.scale)
        return Timeline(tuple(self.placements), self.t + extra_ms)


def place(script: Script, durations_ms: Sequence[Sequence[int]], pause_scale: float = 1.0) -> Timeline:
    """Lay segments (and their sentences) end to end with the pauses their boundaries call for.

    ``durations_ms[i][j]`` is the length of sentence ``j`` of segment ``i``.
    """
    if len(durations_ms) != len(script.segments):
        raise ValueError("one list of durations per segment is needed")
    placer = Placer(pause_scale)
    for i, (seg, durs) in enumerate(zip(script.segments, durations_ms, strict=True)):
        placer.add(i, seg, durs)
    return placer.finish()
