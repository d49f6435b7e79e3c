"""Casting: one voice per speaker, stable for the whole bulletin, never the anchor's.

Rules, in order: an explicit ``--speaker-voice`` wins; otherwise a speaker's known gender picks
from that gender's voices; voices are reused only when speakers outnumber them, and never so
that two different speakers in a row share a voice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .engines.base import Voice
from .errors import UnknownVoiceError
from .quotes import Gender


def parse_speaker_voices(pairs: Sequence[str]) -> dict[str, str]:
    """``["Johan Peeters=espeak:fr+m3"]`` → ``{"Johan Peeters": "espeak:fr+m3"}``."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, voice = pair.partition("=")
        if not sep or not name.strip() or not voice.strip():
            raise UnknownVoiceError(f"--speaker-voice wants NAME=VOICE, got {pair!r}")
        out[name.strip()] = voice.strip()
    return out


def _find(voices: Sequence[Voice], wanted: str) -> Voice:
    for v in voices:
        if wanted in (v.id, v.name):
            return v
    names = ", ".join(v.id for v in voices)
    raise UnknownVoiceError(f"no voice {wanted!r} for this engine and locale; voices: {names}")


def cast(
    speakers: Sequence[tuple[str, Gender | None]],
    voices: Sequence[Voice],
    overrides: Mapping[str, str] | None = None,
) -> dict[str, Voice]:
    """Map each speaker (in order of first appearance, repeats allowed) to a quote voice."""
    if not voices:
        raise UnknownVoiceError("the engine offers no voice for this locale")
    anchor, pool = voices[0], list(voices[1:]) or [voices[0]]
    overrides = dict(overrides or {})
    casting: dict[str, Voice] = {}
    for name, wanted in overrides.items():
        casting[name] = _find(voices, wanted)
    use_count = {v.id: 0 for v in pool}
    previous: str | None = None
    prev_voice: Voice | None = None
    for name, gender in speakers:
        if name not in casting:
            candidates = [v for v in pool if gender is None or v.gender in (gender, None)] or pool
            # Least used first; then pool order. Never the voice of the speaker just before.
            ranked = sorted(candidates, key=lambda v: (use_count[v.id], pool.index(v)))
            if prev_voice is not None and len(ranked) > 1:
                ranked = [v for v in ranked if v.id != prev_voice.id] or ranked
            casting[name] = ranked[0]
            if casting[name].id in use_count:
                use_count[casting[name].id] += 1
        if previous != name:
            previous = name
        prev_voice = casting[name]
    casting.setdefault("", anchor)
    return casting
