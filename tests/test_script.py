"""Script building, casting and timing: fast, with the real espeak voice list but no audio."""

from __future__ import annotations

import itertools
import re

from bulletin.article import parse_text
from bulletin.casting import cast
from bulletin.engines.base import Voice
from bulletin.script import build_script
from bulletin.timeline import place

VOICES = tuple(
    Voice(f"t:{i}", "t", f"v{i}", "fr-FR", g)  # type: ignore[arg-type]
    for i, g in enumerate(["m", "f", "m", "f", "m"])
)


def words(s: str) -> list[str]:
    return re.findall(r"\w+", s.lower())


def in_order(needle: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(w in it for w in needle)


def test_casting_is_stable_and_never_anchor() -> None:
    c = cast([("A", None), ("B", "f"), ("A", None), ("C", "m"), ("D", None), ("E", None), ("F", None)], VOICES)
    assert all(v.id != VOICES[0].id for name, v in c.items() if name)
    assert c["B"].gender == "f" and c["C"].gender == "m"
    order = ["A", "B", "C", "D", "E", "F"]
    for a, b in itertools.pairwise(order):
        assert c[a].id != c[b].id


def test_speaker_voice_override_and_quote_cues() -> None:
    art = parse_text("« Il fait beau aujourd'hui », dit Paul Martin.")
    s = build_script(art, VOICES, speaker_voices={"Paul Martin": "t:4"}, announce_quotes=True)
    kinds = [x.kind for x in s.segments]
    assert kinds == ["cue", "quote", "cue", "narration"]
    assert s.segments[1].voice == "t:4" and s.segments[0].spoken == "Citation."


def test_timeline_pauses_and_chapters() -> None:
    art = parse_text("title: T\n\nUn paragraphe.\n\nIntertitre\n\nDeux. « Citation longue ici », dit Paul Martin.")
    s = build_script(art, VOICES)
    tl = place(s, [[1000] * len(seg.sentences) for seg in s.segments])
    starts = [p.start_ms for p in tl.placements]
    assert starts == sorted(starts)
    gaps = [b.start_ms - a.end_ms for a, b in zip(tl.placements, tl.placements[1:], strict=False)]
    assert gaps[0] == 900  # after the title
    heading_i = next(i for i, p in enumerate(tl.placements) if p.segment.kind == "heading")
    assert gaps[heading_i - 1] > gaps[-1]  # around a heading is longer than around a quote
    ch = tl.chapters("Ouverture")
    assert [c.title for c in ch] == ["T", "Intertitre"]  # a leading title opens the first chapter
    untitled = build_script(parse_text("Un paragraphe.\n\nIntertitre\n\nDeux."), VOICES)
    ch2 = place(untitled, [[1000] * len(seg.sentences) for seg in untitled.segments]).chapters("Ouverture")
    assert [c.title for c in ch2] == ["Ouverture", "Intertitre"]
    assert ch[0].end_ms == ch[1].start_ms and ch[-1].end_ms == tl.duration_ms
