"""Numbers in words, per locale, on top of num2words.

num2words' ``fr`` is right for France and Canada. Its ``fr_BE`` and ``fr_CH`` get agreement
wrong (``quatre-vingt`` alone, ``deux cents un``, ``un millions``), so Belgian and Swiss
readings are derived from the French one: *septante*, *nonante* and, in Switzerland, *huitante*.
"""

from __future__ import annotations

import re
from functools import lru_cache

from num2words import num2words

_TEENS = {
    "dix": "",
    "onze": " et un",
    "douze": "-deux",
    "treize": "-trois",
    "quatorze": "-quatre",
    "quinze": "-cinq",
    "seize": "-six",
    "dix-sept": "-sept",
    "dix-huit": "-huit",
    "dix-neuf": "-neuf",
}
_TEEN_ALT = "dix-sept|dix-huit|dix-neuf|dix|onze|douze|treize|quatorze|quinze|seize"
_SEVENTY = re.compile(rf"soixante(?:-| et )({_TEEN_ALT})")
_NINETY = re.compile(rf"quatre-vingt-({_TEEN_ALT})")
_EIGHTY = re.compile(r"quatre-vingts?(?:-(un|deux|trois|quatre|cinq|six|sept|huit|neuf))?")
_DIGIT_NAMES = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"]
MAX_EXACT_DIGITS = 15


def _regionalise(words: str, locale: str) -> str:
    if locale not in ("fr-BE", "fr-CH"):
        return words
    words = _NINETY.sub(lambda m: "nonante" + _TEENS[m[1]], words)
    words = _SEVENTY.sub(lambda m: "septante" + _TEENS[m[1]], words)
    if locale == "fr-CH":
        words = _EIGHTY.sub(
            lambda m: "huitante" + ("" if not m[1] else (" et un" if m[1] == "un" else "-" + m[1])), words
        )
    return words


def digits_words(digits: str) -> str:
    """Read a digit string one digit at a time (for codes and numbers too long to say)."""
    return " ".join(_DIGIT_NAMES[int(d)] for d in digits if d.isdigit())


@lru_cache(maxsize=8192)  # years, days and small counts recur all through an article
def cardinal(n: int, locale: str = "fr-FR") -> str:
    """``71`` → ``soixante et onze`` (fr-FR) / ``septante et un`` (fr-BE, fr-CH).

    From 10¹² on, amounts are said in milliards ("mille milliards", "deux mille cinq cents
    milliards"), as the press and radio say them, not "billion", which listeners take for the
    English billion.
    """
    if abs(n) >= 10**MAX_EXACT_DIGITS:
        sign = "moins " if n < 0 else ""
        return sign + digits_words(str(abs(n)))
    if abs(n) >= 10**12:
        sign = "moins " if n < 0 else ""
        high, low = divmod(abs(n), 10**9)
        words = f"{sign}{cardinal(high, locale)} milliards"
        return words + (f" {cardinal(low, locale)}" if low else "")
    return _regionalise(num2words(n, lang="fr"), locale)


def cardinal_str(digits: str, locale: str = "fr-FR") -> str:
    """Cardinal of a digit string; very long ones are read in groups of digits."""
    digits = digits.lstrip("0") or "0"
    if len(digits) > MAX_EXACT_DIGITS:
        return digits_words(digits)
    return cardinal(int(digits), locale)


def feminine(words: str) -> str:
    """``vingt et un`` → ``vingt et une`` before a feminine noun (heures, personnes…)."""
    return re.sub(r"\bun$", "une", words)


def ordinal(n: int, locale: str = "fr-FR", feminine_form: bool = False) -> str:
    """``1`` → ``premier``/``première``, ``21`` → ``vingt et unième``, ``80`` → ``quatre-vingtième``."""
    if n == 1:
        return "première" if feminine_form else "premier"
    words = cardinal(n, locale)
    head, _, last = words.rpartition(" ")
    lead = head + " " if head else ""
    hy_head, hy, last = last.rpartition("-")
    lead += hy_head + hy
    last = last.removesuffix("s") if last in ("vingts", "cents") else last
    if last == "un":
        last = "unième"
    elif last == "cinq":
        last = "cinquième"
    elif last == "neuf":
        last = "neuvième"
    elif last.endswith("e") or last in ("millions", "milliards"):
        last = last[:-1] + "ième"
    else:
        last += "ième"
    return lead + last


def decimal(int_part: str, frac_part: str, locale: str = "fr-FR") -> str:
    """``12,5`` → ``douze virgule cinq``; ``0,05`` → ``zéro virgule zéro cinq``."""
    whole = cardinal_str(int_part, locale)
    zeros = len(frac_part) - len(frac_part.lstrip("0"))
    rest = frac_part.lstrip("0")
    if len(frac_part) > 3 or not rest:
        tail = digits_words(frac_part)
    else:
        tail = " ".join(["zéro"] * zeros + [cardinal(int(rest), locale)])
    return f"{whole} virgule {tail}"


_ROMAN = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_value(token: str) -> int | None:
    """The value of a canonical Roman numeral (``XIV`` → 14), None for anything else."""
    if not token or not _ROMAN.match(token):
        return None
    total = 0
    for a, b in zip(token, token[1:] + " ", strict=True):
        va = _ROMAN_VALUES[a]
        vb = _ROMAN_VALUES.get(b, 0)
        total += -va if va < vb else va
    return total or None
