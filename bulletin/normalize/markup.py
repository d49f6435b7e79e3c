"""Language spans inside spoken text: the one piece of markup an engine may receive.

The lexicon can say that a name is read in another language (``"Bud Luckey" = {lang = "en"}``).
Normalisation then writes ``⟦en|Bud Luckey⟧`` into the spoken text: two characters (U+27E6,
U+27E7) that never occur in French news, readable in ``bulletin say``. Engines that can switch
language (espeak-ng through SSML) read the span in that language; the others read its words.
"""

from __future__ import annotations

import re

OPEN, SEP, CLOSE = "⟦", "|", "⟧"
_SPAN = re.compile(r"⟦([a-z]{2,3}(?:-[A-Za-z]{2,4})?)\|([^⟦⟧]*)⟧")


def lang_span(lang: str, text: str) -> str:
    """``text`` marked to be read in ``lang`` (a BCP 47 tag such as ``en`` or ``en-GB``)."""
    return f"{OPEN}{lang}{SEP}{text}{CLOSE}"


def split_languages(text: str) -> list[tuple[str | None, str]]:
    """``"Selon ⟦en|Bud Luckey⟧, oui"`` → ``[(None, "Selon "), ("en", "Bud Luckey"), (None, ", oui")]``.

    Pieces are in order and never empty; ``None`` is the text's own language.
    """
    out: list[tuple[str | None, str]] = []
    pos = 0
    for m in _SPAN.finditer(text):
        if m.start() > pos:
            out.append((None, text[pos : m.start()]))
        if m[2]:
            out.append((m[1], m[2]))
        pos = m.end()
    if pos < len(text):
        out.append((None, text[pos:]))
    return out


def strip_markup(text: str) -> str:
    """The words alone, for engines that cannot switch language and for captions."""
    return _SPAN.sub(lambda m: m[2], text)


def has_languages(text: str) -> bool:
    """Whether ``text`` holds a language span (cheap: engines call it for every clip)."""
    return OPEN in text and _SPAN.search(text) is not None
