"""Text that is not read: emoji, footnote markers, bracket marks; and the final tidy-up."""

from __future__ import annotations

import re
import unicodedata

_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u200D\uFE0F\uFE0E\u20E3\U000E0020-\U000E007F]")


def drop_emoji(text: str, locale: str) -> str:
    """Emoji and pictographs are not read; variation selectors and joiners go with them."""
    return _EMOJI.sub(" ", text)


# Wikipedia-style notes: [1], [12], [a], [n 3], [note 2], [réf. nécessaire], [citation nécessaire].
_FOOTNOTE = re.compile(
    r"\[(?:\d{1,3}|[a-z]|n(?:ote)?\.?\s*\d{1,3}|réf\.?\s*nécessaire|citation nécessaire|source insuffisante"
    r"|Quand\s*\?|Qui\s*\?|Lequel\s*\?|Laquelle\s*\?|Où\s*\?)\]",
    re.I,
)
# An editor's cut inside a quote: [...], […], (...), (…).
_ELISION = re.compile(r"\s*[\[(](?:\.{3}|…)[\])]")


def drop_brackets(text: str, locale: str) -> str:
    """Footnote markers and cut marks are dropped; an editor's words in brackets are read.

    "espagnol[1]" → "espagnol"; "terres ! [...] Nous" → "terres ! Nous"; "Pas d'amalgame [avec
    l'affaire Fillon]" → "Pas d'amalgame avec l'affaire Fillon" (the brackets are dropped, not the
    words: the sentence needs them, and the quote's speaker said their gist).
    """
    if "[" not in text and "(" not in text:  # most sentences: nothing to drop
        return text
    text = _FOOTNOTE.sub("", text)
    text = _ELISION.sub("", text)
    # "[de l'] insulter": an elided article closed by the bracket joins the next word again.
    text = re.sub(r"\[\s*([^\[\]]*?['’])\s*\]\s*", r"\1", text)
    text = re.sub(r"\[\s*([^\[\]]*?)\s*\]", r"\1", text)
    return text.replace("[", " ").replace("]", " ")


def tidy(text: str, locale: str) -> str:
    """One space between words, none before a comma or a full stop, nothing at either end."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[ \t\u00a0\u202f\u2009]+", " ", text)
    text = re.sub(r" +(?=[,.](?:\s|$))", "", text)
    return text.strip()
