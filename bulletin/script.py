"""Article → Script: the ordered segments a bulletin is made of, each with its voice.

``text`` is always the article's own words (the transcript and captions use it); ``spoken``
is what the engine receives, after normalisation and the lexicon.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from .article import Article
from .casting import cast
from .engines.base import Voice
from .french import written_date
from .normalize import Lexicon, normalize
from .quotes import Attribution, Gender, QuoteDetector, clean_label, split_sentences
from .quotes.interview import find_interview

SegmentKind = Literal["title", "heading", "narration", "quote", "cue", "intro", "outro"]


SCRIPT_VERSION = 1
"""The version of :meth:`Script.to_json`'s shape (``bulletin render`` reads this one)."""

_LEADING_PUNCT = re.compile(r"^[\s,;:.)\]»”]+")


def make_segment(
    kind: SegmentKind,
    text: str,
    speaker: str | None,
    voice: str,
    block: int,
    locale: str,
    lexicon: Lexicon | None,
    spoken_text: str | None = None,
    gender: Gender | None = None,
    attribution: Attribution | None = None,
) -> Segment:
    """A segment whose sentences are normalised one by one, so text and speech stay aligned."""
    source = spoken_text if spoken_text is not None else text
    parts = [t for _, t in split_sentences(source)] or [source]
    sentences = tuple(
        Sentence(t if spoken_text is None else "", normalize(_LEADING_PUNCT.sub("", t), locale, lexicon)) for t in parts
    )
    spoken = " ".join(s.spoken for s in sentences if s.spoken)
    return Segment(kind, text, spoken, speaker, voice, block, sentences, gender, attribution)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a segment: the unit of synthesis and of captions."""

    text: str
    """The article's own words."""
    spoken: str
    """Its spoken form."""


@dataclass(frozen=True)
class Segment:
    """One stretch of speech in one voice."""

    kind: SegmentKind
    """title, heading, narration, quote, or cue (spoken quote markers)."""
    text: str
    """The article's own words."""
    spoken: str
    """What the engine is asked to say."""
    speaker: str | None
    """Who speaks, for quotes; None for the anchor."""
    voice: str
    """Voice id (``espeak:fr+f3``)."""
    block: int
    """Index of the article block it comes from (-1 for the title and generated text)."""
    sentences: tuple[Sentence, ...] = ()
    """The segment cut into sentences (each spoken as its own clip, so captions are exact)."""
    gender: Gender | None = None
    """The speaker's gender when the text settles it (quotes only)."""
    attribution: Attribution | None = None
    """Which rule named the speaker and how sure it is (quotes only)."""

    @property
    def label(self) -> str:
        """Who is heard, for captions, tags and the transcript: the speaker; "Citation" for a
        quote whose speaker the text does not settle; else the anchor."""
        if self.speaker:
            return self.speaker
        return "Citation" if self.kind == "quote" else "Présentateur"


@dataclass(frozen=True)
class Script:
    """The whole bulletin before synthesis."""

    title: str
    date: str | None
    source: str | None
    locale: str
    segments: tuple[Segment, ...]
    voices: dict[str, Voice] = field(default_factory=dict)
    """Voice id → voice, for every voice the script uses."""
    warnings: tuple[str, ...] = ()
    """Plain-English notes for the user (a ``--speaker-voice`` name that matches no speaker)."""
    notes: tuple[str, ...] = ()
    """What a reviewer should check, in the JSON's ``warnings`` too: what the article reader
    repaired (control characters, an impossible date) and each quote whose speaker is a guess
    (confidence below :data:`~bulletin.quotes.LOW_CONFIDENCE`). The CLI prints the article's
    repairs itself, and flags the guesses in the ``bulletin script`` table."""

    def to_json(self) -> dict[str, Any]:
        """The stable shape other tools read (``score_quotes.py`` among them) and ``bulletin render``
        speaks; :mod:`bulletin.render` holds its JSON Schema and what each field means.

        Quote segments also carry the speaker's ``gender`` and the ``attribution`` (rule,
        confidence); other segments have null there. Version 1 added ``version``, the casting
        tables (``anchor``, ``neutral``, ``speakers``: edit a speaker's voice there and all their
        quotes follow) and, per segment, ``block`` (the paragraph: it sets the pauses),
        ``cast_voice`` (the voice the casting gave: a ``voice`` that differs from it is a
        per-segment edit) and ``sentences`` (the cut into clips, so an unedited script renders
        exactly as ``make`` spoke it)."""
        segments = []
        for s in self.segments:
            d = {k: v for k, v in asdict(s).items() if k in ("kind", "text", "spoken", "speaker", "voice")}
            quote = s.kind == "quote"
            d["gender"] = s.gender if quote else None
            d["attribution"] = (
                {"rule": s.attribution.rule, "confidence": s.attribution.confidence}
                if quote and s.attribution is not None
                else None
            )
            d["block"] = s.block
            d["cast_voice"] = s.voice
            d["sentences"] = [{"text": x.text, "spoken": x.spoken} for x in s.sentences]
            segments.append(d)
        anchor = next((s.voice for s in self.segments if s.kind != "quote"), next(iter(self.voices), None))
        unknown = [s for s in self.segments if s.kind == "quote" and not s.speaker]
        speakers: dict[str, str] = {}
        for s in self.segments:
            if s.kind == "quote" and s.speaker:
                speakers.setdefault(s.speaker, s.voice)
        return {
            "version": SCRIPT_VERSION,
            "title": self.title,
            "date": self.date,
            "source": self.source,
            "locale": self.locale,
            "anchor": anchor,
            "neutral": next((s.voice for s in unknown if s.gender != "f"), None),
            "neutral_female": next((s.voice for s in unknown if s.gender == "f"), None),
            "speakers": speakers,
            "segments": segments,
            "warnings": list(dict.fromkeys([*self.warnings, *self.notes])),
        }

    @property
    def speakers(self) -> list[str]:
        seen: list[str] = []
        for s in self.segments:
            if s.speaker and s.speaker not in seen:
                seen.append(s.speaker)
        return seen


