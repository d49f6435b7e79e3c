"""What the rules share: the shape of a written number, and saying one with its agreement."""

from __future__ import annotations

import re

from .gender import feminine_follows
from .numbers import cardinal_str, decimal, feminine

SP = "[ \u00a0\u202f\u2009]"
"""One space as French typography writes it: plain, no-break, narrow no-break, thin."""

NUM = rf"\d{{1,3}}(?:(?:{SP}|\.|['’])\d{{3}})+(?!\d)|\d+"
"""An integer as written: 42, 11 000, 3.000 (Belgian), 1'000 (Swiss), 1 500 000."""

AMOUNT = rf"({NUM})(?:,(\d+))?"
"""A number with an optional decimal part after a comma: groups (integer, decimals)."""

SIGN = r"(?:(?<![\w.,\d])(?<![\d][ \u00a0])([-−+]))?"
"""An optional sign that is really one: not a hyphen between two numbers ("60-70")."""

_SCALES = re.compile(r"\b(?:millions?|milliards?|billions?)$")


def digits_of(token: str) -> str:
    return re.sub(r"\D", "", token)


def say_number(sign: str | None, int_part: str, frac: str | None, locale: str) -> str:
    """Digits (and decimals after a comma) in words, with "moins"/"plus" for a real sign."""
    words = decimal(int_part, frac, locale) if frac else cardinal_str(int_part, locale)
    if sign in ("-", "−"):
        words = "moins " + words
    elif sign == "+":
        words = "plus " + words
    return words


def agree(words: str, rest: str) -> str:
    """``words`` ending in "un" become "une" when the noun after them (in ``rest``) is feminine.

    Only the last word agrees: "vingt et un mille personnes" keeps "un" (the number is a
    multiple of mille; both forms are accepted and radio says "un").
    """
    if words.endswith("un") and feminine_follows(rest):
        return feminine(words)
    return words


def ends_in_scale(words: str) -> bool:
    """True after "deux millions" or "trois milliards": a noun then takes "de" ("de personnes")."""
    return bool(_SCALES.search(words))


def de(noun: str) -> str:
    """The form of "de" before ``noun``: "de " or "d'"."""
    return "d'" if noun[:1].lower() in "aeiouyéèêàâîïôûh" else "de "
