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
from .quotes import Gender, detect_quotes

SegmentKind = Literal["title", "heading", "narration", "quote", "cue", "intro", "outro"]
ANCHOR = "anchor"


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


def _clean_narration(text: str) -> str:
    # The attribution after a quote starts with its comma: ", confie Johan Peeters."
    return re.sub(r"^[\s,;:]+", "", text).strip()


def build_script(
    article: Article,
    voices: tuple[Voice, ...],
    *,
    locale: str = "fr-FR",
    lexicon: Lexicon | None = None,
    title: str | None = None,
    speaker_voices: dict[str, str] | None = None,
    announce_quotes: bool = False,
) -> Script:
    """Split the article into segments and cast a voice for each."""
    anchor = voices[0]
    paragraphs = [b.text for b in article.blocks if b.kind == "paragraph"]
    pieces_per = iter(detect_quotes(paragraphs))

    raw: list[tuple[SegmentKind, str, str | None, Gender | None, int]] = []
    spoken_title = title or article.title
    if spoken_title:
        raw.append(("title", spoken_title, None, None, -1))
    for bi, block in enumerate(article.blocks):
        if block.kind == "heading":
            raw.append(("heading", block.text, None, None, bi))
            continue
        for piece in next(pieces_per):
            if piece.kind == "quote":
                raw.append(("quote", piece.text.strip(), piece.speaker or "une voix", piece.gender, bi))
            else:
                text = _clean_narration(piece.text)
                if text:
                    raw.append(("narration", text, None, None, bi))

    casting = cast([(spk, g) for kind, _, spk, g, _ in raw if kind == "quote" and spk], voices, speaker_voices)
    segments: list[Segment] = []
    used: dict[str, Voice] = {anchor.id: anchor}
    for kind, text, speaker, _g, bi in raw:
        voice = casting[speaker] if speaker else anchor
        used[voice.id] = voice
        if kind == "quote" and announce_quotes:
            segments.append(Segment("cue", "", "Citation.", None, anchor.id, bi))
        segments.append(Segment(kind, text, normalize(text, locale, lexicon), speaker, voice.id, bi))
        if kind == "quote" and announce_quotes:
            segments.append(Segment("cue", "", "Fin de citation.", None, anchor.id, bi))
    return Script(
        title=spoken_title or article.display_title,
        date=article.date,
        source=article.source,
        locale=locale,
        segments=tuple(segments),
        voices=used,
    )
