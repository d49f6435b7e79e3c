"""Speech normalisation: what the article says, written the way it must be spoken.

Everything an engine receives goes through :func:`normalize` first, so every engine says the
same thing. The lexicon changes only what is spoken, never the transcript. The rules are listed,
in order and with the reason for the order, in :mod:`.rules`.
"""

from __future__ import annotations

from .lexicon import Lexicon, load_lexicon
from .markup import protect_spans
from .rules import RULES

LOCALES = ("fr-FR", "fr-BE", "fr-CH", "fr-CA")


def normalize(text: str, locale: str = "fr-FR", lexicon: Lexicon | None = None) -> str:
    """Return ``text`` as words to speak: no digit, no symbol an engine would misread.

    The lexicon is applied first; language spans it writes (``⟦en|Bud Luckey⟧``) are set aside
    while the rules run, so no rule reads inside one.
    """
    if lexicon is not None:
        text = lexicon.apply(text)
    text, restore = protect_spans(text)
    for rule in RULES:
        text = rule(text, locale)
    return restore(text)


__all__ = ["LOCALES", "Lexicon", "load_lexicon", "normalize"]
