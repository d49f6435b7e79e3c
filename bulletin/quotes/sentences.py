"""Sentence boundaries in French news text.

A full stop ends a sentence unless it ends an abbreviation written before a name or a number
(``M.``, ``MM.``, ``Mme``, ``Dr``, ``av. J.-C.``; the list is ``data/abbreviations.txt``) or an
initial (``V. Sapounov``, ``J.-C.``). A cut needs what follows to start like a sentence: a
capital or a digit, possibly after an opening quote mark.
"""

from __future__ import annotations

import re

from .lexicon import lexicon

_END = re.compile(r"(?:\.\.\.|[.!?…])+(?:[ \u00a0\u202f]?[»”\"’)\]])*(?=\s+[«“\"(\[]?[ \u00a0\u202f]?[A-ZÀ-ÖØ-Þ0-9])")
_WORD_BEFORE = re.compile(r"([\w°.\-]+)$")
_INITIALS = re.compile(r"^(?:[A-ZÀ-ÖØ-Þ][.\-]{0,2})+$")


def _no_cut(before: str) -> bool:
    """True when the full stop that follows ``before`` ends an abbreviation or an initial."""
    m = _WORD_BEFORE.search(before)
    if not m:
        return False
    word = m.group(1).lstrip(".-")
    return word in lexicon().abbreviations or bool(_INITIALS.fullmatch(word))


def split_sentences(text: str) -> list[tuple[int, str]]:
    """Sentences of ``text`` with their offsets, stripped; every character is in one of them."""
    out: list[tuple[int, str]] = []
    start = 0
    for m in _END.finditer(text):
        if text[m.start()] == "." and not text.startswith("...", m.start()) and _no_cut(text[: m.start()]):
            continue
        out.append((start, text[start : m.end()]))
        start = m.end()
    out.append((start, text[start:]))
    return [(s + len(t) - len(t.lstrip()), t.strip()) for s, t in out if t.strip()]