def guess_notes(segments: tuple[Segment, ...] | list[Segment]) -> tuple[str, ...]:
    """One line per quote whose speaker rests on weak evidence, numbered as in the table."""
    out = []
    for i, s in enumerate(segments, 1):
        a = s.attribution
        if s.kind == "quote" and s.speaker and a is not None and a.low:
            out.append(
                f"segment {i}: the speaker {s.speaker!r} is a guess ({a.rule}, confidence {a.confidence:.2f}); "
                "check it, or set it with bulletin render"
            )
    return tuple(out)


def date_in_words(date: str, locale: str = "fr-FR") -> str:
    """``2026-11-27`` → ``le vingt-sept novembre deux mille vingt-six``; ``2019-12`` → ``décembre …``."""
    from .french import MONTHS

    parts = [int(p) for p in date.split("-") if p.isdigit()]
    year = normalize(str(parts[0]), locale) if parts else ""
    if len(parts) == 3 and 1 <= parts[1] <= 12:
        day = "premier" if parts[2] == 1 else normalize(str(parts[2]), locale)
        return f"le {day} {MONTHS[parts[1] - 1]} {year}"
    if len(parts) == 2 and 1 <= parts[1] <= 12:
        return f"{MONTHS[parts[1] - 1]} {year}"
    return year or date


@dataclass(frozen=True)
class _Raw:
    """A segment before casting."""

    kind: SegmentKind
    text: str
    block: int
    speaker: str | None = None
    gender: Gender | None = None
    attribution: Attribution | None = None
    story: int = 0


def _raw_segments(article: Article, title: str | None, block_offset: int = 0, story: int = 0) -> list[_Raw]:
    """The article as raw segments, before casting."""
    paragraphs = [b.text for b in article.blocks if b.kind == "paragraph"]
    detector = QuoteDetector(paragraphs)
    pieces_per = iter(detector.detect())
    known = {e.name: e.gender for e in detector.entities.items if e.named and e.kind == "person"}
    interview = find_interview(article.title, [(b.kind, b.text) for b in article.blocks], known)
    raw: list[_Raw] = []
    if title:
        raw.append(_Raw("title", title, block_offset - 1, story=story))
    for bi, block in enumerate(article.blocks):
        if block.kind == "heading":
            if interview is None or bi not in interview.label_blocks:
                raw.append(_Raw("heading", block.text, block_offset + bi, story=story))
            # a speaker line of a transcript is not read: the change of voice says it
            continue
        pieces = next(pieces_per)
        turn = interview.turn_at(bi) if interview is not None else None
        if turn is not None:
            # an interview turn: the whole paragraph but its label, in its speaker's voice
            said = block.text[turn.start :].strip()
            if said:
                raw.append(_Raw("quote", said, block_offset + bi, turn.speaker, turn.gender,
                                Attribution("interview", 0.9), story))  # fmt: skip
            continue
        for piece in pieces:
            text = piece.text.strip()
            if piece.kind == "quote":
                speaker = clean_label(piece.speaker) if piece.speaker else None
                raw.append(
                    _Raw("quote", text, block_offset + bi, speaker or None, piece.gender, piece.attribution, story)
                )
            elif text:
                # The attribution after a quote keeps its comma (", confie Johan Peeters.") so that
                # the transcript reads as the article; only the spoken form and captions drop it.
                raw.append(_Raw("narration", text, block_offset + bi, story=story))
    return raw


