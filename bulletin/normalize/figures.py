"""What is left once dates, money, units and ordinals are read: fractions, bare numbers, symbols."""

from __future__ import annotations

import re
from functools import cache

from .common import NUM, SIGN, SP, agree, de, digits_of, ends_in_scale, say_number
from .datafiles import entries
from .numbers import cardinal, cardinal_str, ordinal

_FRACTIONS = {2: ("demi", "demis"), 3: ("tiers", "tiers"), 4: ("quart", "quarts")}


def read_fractions(text: str, locale: str) -> str:
    """``3/4`` → "trois quarts", ``1/5`` → "un cinquième"; ``12/20`` → "douze sur vingt"."""

    def fraction(m: re.Match[str]) -> str:
        a, b = int(m[1]), int(m[2])
        # Marks and scores out of 10, 20 or 100, and anything not below one, are "sur": "12/20".
        if b == 0 or b > 100 or b in (10, 20, 100) or a >= b:
            return f"{cardinal(a, locale)} sur {cardinal(b, locale)}"
        one, many = _FRACTIONS.get(b, (ordinal(b, locale), ordinal(b, locale) + "s"))
        return f"{cardinal(a, locale)} {one if a < 2 else many}"

    return re.sub(r"(?<![\w/.,])(\d{1,3})/(\d{1,3})(?![\w/])", fraction, text)


@cache
def _function_words() -> frozenset[str]:
    return frozenset(entries("function_words.txt"))


_JOIN = "\ue002"  # "d'" then this mark: the space after it goes, so "d'habitants" is one word
_NEXT_WORD = re.compile(rf"{SP}+([a-zà-ÿœæ][\w-]*)")
_NUMBER = re.compile(rf"{SIGN}(?<![\w.,])({NUM})(?:,(\d+))?(?![\w])")


def _number(m: re.Match[str], locale: str) -> str:
    rest = m.string[m.end() :]
    words = say_number(m[1], digits_of(m[2]), m[3], locale)
    if m[3]:
        return words
    words = agree(words, rest)
    nxt = _NEXT_WORD.match(rest)
    if ends_in_scale(words) and nxt and nxt[1] not in _function_words():
        # "2 000 000 habitants" → "deux millions d'habitants": the scale word is a noun.
        return words + " " + ("d'" + _JOIN if de(nxt[1]) == "d'" else "de")
    return words


def read_numbers(text: str, locale: str) -> str:
    """Every number left, in words: dotted codes, then integers and decimals, then glued digits."""

    def dotted(m: re.Match[str]) -> str:
        # 1.2.3.4, version numbers, IP addresses: read each part, "point" between.
        return " point ".join(cardinal_str(p, locale) for p in m[0].split("."))

    text = re.sub(
        r"(?<![\w.])\d+(?:\.\d+){2,}(?![\w])(?!\.\d)",
        lambda m: m[0] if re.fullmatch(rf"{NUM}", m[0]) else dotted(m),
        text,
    )
    text = re.sub(r"(?<![\w.])\d+\.\d{1,2}(?![\d\w])", dotted, text)
    text = _NUMBER.sub(lambda m: _number(m, locale), text)
    text = re.sub(rf"{_JOIN}{SP}*", "", text)
    # Numbers glued to letters (G20, A380): split and read.
    return re.sub(r"\d+", lambda m: " " + cardinal_str(m[0], locale) + " ", text)


_SYMBOLS = re.compile(r"[&+=×/§‰%°€$£]|\d\s*x")


def read_symbols(text: str, locale: str) -> str:
    """&, +, =, ×, /, §, ‰, %, °, currency signs left alone: their words."""
    if _SYMBOLS.search(text) is None:  # most sentences hold none
        return text
    text = re.sub(r"(?<=\w)\s*&\s*(?=\w)", " et ", text)
    text = re.sub(r"\s&\s", " et ", text)
    text = re.sub(r"(?<=[\d\s])\+(?=[\s\d])", " plus ", text)
    text = re.sub(r"\s=\s|(?<=\d)=(?=\d)", " égale ", text)
    text = re.sub(r"(?<=\d)\s*[x×]\s*(?=\d)", " fois ", text)
    text = re.sub(r"\bet/ou\b", "et ou", text)
    text = re.sub(r"(?<=\d)/(?=\d)", " sur ", text)
    text = re.sub(r"(?<=\w)/(?=\w)", " ", text)
    text = text.replace("§", " paragraphe ").replace("‰", " pour mille ").replace("%", " pour cent")
    text = text.replace("°", " degrés ").replace("€", " euros ").replace("$", " dollars ").replace("£", " livres ")
    return text.replace("&", " et ").replace("+", " plus ").replace("=", " égale ")
