"""The speech rules, each a small ``str -> str`` step (``rule(text, locale)``), in their order.

Order matters, and this is why it is what it is:

1. ``drop_emoji``, ``drop_brackets``: what is never read goes first (footnote markers hold
   digits that no later rule must read).
2. ``read_urls``, ``read_hashtags``: addresses hold dots, digits and hyphens of their own.
3. ``expand_abbreviations``, ``read_fixed_forms``: "p. 12", "art. 58-1", "2 CV" need their
   digits and their dots.
4. ``read_phones``, ``read_references``, ``read_dates``, ``read_times``: the shapes in which a
   hyphen, a point or a slash between digits means something else than a range or a decimal.
5. ``mark_ranges``: any "N-M" left is a range ("N à M"), written back with its digits so that
6. ``read_money``, ``read_percent``, ``read_units``, ``read_ordinals``, ``read_fractions`` read
   each end with its unit ("60 à 70 %" → "soixante à soixante-dix pour cent").
7. ``read_acronyms``: after units ("km", "GeV" are not acronyms) and before bare numbers (so
   "COP21" is split first).
8. ``read_numbers``: every number left, with the agreement of "un" and the "de" after millions;
   the last step of it reads any digit left, so nothing an engine receives holds a digit.
9. ``read_symbols``, ``tidy``.
"""

from __future__ import annotations

from collections.abc import Callable

from .abbreviations import expand_abbreviations, read_fixed_forms
from .acronyms import read_acronyms
from .addresses import read_hashtags, read_urls
from .cleanup import drop_brackets, drop_emoji, tidy
from .dates import read_dates, read_times
from .figures import read_fractions, read_numbers, read_symbols
from .money import read_money
from .ordinals import read_ordinals
from .phones import read_phones
from .quantities import read_percent, read_units
from .ranges import mark_ranges, read_references

Rule = Callable[[str, str], str]

# Rules that only ever read figures: a sentence without a digit (most of an article) skips them,
# which halves the cost of normalising a long article. Ordinals are not among them: "XXIe",
# "François Ier" hold no digit.
NEEDS_DIGIT: frozenset[Rule] = frozenset({
    read_fixed_forms, read_phones, read_references, read_dates, read_times, mark_ranges, read_money,
    read_percent, read_units, read_fractions, read_numbers,
})  # fmt: skip

RULES: tuple[Rule, ...] = (
    drop_emoji,
    drop_brackets,
    read_urls,
    read_hashtags,
    expand_abbreviations,
    read_fixed_forms,
    read_phones,
    read_references,
    read_dates,
    read_times,
    mark_ranges,
    read_money,
    read_percent,
    read_units,
    read_ordinals,
    read_fractions,
    read_acronyms,
    read_numbers,
    read_symbols,
    tidy,
)
