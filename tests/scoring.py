"""The corpus scorer's matching rules (../shared/tools/score_quotes.py), for tests and for
scripts/quote_rules.py: words without accents, in-order coverage, and speaker agreement."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from typing import Any

WORD = re.compile(r"\w+", re.UNICODE)
TITLES = {"m", "mme", "mmes", "mm", "me", "dr", "pr", "monsieur", "madame", "maitre", "docteur"}


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text.lower())
    return WORD.findall("".join(c for c in text if not unicodedata.combining(c)))


def covered(inner: list[str], outer: list[str]) -> float:
    """Share of ``inner`` words found, in order, in ``outer``."""
    if not inner:
        return 1.0
    sm = SequenceMatcher(None, inner, outer, autojunk=False)
    return sum(b.size for b in sm.get_matching_blocks()) / len(inner)


def speaker_ok(pred: str | None, gold: dict[str, Any]) -> bool:
    """The scorer's rule: the predicted name and a gold name contain one another (titles aside)."""
    if gold.get("speaker") is None:
        return True
    if not pred:
        return False
    p = " ".join(w for w in words(pred) if w not in TITLES)
    for cand in [gold["speaker"], *(gold.get("speaker_alt") or [])]:
        c = " ".join(w for w in words(str(cand)) if w not in TITLES)
        if c and (c in p or (p and p in c)):
            return True
    return False