def _assemble(
    raw: list[_Raw],
    voices: tuple[Voice, ...],
    *,
    locale: str,
    lexicon: Lexicon | None,
    speaker_voices: dict[str, str] | None,
    announce_quotes: bool,
    show: str | None,
    date: str | None,
) -> tuple[list[Segment], dict[str, Voice], tuple[str, ...]]:
    """Cast once for every speaker, then normalise each segment sentence by sentence."""
    quotes = [r for r in raw if r.kind == "quote"]
    casting = cast(
        [(r.speaker, r.gender) for r in quotes if r.speaker],
        voices,
        speaker_voices,
        stories=[r.story for r in quotes if r.speaker],
        unknown=any(r.speaker is None for r in quotes),
        unknown_female=any(r.speaker is None and r.gender == "f" for r in quotes),
    )
    anchor = casting.anchor
    segments: list[Segment] = []
    used: dict[str, Voice] = {anchor.id: anchor}
    for r in raw:
        voice = casting.voice_for(r.speaker, r.gender) if r.kind == "quote" else anchor
        used[voice.id] = voice
        if r.kind == "quote" and announce_quotes:
            segments.append(make_segment("cue", "", None, anchor.id, r.block, locale, None, "Citation."))
        segments.append(
            make_segment(r.kind, r.text, r.speaker, voice.id, r.block, locale, lexicon, None, r.gender, r.attribution)
        )
        if r.kind == "quote" and announce_quotes:
            segments.append(make_segment("cue", "", None, anchor.id, r.block, locale, None, "Fin de citation."))
    if show:
        when = f", {date_in_words(date, locale)}" if date else ""
        segments.insert(0, make_segment("intro", f"{show}{when}.", None, anchor.id, -(10**6), locale, lexicon))
        segments.append(make_segment("outro", f"C'était {show}. Merci de votre écoute.", None, anchor.id, 10**9,
                                     locale, lexicon))  # fmt: skip
    return segments, used, casting.warnings


def build_script(
    article: Article,
    voices: tuple[Voice, ...],
    *,
    locale: str = "fr-FR",
    lexicon: Lexicon | None = None,
    title: str | None = None,
    speaker_voices: dict[str, str] | None = None,
    announce_quotes: bool = False,
    show: str | None = None,
) -> Script:
    """Split the article into segments and cast a voice for each."""
    spoken_title = title or article.title
    segments, used, warnings = _assemble(
        _raw_segments(article, spoken_title), voices, locale=locale, lexicon=lexicon,
        speaker_voices=speaker_voices, announce_quotes=announce_quotes, show=show, date=article.date,
    )  # fmt: skip
    return Script(
        title=spoken_title or article.display_title,
        date=article.date,
        source=article.source,
        locale=locale,
        segments=tuple(segments),
        voices=used,
        warnings=warnings,
        notes=(*article.warnings, *guess_notes(segments)),
    )


TRANSITIONS = ("Autre sujet.",)
"""What the anchor says between two stories when the show sets nothing else."""


def build_edition(
    articles: list[Article],
    voices: tuple[Voice, ...],
    *,
    show: str,
    date: str,
    locale: str = "fr-FR",
    lexicon: Lexicon | None = None,
    speaker_voices: dict[str, str] | None = None,
    announce_quotes: bool = False,
    transitions: tuple[str, ...] | list[str] = TRANSITIONS,
) -> Script:
    """A daily edition: an opening with the show and the date, the stories in order with a short
    transition between them (the show's ``transitions``, used in turn), a closing. Each story's
    title is a chapter, as are its sub-headings; a speaker keeps one voice across all the stories.
    The written title carries the written date ("Le Journal, 22 mars 2016"); the date is spoken
    in words only in the opening."""
    raw: list[_Raw] = []
    said = tuple(t.strip() for t in transitions if t.strip()) or TRANSITIONS
    for n, article in enumerate(articles):
        offset = (n + 1) * 100_000
        if n:
            raw.append(_Raw("cue", said[(n - 1) % len(said)], offset - 2, story=n))
        raw.extend(_raw_segments(article, article.title or article.display_title, offset, story=n))
    segments, used, warnings = _assemble(
        raw, voices, locale=locale, lexicon=lexicon, speaker_voices=speaker_voices,
        announce_quotes=announce_quotes, show=show, date=date,
    )  # fmt: skip
    # The transition is generated text: spoken, but not the article's words.
    segments = [
        Segment("cue", "", s.spoken, None, s.voice, s.block, tuple(Sentence("", x.spoken) for x in s.sentences))
        if s.kind == "cue" and s.text in said
        else s
        for s in segments
    ]
    return Script(
        title=f"{show}, {written_date(date)}",
        date=date,
        source=None,
        locale=locale,
        segments=tuple(segments),
        voices=used,
        warnings=warnings,
        notes=(*(w for a in articles for w in a.warnings), *guess_notes(segments)),
    )
