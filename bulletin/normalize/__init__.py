"""Speech normalisation: what the article says, written the way it must be spoken.

Everything an engine receives goes through :func:`normalize` first, so every engine says the
same thing. The lexicon changes only what is spoken, never the transcript.
"""

from __future__ import annotations

from .lexicon import Lexicon, load_lexicon
from .rules import RULES

LOCALES = ("fr-FR", "fr-BE", "fr-CH", "fr-CA")


def normalize(text: str, locale: str = "fr-FR", lexicon: Lexicon | None = None) -> str:
    """Return ``text`` as words to speak: no digit, no symbol an engine would misread."""
    if lexicon is not None:
        text = lexicon.apply(text)
    for rule in RULES:
        text = rule(text, locale)
    return text


__all__ = ["LOCALES", "Lexicon", "load_lexicon", "normalize"]
