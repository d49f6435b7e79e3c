"""Sound presets: what a podcast app, a broadcaster or an accessibility player expects."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import OptionError
from .loudness import Target


@dataclass(frozen=True)
class Preset:
    name: str
    target: Target
    """Loudness to meet (integrated LUFS, true peak dBTP)."""
    sample_rate: int
    """Output sample rate of the MP3."""
    bitrate: str
    """MP3 bitrate (mono)."""
    rate: float = 1.0
    """Default speaking rate."""
    pause_scale: float = 1.0
    """Multiplier on every pause."""
    announce_quotes: bool = False
    """Spoken "citation … fin de citation" cues."""
    description: str = ""


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("podcast", Target(-16.0, -1.5), 44100, "96k",
               description="-16 LUFS, true peak under -1 dBTP, mono 44.1 kHz 96 kbit/s (Apple Podcasts)"),
        Preset("broadcast", Target(-23.0, -1.5), 48000, "128k",
               description="EBU R128: -23 LUFS, mono 48 kHz 128 kbit/s"),
        Preset("accessible", Target(-16.0, -1.5), 44100, "96k", rate=0.85, pause_scale=1.6, announce_quotes=True,
               description="podcast loudness, slower speech, longer pauses, spoken quote cues"),
    )
}  # fmt: skip


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise OptionError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None
