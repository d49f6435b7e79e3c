"""Casting: one voice per speaker for the whole bulletin, never the anchor's.

The rules, in order:

1. An explicit ``--speaker-voice NAME=VOICE`` wins. A NAME that matches no speaker is reported
   in :attr:`Casting.warnings` (the CLI prints them).
2. A woman gets a female voice and a man a male voice (``Voice.gender``). A speaker whose gender
   the text does not settle gets a voice that is *not* female: a woman read by a man's voice is
   a worse mistake to hear than the reverse is likely, and male voices are the larger share of
   news speakers. If the engine has no voice of the wanted kind, any quote voice is used.
3. Among the voices of the right gender, those whose measured median pitch (``Voice.f0_hz``) is
   furthest from the anchor's come first, so quotes stand out; voices with no measurement keep
   the engine's order after them. The order is stable: the same script always casts the same way.
4. Speakers take voices in order of first appearance. Two speakers of one story never share a
   voice while the pool has voices of their gender left; only then are voices reused, the least
   used first, and never the voice of the speaker just before.
5. Quotes whose speaker is unknown (``speaker: None``) are read in one *neutral quote voice*: a
   voice with no stated gender if the engine has one, else the non-female voice that comes last
   in rule 3's order (the one named speakers would reach last). It is reserved: named speakers
   get it only when every other voice of their gender is taken in their story. So a listener
   never hears an unknown speaker in the voice of someone named, while the pool allows.
   An unknown speaker the text still shows to be a woman ("a-t-elle ajouté" with no one it can
   name) is read in a *neutral female voice* instead, reserved the same way: the female voice
   named women would reach last. A woman's words in a man's voice are the mistake rule 2 exists
   to avoid, and they were the only wrong-gender voices left.
6. An engine may lend voices from elsewhere (``Voice.stand_in``: Piper lends espeak-ng's when
   too few natural voices are installed). They come after all the engine's own voices in
   rule 3's order, are never the neutral voice while an own voice can be, come after the
   reserved neutral voice (a natural voice shared with unknown speakers beats a lent one), and
   are still preferred to two speakers of one story in the same voice. When the
   casting gives one, :attr:`Casting.warnings` says so once, with the engine's advice (for Piper,
   the command that installs a cast).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .engines.base import Voice, find_voice
from .errors import UnknownVoiceError
from .quotes import Gender


def semitones_from(voice: Voice, anchor: Voice) -> float | None:
    """How far a voice's median pitch is from the anchor's, in semitones (None if unmeasured)."""
    if not voice.f0_hz or not anchor.f0_hz or voice.f0_hz <= 0 or anchor.f0_hz <= 0:
        return None
    return abs(12.0 * math.log2(voice.f0_hz / anchor.f0_hz))


def preference(pool: Sequence[Voice], anchor: Voice) -> list[Voice]:
    """Quote voices: the engine's own before lent ones (rule 6), then those furthest in pitch
    from the anchor first, unmeasured ones after, in the engine's order (a stable sort, so the
    order never depends on anything else)."""
    indexed = list(enumerate(pool))

    def key(item: tuple[int, Voice]) -> tuple[bool, int, float, int]:
        i, v = item
        d = semitones_from(v, anchor)
        return (bool(v.stand_in), 0, -d, i) if d is not None else (bool(v.stand_in), 1, 0.0, i)

    return [v for _, v in sorted(indexed, key=key)]


@dataclass(frozen=True)
class Casting:
    """Who speaks in which voice."""

    anchor: Voice
    """The anchor's voice (narration, titles, cues)."""
    neutral: Voice
    """The voice for quotes whose speaker the text does not settle."""
    neutral_female: Voice | None = None
    """The voice for such quotes when the text shows the speaker is a woman (None: ``neutral``)."""
    speakers: dict[str, Voice] = field(default_factory=dict)
    """Speaker → voice, one voice per speaker for the whole bulletin."""
    warnings: tuple[str, ...] = ()
    """Plain-English notes for the user (an override that matched no speaker)."""

    def voice_for(self, speaker: str | None, gender: Gender | None = None) -> Voice:
        if speaker is None:
            return self.neutral_female if gender == "f" and self.neutral_female else self.neutral
        return self.speakers.get(speaker, self.neutral)


