"""Amounts of money, per locale: "2,50 €" → "deux euros cinquante".

Choices where usage varies (all as French, Belgian, Swiss and Québec radio say them):

* Cents follow the unit without their name: "douze euros cinquante", "huitante-neuf francs
  nonante" (fr-CH "89.90 francs"), "douze dollars cinquante" (fr-CA "12,50 $"); an amount under
  one unit names them: "cinquante centimes", "cinquante cents".
* A decimal point with exactly two decimals is a price (``CHF 12.50``, ``$12.50``); with three
  digits it is a Belgian thousands separator (``3.000 €``).
* Round millions and milliards take "de": "2 000 000 000 €" → "deux milliards d'euros";
  ``M€``, ``Md€``, ``M$``, ``G$`` and ``k€`` are read the same way.
* 10¹² and more is said in milliards ("mille milliards"), not "billion", which listeners mishear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .common import AMOUNT, SP, de, digits_of, ends_in_scale, say_number
from .datafiles import table
from .numbers import cardinal, cardinal_str, feminine


@dataclass(frozen=True)
class Currency:
    gender: str
    one: str
    many: str
    sub_one: str
    sub_many: str


@cache
def _currencies() -> dict[tuple[str, str], Currency]:
    out = {}
    for symbol, locale, gender, one, many, sub_one, sub_many in table("currencies.tsv"):
        out[(symbol, locale)] = Currency(gender, one, many, "" if sub_one == "-" else sub_one, sub_many)
    return out


def currency(symbol: str, locale: str) -> Currency:
    table_ = _currencies()
    key = re.sub(r"\s+", " ", symbol)
    return table_.get((key, locale)) or table_[(key, "*")]


def _symbols(words: bool) -> str:
    """Alternation of currency signs and codes, longest first; ``words`` adds "euros", "francs"…"""
    syms = sorted({s for s, _ in _currencies() if words or not s[0].islower()}, key=len, reverse=True)
    return "|".join(re.escape(s).replace(r"\ ", f"{SP}?") for s in syms)


_SCALE_WORDS = r"millions?|milliards?|billions?|mille"
_SCALE_ABBR = {"k": "mille", "M": "millions", "Md": "milliards", "Mds": "milliards", "G": "milliards"}


def _amount(sign: str | None, int_part: str, frac: str | None, cur: Currency, scale: str | None, locale: str) -> str:
    digits = digits_of(int_part) or "0"
    n = int(digits) if len(digits) <= 15 else 10**15
    minus = "moins " if sign in ("-", "−") else ""
    if scale:
        amount = say_number(None, digits, frac, locale)
        if scale == "mille":
            return f"{minus}{amount} mille {cur.many}"
        if scale.endswith("s") and n < 2:
            scale = scale[:-1]  # "1,2 milliard": the plural starts at two
        elif not scale.endswith("s") and n >= 2:
            scale += "s"
        return f"{minus}{amount} {scale} {de(cur.many)}{cur.many}"
    if frac and len(frac) <= 2 and cur.sub_one:
        cents = int(frac) * (10 if len(frac) == 1 else 1)
        if n == 0:
            return f"{minus}{cardinal(cents, locale)} {cur.sub_one if cents == 1 else cur.sub_many}"
        whole = cardinal_str(digits, locale)
        if cur.gender == "f":
            whole = feminine(whole)
        unit = cur.one if n == 1 else cur.many
        return f"{minus}{whole} {unit}" + (f" {cardinal(cents, locale)}" if cents else "")
    amount = say_number(None, digits, frac, locale)
    if cur.gender == "f" and not frac:
        amount = feminine(amount)
    if ends_in_scale(amount) and not frac:
        return f"{minus}{amount} {de(cur.many)}{cur.many}"
    unit = cur.one if (n < 2 and not frac) else cur.many
    return f"{minus}{amount} {unit}"


# A price with a decimal point: "89.90", "12.50" (exactly two decimals), or Swiss "12.–".
_POINT_PRICE = r"(\d+)\.(\d\d|[-–])(?!\d)"


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    cur = _symbols(words=True)
    sym = _symbols(words=False)
    sign = r"(?:(?<![\w.,\d])([-−]))?"
    scale = rf"(?:({_SCALE_WORDS}){SP}*(?:d['’]|de{SP}+)?)"
    return (
        # 12 M€, 3 Md€, 2,5 G$, 40 k€
        re.compile(rf"{sign}(?<![\w,.]){AMOUNT}{SP}?(k|M|Mds?|G)({cur})(?![\w])"),
        # 89.90 francs, 12.50 $ (a point price)
        re.compile(rf"{sign}(?<![\w,.]){_POINT_PRICE}{SP}*({cur})(?![\w])"),
        # 2,50 €, 3 millions d'euros, 2 000 000 000 €, 12,50 $
        re.compile(rf"{sign}(?<![\w,.]){AMOUNT}{SP}*{scale}?({cur})(?![\w])"),
        # CHF 12.50, $12.50, € 15
        re.compile(rf"(?<![\w])({sym}){SP}?([-−])?{_POINT_PRICE}"),
        # CHF 20, € 15, $ 3 millions
        re.compile(rf"(?<![\w])({sym}){SP}?([-−])?{AMOUNT}(?:{SP}+({_SCALE_WORDS}))?(?![\w,])"),
    )


def read_money(text: str, locale: str) -> str:
    """Every amount with a currency sign, code or (for cents) name, in words."""
    abbr, point_after, after, point_before, before = _patterns()

    def sub_abbr(m: re.Match[str]) -> str:
        return _amount(m[1], m[2], m[3], currency(m[5], locale), _SCALE_ABBR[m[4]], locale)

    def sub_point_after(m: re.Match[str]) -> str:
        frac = None if m[3] in "-–" else m[3]
        return _amount(m[1], m[2], frac, currency(m[4], locale), None, locale)

    def sub_after(m: re.Match[str]) -> str:
        cur = currency(m[5], locale)
        if m[5][0].islower() and not m[3] and not m[4] and not ends_in_scale(cardinal_str(digits_of(m[2]))):
            return m[0]  # "55 000 euros": the number rule reads it, the word stays
        return _amount(m[1], m[2], m[3], cur, m[4], locale)

    def sub_point_before(m: re.Match[str]) -> str:
        frac = None if m[4] in "-–" else m[4]
        return _amount(m[2], m[3], frac, currency(m[1], locale), None, locale)

    def sub_before(m: re.Match[str]) -> str:
        return _amount(m[2], m[3], m[4], currency(m[1], locale), m[5], locale)

    text = abbr.sub(sub_abbr, text)
    text = point_after.sub(sub_point_after, text)
    text = after.sub(sub_after, text)
    text = point_before.sub(sub_point_before, text)
    return before.sub(sub_before, text)
