"""Dates and times of day.

Numeric dates are read day first in every French locale (dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy);
when the first number cannot be a day-of-month reading but the swap is valid (``03/15/2020``, a
US date in a Québec text) they are read month first. ISO dates (yyyy-mm-dd, yyyy/mm/dd, common in
Québec) are read as dates too. The first of the month is "premier".
"""

from __future__ import annotations

import re

from ..french import MONTHS
from .common import SP
from .numbers import cardinal, cardinal_str, feminine

_MONTH_ALT = "|".join(MONTHS) + "|fevrier|aout|decembre"


def _say_day(day: int, locale: str) -> str:
    return "premier" if day == 1 else cardinal(day, locale)


def _valid(day: int, month: int, year: int | None) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    limits = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    if month == 2 and year is not None and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return day <= 28
    return day <= limits[month - 1]


def _date(day: int, month: int, year: int | None, locale: str) -> str:
    out = f"{_say_day(day, locale)} {MONTHS[month - 1]}"
    return out + (f" {cardinal(year, locale)}" if year is not None else "")


# "le 14/03", "du 3/4 au 7/4", "lundi 14/03": a day and a month without a year, only after a word
# that announces a date (elsewhere "3/4" is a fraction and "24/7" a phrase).
_DAY_WORDS = r"le|du|au|dès|depuis|jusqu'au|jusqu’au|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
_DAY_MONTH = re.compile(rf"(?<![\w'’])((?:{_DAY_WORDS}){SP}+)(\d{{1,2}})/(\d{{1,2}})(?![\d/,.]\d|[\d/])", re.I)


def read_dates(text: str, locale: str) -> str:
    """``12-03-2020``, ``12/03/2020``, ``12.03.2020`` → "douze mars deux mille vingt"; ISO too."""

    def iso(m: re.Match[str]) -> str:
        y, mo, d = int(m[1]), int(m[2]), m[3]
        if d is None and (mo == (y + 1) % 100 or not 1 <= mo <= 12):
            return m[0]  # "2009-10" is a season (2009 to 2010), not October: the range rule reads it
        if d is None:
            return f"{MONTHS[mo - 1]} {cardinal(y, locale)}"
        if not _valid(int(d), mo, y):
            return m[0]
        return _date(int(d), mo, y, locale)

    text = re.sub(r"(?<![\d/.,-])(\d{4})-(\d{2})(?:-(\d{2}))?(?![\d-])", iso, text)
    text = re.sub(r"(?<![\d/.,-])(\d{4})/(\d{2})/(\d{2})(?![\d/])", iso, text)

    def numeric(m: re.Match[str]) -> str:
        a, b, y = int(m[1]), int(m[2]), m[3]
        year = int(y) if y else None
        if year is not None and len(y) == 2:
            year = 2000 + year if year < 50 else 1900 + year
        if _valid(a, b, year):
            return _date(a, b, year, locale)
        if _valid(b, a, year):
            return _date(b, a, year, locale)
        parts = [m[1], m[2]] + ([y] if y else [])
        return " barre oblique ".join(cardinal_str(p, locale) for p in parts)

    text = re.sub(r"(?<![\d/.,])(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?![\d/])", numeric, text)

    def day_month(m: re.Match[str]) -> str:
        day, month = int(m[2]), int(m[3])
        return m[1] + _date(day, month, None, locale) if _valid(day, month, None) else m[0]

    text = _DAY_MONTH.sub(day_month, text)
    text = re.sub(r"(?<![\d.,-])(\d{1,2})-(\d{1,2})-(\d{4})(?![\d-])", numeric, text)
    text = re.sub(r"(?<![\d.,])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])", numeric, text)
    # 1er janvier, 1er mai 2020: the day of the month is "premier"
    text = re.sub(rf"\b1(?:er|ᵉʳ)(?={SP}+(?:{_MONTH_ALT})\b)", "premier", text, flags=re.I)
    return text


_H = rf"(\d{{1,2}}){SP}?h{SP}?(\d{{2}})?"


def read_times(text: str, locale: str) -> str:
    """``9 h 11`` → "neuf heures onze", ``14h30``, ``13:45``; ``9h-17h`` → "… à …"."""

    def hm(m: re.Match[str]) -> str:
        h, mins = int(m[1]), m[2]
        if h > 24 or (mins and int(mins) > 59):
            return m[0]
        hours = feminine(cardinal(h, locale)) + (" heure" if h <= 1 else " heures")
        if mins and int(mins):
            return f"{hours} {feminine(cardinal(int(mins), locale))}"
        return hours

    # A span of hours: "9h-17h", "de 8 h 30 à 12 h" (the second already has its "à").
    text = re.sub(rf"(?<![\d,.])({_H}){SP}?[-–]{SP}?(?={_H}(?![\w]))", r"\1 à ", text)
    # 9 h 11, 14h30, 8h, 20 h 00 — "h" must stand alone (not "hab", "ha").
    text = re.sub(rf"(?<![\d,.]){_H}(?![\w])", hm, text)
    text = re.sub(r"(?<![\d,.:])(\d{1,2}):(\d{2})(?![\d:])", hm, text)
    return text
