"""Acronyms: the ones radio reads as words stay words; other short all-capitals ones are spelled.

``data/acronyms.txt`` lists the words (ONU, OTAN, CEDEAO…), ``data/caps_words.txt`` ordinary
words a headline types in capitals. Anything else short is spelled letter by letter ("S N C F"):
two or three capitals always; four or five unless they make French syllables (ACTA, CNIL are
read, EELV, RATP, OCDE spelled — the test is :func:`syllabic`). Six and more is a word. The
lexicon, applied before the rules, can override either way (``ONU = "O N U"`` spells it,
``HCR = "Hacèr"`` reads it).
"""

from __future__ import annotations

import re
from functools import cache

from .datafiles import entries, table
from .numbers import cardinal, roman_value

MAX_SPELLED = 5
"""Longest all-capitals word that may be spelled when no list names it."""

# French syllables in capitals: an onset a French word can start with, one or two vowels, and
# between them a consonant or a cluster French words have (CT in "acte", NS in "ainsi"…).
_V = "[AEIOUYÉÈÊ]"
_ONSET = "(?:[BCDFGHJKLMNPQRSTVWXZ]|[BCDFGKPTV][RL]|S[CKMNPT]|[CP]N)"
_MIDDLE = "(?:[BCDFGHJKLMNPQRSTVWXZ]|[BCDFGKPTV][RL]|[LRNSM][BCDFGKPSTVMN]|[CPS]T|SC|SP|MB|MP)"
_CODA = "(?:[BCDFGKLMNPRSTXZ]|[LRN][CDFGKPST]|ST)"
_SYLLABIC = re.compile(rf"{_ONSET}?(?!(.)\1){_V}{_V}?(?:{_MIDDLE}(?!(.)\2){_V}{_V}?)*{_CODA}?")


def syllabic(word: str) -> bool:
    """True when ``word`` (capitals) reads as French syllables: ACTA, CNIL, UNSA; not EELV, OCDE."""
    return bool(_SYLLABIC.fullmatch(word))


@cache
def read_as_words() -> dict[str, str]:
    """Acronym as written → what to say (the written form unless an engine would misread it)."""
    return {row[0]: (row[1] if len(row) > 1 else row[0]) for row in table("acronyms.txt")}


@cache
def _local_words(locale: str) -> dict[str, str]:
    """Acronyms read as words in one locale only (the ``[fr-BE]`` section: "TEC" → "Tèc")."""
    return {row[0]: (row[1] if len(row) > 1 else row[0]) for row in table("acronyms.txt", locale)}


@cache
def _caps_words() -> frozenset[str]:
    return frozenset(entries("caps_words.txt"))


def spell(word: str) -> str:
    """Letter by letter: "SNCF" → "S N C F"."""
    return " ".join(word.upper())


def _reading(word: str, locale: str) -> str:
    local = _local_words(locale)
    if word in local:
        return local[word]
    words = read_as_words()
    if word in words:
        return words[word]
    if word in _caps_words():
        return word.lower()
    v = roman_value(word)
    if v is not None and len(word) <= 3 and word not in ("CD", "DC", "CM", "MM", "LCD", "CV", "MD", "DL"):
        # A Roman numeral left over (not after a name or before a suffix): read its value.
        return cardinal(v, locale) if v < 40 and word not in ("I", "C", "D", "M", "L") else spell(word)
    if len(word) <= 3 or (len(word) <= MAX_SPELLED and not syllabic(word)):
        return spell(word)
    return word


# Capitals (accented ones too), standing alone or glued to digits ("COP21", "TF1").
_CAPS = re.compile(r"(?<![\w])[A-ZÀ-ÖØ-Þ]{2,}(?![a-zà-öø-ÿA-ZÀ-ÖØ-Þ'’])")


@cache
def _mixed() -> tuple[dict[str, str], re.Pattern[str] | None]:
    """Listed words in mixed case that are respelled ("Insee" → "Insée"), and their pattern."""
    mixed = {w: s for w, s in read_as_words().items() if not w.isupper() and w != s}
    if not mixed:
        return mixed, None
    return mixed, re.compile(rf"(?<![\w-])(?:{'|'.join(map(re.escape, mixed))})(?![\w])")


def read_acronyms(text: str, locale: str) -> str:
    """Every acronym in ``text`` as it is said (see the module docstring)."""
    mixed, pattern = _mixed()
    if pattern is not None:
        text = pattern.sub(lambda m: mixed[m[0]], text)
    return _CAPS.sub(
        lambda m: _reading(m[0], locale) + (" " if m.string[m.end() : m.end() + 1].isdigit() else ""), text
    )
