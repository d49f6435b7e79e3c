"""French quote detection and speaker attribution: who says what, the way a radio producer casts it.

Stages, each in its own module: :mod:`.spans` (quoted spans, quote or embedded),
:mod:`.mentions` (noun phrases, the mention filter, one entity list per article),
:mod:`.pronouns` (salience), :mod:`.attribution` (the named rules and the confidence
thresholds), :mod:`.detector` (the pass over an article), :mod:`.interview` (transcripts:
Q.-/R.-, speaker lines). Word lists are data files under ``data/`` (:mod:`.lexicon`).
"""

from __future__ import annotations

from .attribution import LOW_CONFIDENCE, MIN_CONFIDENCE, Attribution
from .detector import Piece, QuoteDetector, detect_quotes
from .lexicon import Gender
from .mentions import clean_label, is_speaker_mention
from .sentences import split_sentences
from .spans import QUOTE_CHARS, scan_spans

__all__ = [
    "LOW_CONFIDENCE",
    "MIN_CONFIDENCE",
    "QUOTE_CHARS",
    "Attribution",
    "Gender",
    "Piece",
    "QuoteDetector",
    "clean_label",
    "detect_quotes",
    "is_speaker_mention",
    "scan_spans",
    "split_sentences",
]
