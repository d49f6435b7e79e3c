"""Telephone numbers, read the way each country says them.

Detected by their written shape (the country code when there is one, else the grouping), not by
the locale: a Paris number in a Belgian article is still read the French way.

* France (``01 45 67 89 12``, ``+33 1 45 67 89 12``): in pairs, "zéro un, quarante-cinq,
  soixante-sept, quatre-vingt-neuf, douze".
* Belgium (``02 123 45 67``, ``0475 12 34 56``, ``+32 2 …``) and Switzerland (``022 123 45 67``,
  ``+41 22 …``): group by group as written, a leading zero said "zéro" ("zéro deux, cent
  vingt-trois, quarante-cinq, soixante-sept"), with the locale's septante/huitante/nonante.
* North America (``514 555-1234``, ``(514) 555-1234``, ``1 800 555-1234``): digit by digit within
  each group, as Québec radio says them: "cinq un quatre, cinq cinq cinq, un deux trois quatre".

Groups are separated by commas so that engines pause between them.
"""

from __future__ import annotations

import re

from .numbers import cardinal, digits_words

_S = r"[ .\u00a0\u202f]"  # a separator inside a phone number
_FR = rf"(?:\+33{_S}?(?:\(0\){_S}?)?[1-9]|0[1-9])(?:(?:{_S}\d\d){{4}}|\d{{8}})"
_BE = rf"(?:\+32{_S}?|0)(?:4\d\d(?:{_S}\d\d){{3}}|[2349]{_S}\d{{3}}(?:{_S}\d\d){{2}}|[1-9]\d(?:{_S}\d\d){{3}})"
_CH = rf"(?:\+41{_S}?|0)\d\d{_S}\d{{3}}(?:{_S}\d\d){{2}}"
_NA = r"(?:\+?1[ -])?(?:\(\d{3}\)[ ]?|\d{3}[ -])\d{3}-\d{4}"
_PHONE = re.compile(rf"(?<![\w+.,])(?:({_FR})|({_CH})|({_BE})|({_NA}))(?![\w])")


def _group(digits: str, locale: str) -> str:
    """A group of digits: "045" → "zéro quarante-cinq": each leading zero said, then the rest as a number."""
    zeros = len(digits) - len(digits.lstrip("0"))
    rest = digits.lstrip("0")
    words = ["zéro"] * zeros + ([cardinal(int(rest), locale)] if rest else [])
    return " ".join(words)


def _groups(written: str) -> list[str]:
    return [g for g in re.split(r"[^\d+]+", written) if g]


def _international(groups: list[str], locale: str) -> tuple[list[str], list[str]]:
    """Split a leading "+33" off: ("plus trente-trois",) and the groups that follow."""
    if groups and groups[0].startswith("+"):
        code = groups[0][1:3]
        head = [f"plus {cardinal(int(code), locale)}"]
        rest = groups[0][3:]
        return head, ([rest] if rest else []) + groups[1:]
    return [], groups


def _french(written: str, locale: str) -> str:
    head, groups = _international(_groups(written.replace("(0)", "")), locale)
    digits = "".join(groups)
    if head:
        # +33 1 45 67 89 12: the single digit after the code, then pairs.
        parts = [_group(digits[0], locale)] + [_group(digits[i : i + 2], locale) for i in range(1, len(digits), 2)]
    else:
        parts = [_group(digits[i : i + 2], locale) for i in range(0, len(digits), 2)]
    return ", ".join(head + parts)


def _by_groups(written: str, locale: str) -> str:
    head, groups = _international(_groups(written), locale)
    return ", ".join(head + [_group(g, locale) for g in groups])


def _digit_by_digit(written: str, locale: str) -> str:
    return ", ".join(digits_words(g) for g in _groups(written) if g.strip("+"))


def read_phones(text: str, locale: str) -> str:
    """Every telephone number in ``text`` in words (see the module docstring for the choices)."""

    def phone(m: re.Match[str]) -> str:
        if m[1]:
            return _french(m[1], locale)
        if m[2] or m[3]:
            return _by_groups(m[0], "fr-CH" if m[2] and locale == "fr-CH" else locale)
        return _digit_by_digit(m[0], locale)

    return _PHONE.sub(phone, text)
