"""Ordinals, centuries and regnal numbers.

* ``78e``, ``78ème``, ``78 ème``, ``78è`` → "soixante-dix-huitième" (fr-BE, fr-CH:
  "septante-huitième"); plurals ``2es``, ``2èmes`` → "deuxièmes".
* ``1er`` → "premier", ``1re``/``1ère`` → "première", ``1ers`` → "premiers", ``1res`` →
  "premières"; the ambiguous ``1e``/``1ème`` take the gender of the noun after them.
* ``2nd``/``2nde`` → "second"/"seconde" (the writer chose the word).
* Roman: ``XXIe siècle`` → "vingt et unième siècle", ``IIe`` → "deuxième".
* After a name, a Roman numeral is a cardinal ("Louis quatorze", "Jean-Paul deux"), except one:
  ``François Ier`` → "premier", ``Élisabeth Ire`` → "première".
"""

from __future__ import annotations

import re

from .common import SP
from .gender import gender_of_next_noun
from .numbers import cardinal, ordinal, roman_value

# Suffixes that may be written after a space ("78 ème") are the unmistakable ones; a lone "e"
# must touch its number ("3e"), since "3 e" is not an ordinal.
_LONG = r"ièmes|iemes|èmes|emes|ième|ieme|ème|eme|ères|eres|ère|ere|ers|er|res|re|ndes|nde|nds|nd"
_SHORT = r"es|e|è|ᵉʳ|ʳᵉ|ᵉˢ|ᵉ"
_ARABIC = re.compile(rf"(?<![\w,.])(\d{{1,6}})(?:{SP}?({_LONG})|({_SHORT}))(?![\w])")


def _arabic(m: re.Match[str], locale: str) -> str:
    n = int(m[1])
    suffix = (m[2] or m[3]).lower()
    plural = suffix.endswith(("s", "ˢ")) and suffix not in ("s",)
    rest = m.string[m.end() :]
    if suffix.startswith("nd"):
        word = "seconde" if suffix.startswith("nde") else "second"
        return word + ("s" if plural else "")
    if n == 1:
        if suffix in ("er", "ers", "ᵉʳ"):
            fem = False
        elif suffix in ("re", "res", "ère", "ères", "ere", "eres", "ʳᵉ"):
            fem = True
        else:
            fem = gender_of_next_noun(rest) == "f"
        return ("première" if fem else "premier") + ("s" if plural else "")
    return ordinal(n, locale) + ("s" if plural else "")


def _roman(m: re.Match[str], locale: str) -> str:
    v = roman_value(m[1])
    if v is None:
        return m[0]
    suffix = m[2].lower()
    plural = suffix.endswith("s")
    if v == 1:
        fem = suffix in ("re", "ère", "res", "ères")
        return ("première" if fem else "premier") + ("s" if plural else "")
    return ordinal(v, locale) + ("s" if plural else "")


_ROMAN = re.compile(r"\b([IVX][IVXLC]{0,6})(er|ère|re|ème|e|ᵉ|ᵉʳ|es|èmes)(?![\w])")
_REGNAL = re.compile(
    r"\b([A-ZÀ-Þ][a-zà-ÿ]+(?:-[A-ZÀ-Þ][a-zà-ÿ]+)?|[Cc]hapitre|[Aa]cte|[Tt]ome|[Ss]aison|[Tt]itre|[Pp]hase"
    rf"|[Pp]artie|[Ll]ivre|[Vv]olume|[Aa]nnexe|[Ss]ection){SP}+(Ier|Ire|[IVXL]{{1,6}})\b(?![-'’])"
)


def read_ordinals(text: str, locale: str) -> str:
    """Every ordinal in ``text`` in words (see the module docstring for the readings)."""
    text = _ARABIC.sub(lambda m: _arabic(m, locale), text)
    text = _ROMAN.sub(lambda m: _roman(m, locale), text)

    def regnal(m: re.Match[str]) -> str:
        if m[2] in ("Ier", "Ire"):
            return f"{m[1]} {'premier' if m[2] == 'Ier' else 'première'}"
        v = roman_value(m[2])
        if v is None or v > 39:
            return m[0]
        return f"{m[1]} {cardinal(v, locale)}"

    return _REGNAL.sub(regnal, text)
