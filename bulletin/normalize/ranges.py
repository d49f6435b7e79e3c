"""Hyphens between numbers: a compound reference ("tiret") or a range ("à").

* A reference is a number after "article", "alinéa", "numéro", "loi", "décret"… or after a code
  letter ("L. 123-4", "R123-4"): "article 58-1" → "article cinquante-huit tiret un",
  "Article L. 123-4" → "Article L cent vingt-trois tiret quatre".
* Any other "N-M" is a range or a score, both said with "à": "60-70 %" → "60 à 70 %" (the
  percent rule then reads it), "2009-2016", "10-15 ans", "3-1"; after "entre" it is "et":
  "entre 60-70 %" → "entre 60 et 70 %". Dates (12-03-2020) are read
  before this rule, so their hyphens are gone.
"""

from __future__ import annotations

import re

from .common import NUM, SP
from .numbers import cardinal_str

_KEYWORDS = (
    r"[Aa]rticles?|[Aa]linéas?|[Nn]uméros?|[Ll]ois?|[Dd]écrets?|[Dd]irectives?|[Oo]rdonnances?"
    r"|[Rr]èglements?|[Aa]rrêtés?|[Dd]élibérations?|[Dd]ossiers?|[Aa]ffaires?|[Rr]equêtes?|[Aa]rrêts?"
)
_CODE_LETTER = rf"(?:[LRDA]\.?{SP}*|[LRDA](?=\d))"
_PARTS = r"\d+(?:[-‑–]\d+)+"
# "articles 12-1 et 12-2", "articles 12-1, 12-3 ou 14-2": the keyword covers the whole list.
_LIST = rf"(?:{_CODE_LETTER})?{_PARTS}(?:{SP}*(?:,|et|ou|à){SP}*(?:{_CODE_LETTER})?{_PARTS})*"
_AFTER_KEYWORD = re.compile(rf"\b((?:{_KEYWORDS})(?:{SP}+(?:n°|no|numéro))?{SP}+)({_LIST})(?![\w-])")
_ONE = re.compile(rf"({_CODE_LETTER})?({_PARTS})")
_CODE_ALONE = re.compile(rf"(?<![\w.])([LRD])(?:\.{SP}*|(?=\d))({_PARTS})(?![\w-])")


def _tiret(parts: str, locale: str) -> str:
    return " tiret ".join(cardinal_str(p, locale) for p in re.split(r"[-‑–]", parts))


def read_references(text: str, locale: str) -> str:
    """Compound references read with "tiret" (see the module docstring)."""

    def one(m: re.Match[str]) -> str:
        letter = (m[1].strip(" .\u00a0\u202f") + " ") if m[1] else ""
        return f"{letter}{_tiret(m[2], locale)}"

    def keyword(m: re.Match[str]) -> str:
        return m[1] + _ONE.sub(one, m[2])

    text = _AFTER_KEYWORD.sub(keyword, text)
    return _CODE_ALONE.sub(lambda m: f"{m[1]} {_tiret(m[2], locale)}", text)


_RANGE = re.compile(rf"(?<![\w.,‑–-])((?:{NUM})(?:,\d+)?){SP}?[-–‑]{SP}?(?=(?:{NUM})(?:,\d+)?(?![\w‑–-]|,\d|\.\d))")


# "entre 60-70 %": French says "entre … et …", never "entre … à …".
_ENTRE = re.compile(rf"(\b[Ee]ntre{SP}+)((?:{NUM})(?:,\d+)?){SP}?[-–‑]{SP}?(?=(?:{NUM})(?:,\d+)?(?![\w‑–-]|,\d|\.\d))")


def mark_ranges(text: str, locale: str) -> str:
    """Ranges: "60-70 %" → "60 à 70 %", "2009-2016" → "2009 à 2016": both ends keep their digits, so the
    money, percent and unit rules read them with their unit. After "entre" the range is "entre 60 et 70 %"."""
    text = _ENTRE.sub(r"\1\2 et ", text)
    return _RANGE.sub(r"\1 à ", text)
