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
from .normalize import Lexicon, normalize
from .quotes import Gender, detect_quotes, split_sentences

SegmentKind = Literal["title", "heading", "narration", "quote", "cue", "intro", "outro"]


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
) -> Segment:
    """A segment whose sentences are normalised one by one, so text and speech stay aligned."""
    source = spoken_text if spoken_text is not None else text
    parts = [t for _, t in split_sentences(source)] or [source]
    sentences = tuple(
        Sentence(t if spoken_text is None else "", normalize(_LEADING_PUNCT.sub("", t), locale, lexicon)) for t in parts
    )
    spoken = " ".join(s.spoken for s in sentences if s.spoken)
    return Segment(kind, text, spoken, speaker, voice, block, sentences)  # fmt: skip


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
    """Plain-English notes for the user, e.g. a ``--speaker-voice`` name that matches no speaker."""

    def to_json(self) -> dict[str, Any]:
        """The stable shape other tools read (``score_quotes.py`` among them)."""
        return {
            "title": self.title,
            "date": self.date,
            "source": self.source,
            "locale": self.locale,
            "segments": [
                {k: v for k, v in asdict(s).items() if k in ("kind", "text", "spoken", "speaker", "voice")}
                for s in self.segments
            ],
        }

    @property
    def speakers(self) -> list[str]:
        seen: list[str] = []
        for s in self.segments:
            if s.speaker and s.speaker not in seen:
                seen.append(s.speaker)
        return seen


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


def _clean_narration(text: str) -> str:
    # The attribution after a quote keeps its comma (", confie Johan Peeters.") so that the
    # transcript reads as the article; only the spoken form and captions drop it.
    return text.strip()


Raw = tuple[SegmentKind, str, str | None, Gender | None, int]


def _raw_segments(article: Article, title: str | None, block_offset: int = 0) -> list[Raw]:
    """The article as (kind, text, speaker, gender, block) before casting."""
    paragraphs = [b.text for b in article.blocks if b.kind == "paragraph"]
    pieces_per = iter(detect_quotes(paragraphs))
    raw: list[Raw] = []
    if title:
        raw.append(("title", title, None, None, block_offset - 1))
    for bi, block in enumerate(article.blocks):
        if block.kind == "heading":
            raw.append(("heading", block.text, None, None, block_offset + bi))
            continue
        for piece in next(pieces_per):
            if piece.kind == "quote":
                raw.append(("quote", piece.text.strip(), piece.speaker or "une voix", piece.gender, block_offset + bi))
            else:
                text = _clean_narration(piece.text)
                if text:
                    raw.append(("narration", text, None, None, block_offset + bi))
    return raw


def _assemble(
    raw: list[Raw],
    voices: tuple[Voice, ...],
    *,
    locale: str,
    lexicon: Lexicon | None,
    speaker_voices: dict[str, str] | None,
    announce_quotes: bool,
    show: str | None,
    date: str | None,
) -> tuple[list[Segment], dict[str, Voice]]:
    """Cast once for every speaker, then normalise each segment sentence by sentence."""
    anchor = voices[0]
    casting = cast([(spk, g) for kind, _, spk, g, _ in raw if kind == "quote" and spk], voices, speaker_voices)
    segments: list[Segment] = []
    used: dict[str, Voice] = {anchor.id: anchor}
    for kind, text, speaker, _g, bi in raw:
        voice = casting[speaker] if speaker else anchor
        used[voice.id] = voice
        if kind == "quote" and announce_quotes:
            segments.append(make_segment("cue", "", None, anchor.id, bi, locale, None, "Citation."))
        segments.append(make_segment(kind, text, speaker, voice.id, bi, locale, lexicon))
        if kind == "quote" and announce_quotes:
            segments.append(make_segment("cue", "", None, anchor.id, bi, locale, None, "Fin de citation."))
    if show:
        when = f", {date_in_words(date, locale)}" if date else ""
        segments.insert(0, make_segment("intro", f"{show}{when}.", None, anchor.id, -(10**6), locale, lexicon))
        segments.append(make_segment("outro", f"C'était {show}. Merci de votre écoute.", None, anchor.id, 10**9,
                                     locale, lexicon))  # fmt: skip
    return segments, used


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
    segments, used = _assemble(
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
    )


TRANSITION = "Autre sujet."


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
) -> Script:
    """A daily edition: an opening with the show and the date, the stories in order with a short
    transition between them, a closing. Each story's title is a chapter, as are its sub-headings;
    a speaker keeps one voice across all the stories."""
    raw: list[Raw] = []
    for n, article in enumerate(articles):
        offset = (n + 1) * 100_000
        if n:
            raw.append(("cue", TRANSITION, None, None, offset - 2))
        raw.extend(_raw_segments(article, article.title or article.display_title, offset))
    segments, used = _assemble(
        raw, voices, locale=locale, lexicon=lexicon, speaker_voices=speaker_voices,
        announce_quotes=announce_quotes, show=show, date=date,
    )  # fmt: skip
    # The transition is generated text: spoken, but not the article's words.
    segments = [
        Segment("cue", "", s.spoken, None, s.voice, s.block, tuple(Sentence("", x.spoken) for x in s.sentences))
        if s.kind == "cue" and s.text == TRANSITION
        else s
        for s in segments
    ]
    return Script(
        title=f"{show}, {date_in_words(date, locale).removeprefix('le ')}",
        date=date,
        source=None,
        locale=locale,
        segments=tuple(segments),
        voices=used,
    )
