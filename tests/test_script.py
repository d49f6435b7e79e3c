"""Script building, casting and timing: fast, with the real espeak voice list but no audio."""

from __future__ import annotations

import itertools
import re

from bulletin.article import parse_text
from bulletin.casting import cast
from bulletin.engines import get_engine
from bulletin.script import build_script
from bulletin.timeline import place

# The real espeak-ng voice list (the anchor first); listing voices loads no library.
VOICES = get_engine("espeak").voices("fr-FR")


def words(s: str) -> list[str]:
    return re.findall(r"\w+", s.lower())


def in_order(needle: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(w in it for w in needle)


def test_casting_is_stable_and_never_anchor() -> None:
    c = cast([("A", None), ("B", "f"), ("A", None), ("C", "m"), ("D", None), ("E", None), ("F", None)], VOICES)
    assert all(v.id != VOICES[0].id for v in c.speakers.values())
    assert c.speakers["B"].gender == "f" and c.speakers["C"].gender == "m"
    order = ["A", "B", "C", "D", "E", "F"]
    for a, b in itertools.pairwise(order):
        assert c.speakers[a].id != c.speakers[b].id
    assert cast([("A", None), ("B", "f")], VOICES) == cast([("A", None), ("B", "f")], VOICES)


def test_speaker_voice_override_and_quote_cues() -> None:
    art = parse_text("« Il fait beau aujourd'hui », dit Paul Martin.")
    s = build_script(art, VOICES, speaker_voices={"Paul Martin": "espeak:fr+m7"}, announce_quotes=True)
    kinds = [x.kind for x in s.segments]
    assert kinds == ["cue", "quote", "cue", "narration"]
    assert s.segments[1].voice == "espeak:fr+m7" and s.segments[0].spoken == "Citation."
    assert s.warnings == ()


def test_override_for_nobody_is_a_warning() -> None:
    art = parse_text("« Il fait beau aujourd'hui », dit Paul Martin.")
    s = build_script(art, VOICES, speaker_voices={"Paul Matin": "espeak:fr+m7"})
    assert len(s.warnings) == 1
    assert "Paul Matin" in s.warnings[0] and "Paul Martin" in s.warnings[0]
    assert s.to_json()["warnings"] == list(s.warnings)


def test_json_has_gender_and_attribution_on_quotes_only() -> None:
    art = parse_text(
        "title: T\n\nLa maire, Anne Roux, était là. « Le pont ouvrira en juin », a-t-elle dit. "
        "Le stade était plein. « Quelle ambiance ! »"
    )
    data = build_script(art, VOICES).to_json()
    for seg in data["segments"]:
        assert {"kind", "text", "spoken", "speaker", "voice", "gender", "attribution"} <= set(seg)
        if seg["kind"] != "quote":
            assert seg["gender"] is None and seg["attribution"] is None and seg["speaker"] is None
    quotes = [seg for seg in data["segments"] if seg["kind"] == "quote"]
    assert quotes[0]["speaker"] == "Anne Roux" and quotes[0]["gender"] == "f"
    assert quotes[0]["attribution"]["rule"] == "incise" and 0.5 <= quotes[0]["attribution"]["confidence"] <= 1
    assert quotes[1]["speaker"] is None and quotes[1]["attribution"] == {"rule": "none", "confidence": 0.0}
    voices = {v.id: v for v in VOICES}
    assert voices[quotes[0]["voice"]].gender == "f"
    # the unknown speaker's neutral voice is not female, and not the named speaker's
    assert voices[quotes[1]["voice"]].gender != "f" and quotes[1]["voice"] != quotes[0]["voice"]
    assert "une voix" not in {seg["speaker"] for seg in data["segments"]}


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


def test_guesses_and_article_repairs_are_in_the_json_warnings() -> None:
    """Issue 22: a speaker named on weak evidence is flagged, numbered as in the table; the
    article reader's repairs (here an impossible date) are in the script's warnings too."""
    art = parse_text(
        "title: Essai\ndate: 2019-13-45\n\nLéa Martin a pris la parole devant le conseil.\n\n"
        "« Nous ne fermerons pas l'école. »\n\n« Elle a déclaré : tout ira bien », écrit Paul Roux.\n"
    )
    s = build_script(art, VOICES)
    doc = s.to_json()
    assert any("2019-13-45" in w for w in doc["warnings"])
    guesses = [w for w in doc["warnings"] if "is a guess" in w]
    assert len(guesses) == 1 and "Léa Martin" in guesses[0]
    number = int(re.match(r"segment (\d+)", guesses[0])[1])  # type: ignore[index]
    flagged = s.segments[number - 1]
    assert flagged.kind == "quote" and flagged.speaker == "Léa Martin"
    assert flagged.attribution is not None and flagged.attribution.low
    sure = [x for x in s.segments if x.speaker == "Paul Roux"]
    assert sure and all(x.attribution is not None and not x.attribution.low for x in sure)
    assert len(doc["warnings"]) == len(set(doc["warnings"]))
