"""Language spans inside spoken text: the one piece of markup an engine may receive.

The lexicon can say that a name is read in another language (``"Bud Luckey" = {lang = "en"}``).
Normalisation then writes ``⟦en|Bud Luckey⟧`` into the spoken text: two characters (U+27E6,
U+27E7) that never occur in French news, readable in ``bulletin say``. Engines that can switch
language (espeak-ng through SSML) read the span in that language; the others read its words.
"""

from __future__ import annotations

import re
from collections.abc import Callable

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


# A span is set aside as one private-use character (U+E100 + its index): the rules see a symbol
# that is not a letter, digit or space, which none of them touches, and no article holds one.
_SLOT = 0xE100


def protect_spans(text: str) -> tuple[str, Callable[[str], str]]:
    """``text`` with each language span replaced by a placeholder, and the function that puts
    the spans back. Rules run on the first, so nothing inside a span is ever rewritten."""
    spans: list[str] = []

    def hide(m: re.Match[str]) -> str:
        spans.append(m[0])
        return chr(_SLOT + len(spans) - 1)

    text = re.sub(f"[{chr(_SLOT)}-{chr(_SLOT + 0xFF)}]", "", text)  # no stray placeholder from the input
    hidden = _SPAN.sub(hide, text) if OPEN in text else text

    def restore(out: str) -> str:
        if not spans:
            return out
        return re.sub(f"[{chr(_SLOT)}-{chr(_SLOT + len(spans) - 1)}]", lambda m: spans[ord(m[0]) - _SLOT], out)

    return hidden, restore
