"""Hear a voice before choosing it: a short spoken sample of any engine's voice, as MP3.

    from bulletin.voices_sample import sample, write_samples
    mp3 = sample("piper", "piper:fr_FR-tom-medium", "fr-FR")   # bytes, for a ▶ button
    write_samples(Path("samples"), "espeak", "fr-BE")          # one file per voice

``bulletin voices --sample [VOICE]`` writes them to a folder. The sample goes through the clip
cleaning a bulletin uses (silence trimmed, faded, levelled), so it sounds as the voice will in a
bulletin, but not through the cache: a sample is made to be heard once.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .atomic import atomic_path
from .engines.base import Engine, EngineConfig, Voice, find_voice, get_engine
from .errors import OutputError

SAMPLE_TEXT = (
    "Bonjour, voici les nouvelles de la journée. Le conseil communal a voté hier soir le nouveau "
    "budget des écoles, et les travaux commenceront au printemps."
)
"""What every voice says in its sample (fixed, so that voices can be compared)."""
SAMPLE_RATE = 44100


def _engine(engine: Engine | str, config: EngineConfig | None) -> Engine:
    return get_engine(engine, config) if isinstance(engine, str) else engine


def sample(
    engine: Engine | str,
    voice: Voice | str,
    locale: str = "fr-FR",
    *,
    config: EngineConfig | None = None,
    text: str = SAMPLE_TEXT,
) -> bytes:
    """A short MP3 of ``voice`` (a :class:`Voice`, or an id or name among the engine's voices for
    ``locale``) saying :data:`SAMPLE_TEXT`. Raises the engine's one-line errors (an unknown
    voice lists the voices there are)."""
    from .ffmpeg import encode_mp3
    from .mix import level, to_segment, trim
    from .normalize import normalize

    eng = _engine(engine, config)
    chosen = voice if isinstance(voice, Voice) else find_voice(eng.voices(locale), voice)
    chunk = eng.synthesize(normalize(text, chosen.locale), chosen)
    seg = level(trim(to_segment(chunk, SAMPLE_RATE)))
    with tempfile.TemporaryDirectory(prefix="bulletin-sample-") as tmp:
        out = Path(tmp) / "sample.mp3"
        encode_mp3(seg.raw_data, SAMPLE_RATE, out, bitrate="64k")
        return out.read_bytes()


def file_name(voice: Voice) -> str:
    """``piper_fr_FR-upmc-medium_jessica.mp3`` for ``piper:fr_FR-upmc-medium:jessica``."""
    return re.sub(r"[^\w.+-]+", "_", voice.id).strip("_") + ".mp3"


def write_samples(
    folder: Path,
    engine: Engine | str,
    locale: str = "fr-FR",
    voices: Sequence[str] | None = None,
    *,
    config: EngineConfig | None = None,
) -> list[tuple[Voice, Path]]:
    """Write one sample per voice of ``engine`` for ``locale`` (or of the named ``voices``) into
    ``folder`` (created if needed); each file appears whole or not at all."""
    eng = _engine(engine, config)
    offered = eng.voices(locale)
    chosen = [find_voice(offered, v) for v in voices] if voices else list(offered)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the samples folder {folder}: {exc.strerror or exc}") from exc
    written = []
    for v in chosen:
        data = sample(eng, v, locale)
        target = folder / file_name(v)
        with atomic_path(target) as tmp:
            tmp.write_bytes(data)
        written.append((v, target))
    return written
