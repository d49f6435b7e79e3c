"""Percentages and measures: "12,5 %" → "douze virgule cinq pour cent", "21 t" → "vingt et une tonnes"."""

from __future__ import annotations

import re
from functools import cache

from .common import AMOUNT, SIGN, SP, digits_of, say_number
from .datafiles import table
from .gender import lexicon
from .numbers import feminine


def read_percent(text: str, locale: str) -> str:
    """``51 %`` → "cinquante et un pour cent"; a hyphen before the number is never "moins"."""
    return re.sub(
        rf"{SIGN}(?<![\w,.]){AMOUNT}{SP}*%",
        lambda m: say_number(m[1], digits_of(m[2]), m[3], locale) + " pour cent",
        text,
    )


@cache
def _units() -> tuple[dict[str, tuple[str, str]], re.Pattern[str]]:
    units = {symbol: (one, many) for symbol, one, many in table("units.tsv")}
    alts = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    # No letter, digit or apostrophe may follow the symbol: "5 l'an" is not "5 litres 'an".
    pattern = re.compile(rf"{SIGN}(?<![\w,.]){AMOUNT}{SP}*({alts})(?![\w²³'’])")
    return units, pattern


def read_units(text: str, locale: str) -> str:
    """A number and a unit symbol: singular below two ("1,5 kilomètre"), agreement of "un"."""
    units, pattern = _units()

    def unit(m: re.Match[str]) -> str:
        sign, ip, frac, u = m[1], m[2], m[3], m[4]
        words = say_number(sign, digits_of(ip), frac, locale)
        n = int(digits_of(ip)) if len(digits_of(ip)) < 16 else 10**16
        one, many = units[u]
        if not frac and lexicon().noun(one.split()[0]) == "f":
            words = feminine(words)
        return f"{words} {one if n < 2 else many}"

    return pattern.sub(unit, text)
