"""What a finished bulletin is: where it went, how long it is, what spoke it, what was written.

Its own module so that the outputs (which read a result) and the pipeline (which makes one)
do not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .script import Script
from .timeline import Timeline


@dataclass(frozen=True)
class BulletinResult:
    engine: str
    """What really spoke, e.g. ``gtts`` or ``gtts, 12 clips by espeak (fallback)``."""
    path: Path
    """The MP3."""
    duration_ms: int
    script: Script
    timeline: Timeline
    reason: str = ""
    """Why this engine (for ``--engine auto``: whether Google's service answered)."""
    files: dict[str, Path] = field(default_factory=dict)
    """Every file or folder written, by output name (``mp3``, ``vtt``, ``daisy``…)."""
    warnings: tuple[str, ...] = ()
    """Plain-English notes for the user (an unmatched --speaker-voice name, …)."""
