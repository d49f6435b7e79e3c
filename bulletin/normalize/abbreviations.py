"""Abbreviations (``data/abbreviations.tsv``) and a few written forms with a fixed reading."""

from __future__ import annotations

import re
from functools import cache

from .datafiles import table

_FILE = "abbreviations.tsv"


@cache
def _rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(pattern), spoken) for pattern, spoken in table(_FILE))


@cache
def _any() -> re.Pattern[str]:
    """Every abbreviation at once: one search tells whether any of the rules can fire."""
    return re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in _rules()))


def expand_abbreviations(text: str, locale: str) -> str:
    """Abbreviations spoken: "av. J.-C." → "avant Jésus-Christ", "p. 12" → "page 12", "MM." → "messieurs", ….

    Each rule only fires where the abbreviation cannot be a word (see the data file's header).
    """
    if _any().search(text) is None:  # most sentences: one search instead of one per rule
        return text
    for pattern, spoken in _rules():

        def sub(m: re.Match[str], spoken: str = spoken) -> str:
            out = m.expand(spoken)
            after = m.string[m.end() : m.end() + 1]
            # "n°5" → "numéro 5": the words never stick to what follows.
            return out + " " if after.isalnum() and out[-1:].isalpha() else out

        text = pattern.sub(sub, text)
    return text


# Fixed readings: the car, the off-roader, the "49.3"; before units and ranges ("2 CV" is not two
# horsepower here, "49-3" is not a range).
_FIXED = (
    (re.compile(r"(?<![\w,.])2[ \u00a0\u202f]?CV\b"), "deux-chevaux"),
    (re.compile(r"(?<![\w,.])4[ \u00a0\u202f]?[x×][ \u00a0\u202f]?4\b"), "quatre-quatre"),
    # The constitution's article 49, paragraph 3, as every French newsroom says it.
    (re.compile(r"(?<![\w,.])49[.\-‑]3\b"), "quarante-neuf trois"),
)


def read_fixed_forms(text: str, locale: str) -> str:
    """Fixed forms: "une 2 CV" → "une deux-chevaux", "un 4x4" → "un quatre-quatre", "le 49.3"."""
    for pattern, spoken in _FIXED:
        text = pattern.sub(spoken, text)
    return text