def _candidates(ranked: Sequence[Voice], gender: Gender | None) -> list[Voice]:
    if gender == "f":
        wanted = [v for v in ranked if v.gender == "f"]
    elif gender == "m":
        wanted = [v for v in ranked if v.gender == "m"] or [v for v in ranked if v.gender is None]
    else:
        wanted = [v for v in ranked if v.gender != "f"]
    return wanted or list(ranked)


def _neutral(ranked: Sequence[Voice]) -> Voice:
    own = [v for v in ranked if not v.stand_in] or list(ranked)
    ungendered = [v for v in own if v.gender is None]
    if ungendered:
        return ungendered[0]
    return _candidates(own, None)[-1]


def _neutral_female(ranked: Sequence[Voice]) -> Voice | None:
    """The female voice named women reach last (rule 3's order), the engine's own first."""
    women = [v for v in ranked if v.gender == "f" and not v.stand_in] or [v for v in ranked if v.gender == "f"]
    return women[-1] if women else None


def cast(
    speakers: Sequence[tuple[str, Gender | None]],
    voices: Sequence[Voice],
    overrides: Mapping[str, str] | None = None,
    *,
    stories: Sequence[int] | None = None,
    unknown: bool = False,
    unknown_female: bool = False,
) -> Casting:
    """Cast every speaker (in order of appearance, repeats allowed) from the engine's ``voices``
    (the anchor's first). ``stories`` gives each entry's story in a daily edition (speakers of
    different stories may share a voice); ``unknown``: some quotes have no speaker, so the
    neutral voice is reserved for them; ``unknown_female``: some of those are women's (the text
    says so), so a neutral female voice is reserved too."""
    if not voices:
        raise UnknownVoiceError("the engine offers no voice for this locale")
    anchor = voices[0]
    pool = list(voices[1:]) or [anchor]
    ranked = preference(pool, anchor)
    neutral = _neutral(ranked)
    neutral_female = _neutral_female(ranked) if unknown_female else None
    overrides = dict(overrides or {})
    names = [n for n, _ in speakers]
    casting: dict[str, Voice] = {}
    warnings: list[str] = []
    for name, wanted in overrides.items():
        voice = find_voice(voices, wanted)
        if name in names:
            casting[name] = voice
        else:
            known = ", ".join(dict.fromkeys(names)) or "none"
            warnings.append(f"--speaker-voice {name}={wanted}: no speaker is called {name!r} (speakers: {known})")
    story_of = list(stories) if stories is not None else [0] * len(speakers)
    members: dict[int, set[str]] = {}
    for (name, _), story in zip(speakers, story_of, strict=True):
        members.setdefault(story, set()).add(name)
    use: dict[str, int] = {}
    for v in casting.values():
        use[v.id] = use.get(v.id, 0) + 1
    previous: Voice | None = None
    for (name, gender), story in zip(speakers, story_of, strict=True):
        if name not in casting:
            taken = {casting[o].id for s, group in members.items() if s == story for o in group if o in casting}
            cands = _candidates(ranked, gender)
            reserved = {neutral.id} if unknown and len(pool) > 1 else set()
            if neutral_female is not None and len(pool) > 2:
                reserved.add(neutral_female.id)
            open_ = [v for v in cands if v.id not in taken]
            # Rule 5 reserves the neutral voice, rule 6 lends voices last: a named speaker takes
            # the engine's reserved voice before a lent one.
            free = ([v for v in open_ if v.id not in reserved and not v.stand_in]
                    or [v for v in open_ if not v.stand_in]
                    or [v for v in open_ if v.id not in reserved] or open_)  # fmt: skip
            if free:
                # prefer a voice nobody in the bulletin has yet (editions), then rule 3's order
                choice = min(free, key=lambda v: (use.get(v.id, 0), cands.index(v)))
            else:
                options = [v for v in cands if previous is None or v.id != previous.id] or cands
                choice = min(options, key=lambda v: (use.get(v.id, 0), cands.index(v)))
            casting[name] = choice
            use[choice.id] = use.get(choice.id, 0) + 1
        previous = casting[name]
    given = [*casting.values(), *([neutral] if unknown else []), *([neutral_female] if neutral_female else [])]
    warnings += dict.fromkeys(v.stand_in for v in given if v.stand_in)
    return Casting(anchor, neutral, neutral_female, casting, tuple(warnings))
