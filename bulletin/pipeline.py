"""The library entry point: an article file in, a tagged MP3 bulletin out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .article import Article, read_article, slugify
from .atomic import atomic_path, check_writable_dir
from .engines.base import AudioChunk, Engine, get_engine
from .errors import ConfigError
from .ffmpeg import encode_mp3
from .mix import prepare_clips, render
from .normalize import LOCALES, load_lexicon
from .outputs.id3 import TagInfo, write_tags
from .script import Script, build_script
from .timeline import Timeline, place

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while segments are synthesised."""

DEFAULT_OUT_DIR = Path("audio_out")


@dataclass(frozen=True)
class Options:
    """Everything that shapes a bulletin besides the article."""

    engine: str = "espeak"
    """Engine name (``bulletin voices`` lists them)."""
    locale: str = "fr-FR"
    """fr-FR, fr-BE, fr-CH or fr-CA: voices and number readings."""
    title: str | None = None
    """Overrides the article's title (and is spoken)."""
    show: str = "Bulletin"
    """Show name: ID3 album and artist."""
    lexicon: Path | None = None
    """An extra pronunciation lexicon (TOML)."""
    speaker_voices: dict[str, str] = field(default_factory=dict)
    """Speaker name → voice id, overriding the casting."""
    announce_quotes: bool = False
    """Say "citation" / "fin de citation" around each quote."""
    rate: float = 1.0
    """Speaking rate, 0.7 to 1.3."""
    bitrate: str = "64k"
    """MP3 bitrate."""

    def check(self) -> None:
        if self.locale not in LOCALES:
            raise ConfigError(f"unknown locale {self.locale!r}; choose one of {', '.join(LOCALES)}")
        if not 0.7 <= self.rate <= 1.3:
            raise ConfigError(f"rate {self.rate} is out of range: use 0.7 to 1.3")


@dataclass(frozen=True)
class BulletinResult:
    path: Path
    duration_ms: int
    script: Script
    timeline: Timeline


def default_output(article: Article, title: str | None = None, folder: Path = DEFAULT_OUT_DIR) -> Path:
    """``audio_out/<date>-<slug>.mp3``; today's date when the article has none."""
    date = article.date or dt.date.today().isoformat()
    return folder / f"{date}-{slugify(title or article.display_title)}.mp3"


def make_script(article: Article, options: Options, engine: Engine | None = None) -> Script:
    """The script of a bulletin, without synthesising anything."""
    options.check()
    engine = engine or get_engine(options.engine)
    return build_script(
        article,
        engine.voices(options.locale),
        locale=options.locale,
        lexicon=load_lexicon(options.lexicon),
        title=options.title,
        speaker_voices=options.speaker_voices,
        announce_quotes=options.announce_quotes,
    )


def synthesize(script: Script, engine: Engine, rate: float, progress: Progress | None = None) -> list[AudioChunk]:
    """One clip per segment; identical (voice, text) pairs are spoken once."""
    memo: dict[tuple[str, str], AudioChunk] = {}
    out: list[AudioChunk] = []
    total = len(script.segments)
    for i, seg in enumerate(script.segments):
        key = (seg.voice, seg.spoken)
        if key not in memo:
            memo[key] = engine.synthesize(seg.spoken, script.voices[seg.voice], rate)
        out.append(memo[key])
        if progress:
            progress(i + 1, total)
    return out


def make_bulletin(
    article_path: str | Path,
    out: str | Path | None = None,
    options: Options | None = None,
    *,
    engine: Engine | None = None,
    progress: Progress | None = None,
) -> BulletinResult:
    """Read an article and write its bulletin; returns where it went and how long it is."""
    options = options or Options()
    options.check()
    article = read_article(article_path)
    target = Path(out) if out is not None else default_output(article, options.title)
    check_writable_dir(target.parent if str(target.parent) else Path("."))
    engine = engine or get_engine(options.engine)
    script = make_script(article, options, engine)

    chunks = synthesize(script, engine, options.rate, progress)
    sample_rate = max((c.sample_rate for c in chunks), default=22050)
    clips = prepare_clips(chunks, sample_rate)
    durations = [round(len(c.raw_data) / 2 * 1000 / sample_rate) for c in clips]
    timeline = place(script, durations)
    pcm = render(timeline, clips, sample_rate)

    voices = sorted({f"{s.speaker or 'présentateur'}={s.voice}" for s in script.segments})
    info = TagInfo(
        title=script.title,
        artist=options.show,
        album=options.show,
        date=script.date,
        genre="Podcast",
        comment=f"Source : {script.source}" if script.source else "Bulletin d'information",
        transcript=transcript(script),
        engine=f"{engine.name} ({engine.version})",
        voices="; ".join(voices),
    )
    with atomic_path(target) as tmp:
        encode_mp3(pcm, sample_rate, tmp, bitrate=options.bitrate)
        write_tags(tmp, info, timeline.chapters(script.title))
    return BulletinResult(target, timeline.duration_ms, script, timeline)


def transcript(script: Script) -> str:
    """The article's words, paragraph by paragraph, with speakers named before their quotes."""
    lines: list[str] = []
    block = None
    for s in script.segments:
        if s.kind == "cue":
            continue
        text = f"{s.speaker} : « {s.text} »" if s.kind == "quote" else s.text
        if s.kind in ("title", "heading") or s.block != block or not lines:
            lines.append(text)
        else:
            lines[-1] += " " + text
        block = s.block
    return "\n\n".join(lines)
