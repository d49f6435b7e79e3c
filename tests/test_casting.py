"""Casting on the real espeak-ng voice list: gender, one voice per person, distinct voices,
pitch preference, the neutral voice for unknown speakers, overrides."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from bulletin.casting import cast, preference
from bulletin.engines import get_engine
from bulletin.engines.base import Voice
from bulletin.errors import ConfigError, UnknownVoiceError
from bulletin.settings import parse_pairs

VOICES = get_engine("espeak").voices("fr-FR")
ANCHOR = VOICES[0]


def test_real_voice_list_has_both_genders() -> None:
    # the rules below are only meaningful if the pool offers women's and men's voices
    pool = VOICES[1:]
    assert {v.gender for v in pool} == {"f", "m"}


def test_women_get_female_voices_men_male_unknown_never_female() -> None:
    speakers = [("Anne", "f"), ("Paul", "m"), ("X", None), ("Léa", "f"), ("Marc", "m"), ("Y", None)]
    c = cast(speakers, VOICES)  # type: ignore[arg-type]
    assert c.speakers["Anne"].gender == "f" and c.speakers["Léa"].gender == "f"
    assert c.speakers["Paul"].gender == "m" and c.speakers["Marc"].gender == "m"
    assert c.speakers["X"].gender != "f" and c.speakers["Y"].gender != "f"
    assert ANCHOR not in c.speakers.values()


def test_one_voice_per_speaker_and_no_sharing_while_the_pool_lasts() -> None:
    speakers = [("A", "f"), ("B", "m"), ("A", "f"), ("C", "f"), ("B", "m"), ("D", "m"), ("E", None)]
    c = cast(speakers, VOICES)  # type: ignore[arg-type]
    voices = [c.speakers[n].id for n in "ABCDE"]
    assert len(set(voices)) == 5


def test_same_input_same_casting() -> None:
    speakers = [("A", None), ("B", "f"), ("C", "m")]
    assert cast(speakers, VOICES) == cast(list(speakers), tuple(VOICES))  # type: ignore[arg-type]


def test_more_speakers_than_voices_reuse_least_used_never_the_previous_one() -> None:
    women = [(f"F{i}", "f") for i in range(7)]
    c = cast(women, VOICES)  # type: ignore[arg-type]
    female = [v for v in VOICES[1:] if v.gender == "f"]
    assert {c.speakers[n].id for n, _ in women} == {v.id for v in female}
    assert all(c.speakers[n].gender == "f" for n, _ in women)
    for (a, _), (b, _) in itertools.pairwise(women):
        assert c.speakers[a].id != c.speakers[b].id


def with_pitch(hz: dict[str, float]) -> tuple[Voice, ...]:
    return tuple(dataclasses.replace(v, f0_hz=hz.get(v.name)) for v in VOICES)


def test_voices_furthest_in_pitch_from_the_anchor_come_first() -> None:
    # anchor 100 Hz; m7 at 125 Hz (+3.9 st) beats m8 at 89 Hz (-2.0 st) and m3 at 94 Hz (-1.1 st)
    voices = with_pitch({"fr": 100.0, "fr+m3": 94.0, "fr+m8": 89.0, "fr+m7": 125.0})
    ranked = [v.name for v in preference(voices[1:], voices[0]) if v.gender == "m"]
    assert ranked[:3] == ["fr+m7", "fr+m8", "fr+m3"]
    assert ranked[3:] == ["fr+m4"]  # not measured: after the measured ones, in the engine's order
    c = cast([("Paul", "m"), ("Marc", "m")], voices)
    assert c.speakers["Paul"].name == "fr+m7" and c.speakers["Marc"].name == "fr+m8"


def test_without_measurements_the_engine_order_is_kept() -> None:
    unmeasured = with_pitch({})
    assert preference(unmeasured[1:], unmeasured[0]) == list(unmeasured[1:])


def test_unknown_speakers_get_the_neutral_voice_kept_apart() -> None:
    men = [(f"M{i}", "m") for i in range(3)]
    c = cast(men, VOICES, unknown=True)  # type: ignore[arg-type]
    assert c.neutral.gender != "f" and c.neutral != ANCHOR
    assert c.voice_for(None) == c.neutral
    assert c.neutral.id not in {v.id for v in c.speakers.values()}
    # once every other male voice is taken, the neutral voice is shared rather than a woman's used
    many = [(f"M{i}", "m") for i in range(5)]
    c2 = cast(many, VOICES, unknown=True)  # type: ignore[arg-type]
    assert all(v.gender == "m" for v in c2.speakers.values())
    assert c2.neutral.id in {v.id for v in c2.speakers.values()}


def test_an_unknown_woman_gets_a_neutral_female_voice_kept_apart() -> None:
    """Issue 22: the only wrong-gender voices left were women's unattributed quotes read in the
    (male) neutral voice. When the text shows the unknown speaker is a woman, a female voice is
    used, reserved like the neutral one: named women take it last."""
    women = [("Anne", "f"), ("Léa", "f")]
    c = cast(women, VOICES, unknown=True, unknown_female=True)  # type: ignore[arg-type]
    assert c.neutral_female is not None and c.neutral_female.gender == "f" and c.neutral_female != ANCHOR
    assert c.voice_for(None, "f") == c.neutral_female and c.voice_for(None, "m") == c.neutral
    assert c.voice_for(None) == c.neutral and c.neutral.gender != "f"
    assert c.neutral_female.id not in {v.id for v in c.speakers.values()}
    plain = cast(women, VOICES, unknown=True)  # type: ignore[arg-type]
    assert plain.neutral_female is None and plain.voice_for(None, "f") == plain.neutral


def test_the_script_and_render_keep_the_neutral_female_voice(tmp_path: object) -> None:
    from bulletin.readers.model import Article, Block
    from bulletin.render import from_document
    from bulletin.script import build_script

    article = Article(title="Le marché", date="2026-11-20", source=None, blocks=(
        Block("paragraph", "Le marché couvert a rouvert samedi."),
        Block("paragraph", "« Les clients reviennent », a-t-elle confié."),
    ))  # fmt: skip
    script = build_script(article, VOICES)
    quotes = [s for s in script.segments if s.kind == "quote"]
    assert [s.speaker for s in quotes] == [None]
    doc = script.to_json()
    if quotes[0].gender == "f":  # the pronoun settles her gender: a female voice, in the JSON too
        assert doc["neutral_female"] == quotes[0].voice and script.voices[quotes[0].voice].gender == "f"
    # a script edited to say the unknown speaker is a woman is spoken in the neutral female voice
    for seg in doc["segments"]:
        if seg["kind"] == "quote":
            seg["gender"], seg["cast_voice"], seg["voice"] = "f", None, None
    doc["neutral"] = doc["neutral_female"] = None
    edited = from_document(doc, VOICES)
    spoken = [s for s in edited.script.segments if s.kind == "quote"]
    assert all(edited.script.voices[s.voice].gender == "f" for s in spoken)
    assert edited.to_json()["neutral_female"] == spoken[0].voice and edited.neutral != spoken[0].voice


def test_neutral_voice_is_an_ungendered_one_when_the_engine_has_it() -> None:
    extra = Voice("espeak:fr+x", "espeak", "fr+x", "fr-FR", None)
    c = cast([("A", "m")], (*VOICES, extra), unknown=True)
    assert c.neutral == extra


def test_overrides_win_and_unknown_names_are_warnings() -> None:
    c = cast([("Paul", "m")], VOICES, {"Paul": "espeak:fr+f4", "Paulo": "fr+m3"})
    assert c.speakers["Paul"].id == "espeak:fr+f4"
    assert len(c.warnings) == 1 and "Paulo" in c.warnings[0] and "Paul" in c.warnings[0]
    with pytest.raises(UnknownVoiceError, match="no voice 'fr\\+zz'"):
        cast([("Paul", "m")], VOICES, {"Paul": "fr+zz"})


def test_speakers_of_different_stories_may_share_but_a_person_keeps_one_voice() -> None:
    speakers = [("A", "f"), ("B", "f"), ("A", "f"), ("C", "f"), ("D", "f"), ("E", "f")]
    stories = [0, 0, 1, 1, 2, 2]
    c = cast(speakers, VOICES, stories=stories)  # type: ignore[arg-type]
    assert c.speakers["A"].id != c.speakers["B"].id and c.speakers["A"].id != c.speakers["C"].id
    assert c.speakers["D"].id != c.speakers["E"].id


def test_no_voice_at_all_is_an_error_and_parse_pairs() -> None:
    with pytest.raises(UnknownVoiceError):
        cast([("A", None)], ())
    assert parse_pairs(["Johan Peeters=espeak:fr+m3"]) == {"Johan Peeters": "espeak:fr+m3"}
    with pytest.raises(ConfigError, match="NAME=VOICE"):
        parse_pairs(["nobody"])


def test_casting_never_gives_a_named_or_unknown_speaker_a_lent_voice_while_an_own_one_is_free() -> None:
    """Rule 6: lent voices (Piper's espeak-ng stand-ins) come after every own voice, the
    reserved neutral one included, and the casting says once that it used one."""
    own = [Voice(f"p:{n}", "p", n, "fr-FR", g, f0_hz=hz)  # type: ignore[arg-type]
           for n, g, hz in (("a", "f", 210.0), ("b", "m", 110.0), ("c", "f", 230.0))]  # fmt: skip
    lent = [Voice(f"p:x{n}", "p", f"x{n}", "fr-FR", g, f0_hz=hz, stand_in="get more")  # type: ignore[arg-type]
            for n, g, hz in (("1", "m", 70.0), ("2", "f", 250.0), ("3", "m", 140.0))]  # fmt: skip
    c = cast([("Anne", "f"), ("Bob", "m")], [*own, *lent], unknown=True)
    # Bob takes the one own male voice, though it is the one unknown speakers read in
    assert c.speakers == {"Anne": own[2], "Bob": own[1]} and c.neutral == own[1] and c.warnings == ()
    c = cast([("Anne", "f"), ("Bob", "m"), ("Carl", "m"), ("Dan", "m")], [*own, *lent])
    assert c.speakers["Carl"] == lent[0] and c.warnings == ("get more",)  # said once for two lent voices
    assert c.speakers["Dan"] == lent[2] and own[0] not in c.speakers.values()  # never the anchor's voice
