"""Speech normalisation: what the article says, written the way it must be spoken.

Everything an engine receives goes through :func:`normalize` first, so every engine says the
same thing. The lexicon changes only what is spoken, never the transcript. The rules are listed,
in order and with the reason for the order, in :mod:`.rules`.
"""

from __future__ import annotations

import re

from .lexicon import Lexicon, load_lexicon
from .markup import protect_spans
from .rules import NEEDS_DIGIT, RULES

# A digit of any script, a superscript or a vulgar fraction: what the figure rules read.
_FIGURE = re.compile(r"[\d\u00b2\u00b3\u00b9\u00bc-\u00be\u2070-\u2079\u2150-\u215f]")

LOCALES = ("fr-FR", "fr-BE", "fr-CH", "fr-CA")


def normalize(text: str, locale: str = "fr-FR", lexicon: Lexicon | None = None) -> str:
    """Return ``text`` as words to speak: no digit, no symbol an engine would misread.

    The lexicon is applied first; language spans it writes (``⟦en|Bud Luckey⟧``) are set aside
    while the rules run, so no rule reads inside one.
    """
    if lexicon is not None:
        text = lexicon.apply(text)
    text, restore = protect_spans(text)
    figures = _FIGURE.search(text) is not None
    for rule in RULES:
        if figures or rule not in NEEDS_DIGIT:
            text = rule(text, locale)
    return restore(text)


__all__ = ["LOCALES", "Lexicon", "load_lexicon", "normalize"]
