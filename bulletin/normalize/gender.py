"""Grammatical gender of the noun after a number, so that "un" agrees: "quarante et une mesures".

The knowledge is in ``data/gender.txt`` (suffix rules and exception lists, explained in its
header). Unknown words count as masculine: French's unmarked gender, and what a reader says when
the noun is unclear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from .datafiles import entries

Gender = Literal["f", "m"]
_FILE = "gender.txt"
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass(frozen=True)
class GenderLexicon:
    """Nouns and pre-nominal adjectives with their gender, as loaded from ``data/gender.txt``."""

    words: dict[str, Gender]
    """Whole words (singular, lower case) → gender; exceptions to the suffix rules."""
    suffixes: tuple[tuple[str, Gender], ...]
    """Endings → gender, longest first."""
    adjectives: dict[str, Gender | None]
    """Adjectives that may stand before the noun; None when both genders share the form."""
    locutions: frozenset[str] = frozenset()
    """Nouns that start a locution before "à"/"de" ("face à", "suite à"): not what is counted."""

    def noun(self, word: str) -> Gender | None:
        """The gender of ``word`` (any case, singular or plural), None when nothing says."""
        for form in _singulars(word.lower()):
            if form in self.words:
                return self.words[form]
        for form in _singulars(word.lower()):
            for suffix, gender in self.suffixes:
                if form.endswith(suffix) and len(form) > len(suffix):
                    return gender
        return None


def _singulars(word: str) -> list[str]:
    """``word`` and the singulars it may be the plural of, most literal first."""
    forms = [word]
    if word.endswith("eaux"):
        forms.append(word[:-1])
    elif word.endswith("aux"):
        forms += [word[:-3] + "al", word[:-3] + "ail"]
    if word.endswith(("s", "x")) and len(word) > 2:
        forms.append(word[:-1])
    return forms


@cache
def lexicon() -> GenderLexicon:
    words: dict[str, Gender] = {}
    for w in entries(_FILE, "masculine"):
        words[w.lower()] = "m"
    for w in entries(_FILE, "feminine"):
        words[w.lower()] = "f"
    suffixes = [(s, "m") for s in entries(_FILE, "masculine-suffixes")]
    suffixes += [(s, "f") for s in entries(_FILE, "feminine-suffixes")]
    ordered: tuple[tuple[str, Gender], ...] = tuple(
        sorted(((s, g) for s, g in suffixes if g in ("f", "m")), key=lambda sg: -len(sg[0]))  # type: ignore[misc]
    )
    adjectives: dict[str, Gender | None] = {}
    for w in entries(_FILE, "adjectives-either"):
        adjectives[w] = None
    for w in entries(_FILE, "adjectives-m"):
        adjectives[w] = "m"
    for w in entries(_FILE, "adjectives-f"):
        adjectives[w] = "f"
    return GenderLexicon(words, ordered, adjectives, frozenset(entries(_FILE, "locutions")))


def _adjective(word: str, lex: GenderLexicon) -> tuple[bool, Gender | None]:
    for form in _singulars(word.lower()):
        if form in lex.adjectives:
            return True, lex.adjectives[form]
    return False, None


def gender_of_next_noun(rest: str) -> Gender | None:
    """The gender of the noun that ``rest`` (the text just after a number) starts with.

    Up to three adjectives are stepped over ("21 nouvelles grandes mesures"); an adjective whose
    form shows its gender decides ("21 petites" → f). A capitalised word is a name, not a noun.
    """
    lex = lexicon()
    pos = 0
    for _ in range(4):
        m = re.match(r"[ \u00a0\u202f\u2009]+", rest[pos:])
        if not m and pos:
            return None
        pos += m.end() if m else 0
        w = _WORD.match(rest, pos)
        if not w:
            return None
        word = w[0]
        if word[0].isupper() and not word.isupper():
            return None
        is_adj, g = _adjective(word, lex)
        if is_adj:
            if g is not None:
                return g
            pos = w.end()
            continue
        if word.lower() in lex.locutions and re.match(r"[ \u00a0\u202f]+(?:à|de|d['’])", rest[w.end() :]):
            return None
        return lex.noun(word)
    return None


def feminine_follows(rest: str) -> bool:
    """True when the text after a number starts with a feminine noun phrase."""
    return gender_of_next_noun(rest) == "f"
