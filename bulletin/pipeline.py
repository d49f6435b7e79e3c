"""The library entry point: an article file in, a tagged MP3 bulletin out."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .article import Article, read_article, slugify
from .atomic import atomic_path, check_writable_dir
from .cache import ClipCache, ClipSet, clip_key
from .engines.base import AudioChunk, Engine, Voice, get_engine
from .errors import ConfigError, EngineError, OutputError
from .loudness import master
from .mix import chime, load_audio, mix_bed, speech_spans, stream_render
from .normalize import LOCALES, load_lexicon
from .outputs import parse_outputs, write_sidecars
from .outputs.id3 import TagInfo, write_tags
from .parallel import run_parallel
from .presets import get_preset
from .script import Script, build_script
from .timeline import Timeline

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while segments are synthesised."""

DEFAULT_OUT_DIR = Path("audio_out")


@dataclass(frozen=True)
class Options:
    """Everything that shapes a bulletin besides the article."""

    engine: str = "auto"
    """Engine name (``bulletin voices`` lists them); ``auto`` is gTTS when reachable, else espeak."""
    fallback: bool = False
    """When the engine fails mid-bulletin, finish the missing clips with the offline engine."""
    jobs: int | None = None
    """Parallel requests for engines that allow them (gTTS)."""
    cache_dir: Path | None = None
    """Clip cache folder (default: the user cache folder)."""
    use_cache: bool = True
    """Reuse and store clips in the cache."""
    locale: str = "fr-FR"
    """fr-FR, fr-BE, fr-CH or fr-CA: voices and number readings."""
    title: str | None = None
    """Overrides the article's title (and is spoken)."""
    show: str | None = None
    """Show name: ID3 album and artist; when set, a spoken opening and closing and a chime."""
    author: str | None = None
    """Author (ID3 artist, feed author); the show name when not set."""
    lexicon: Path | None = None
    """An extra pronunciation lexicon (TOML)."""
    speaker_voices: dict[str, str] = field(default_factory=dict)
    """Speaker name → voice id, overriding the casting."""
    announce_quotes: bool = False
    """Say "citation" / "fin de citation" around each quote."""
    rate: float | None = None
    """Speaking rate, 0.7 to 1.3 (default: the preset's)."""
    preset: str = "podcast"
    """podcast, broadcast or accessible: loudness, format, pace."""
    pause_scale: float = 1.0
    """Multiplier on the preset's pauses."""
    outputs: str = "mp3,vtt,chapters"
    """Comma-separated: mp3, vtt, srt, chapters, json (manifest), daisy, folder."""
    intro: Path | None = None
    """Jingle played before the bulletin."""
    outro: Path | None = None
    """Jingle played after it."""
    cover: Path | None = None
    """Cover image (PNG or JPEG), embedded as APIC."""
    music: Path | None = None
    """Music bed under the whole bulletin, ducked while anyone speaks."""

    def check(self) -> None:
        if self.locale not in LOCALES:
            raise ConfigError(f"unknown locale {self.locale!r}; choose one of {', '.join(LOCALES)}")
        if self.rate is not None and not 0.7 <= self.rate <= 1.3:
            raise ConfigError(f"rate {self.rate} is out of range: use 0.7 to 1.3")
        get_preset(self.preset)
        parse_outputs(self.outputs)


@dataclass(frozen=True)
class BulletinResult:
    engine: str
    """Which engine spoke, and why (for ``auto``)."""
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
    engine = engine or get_engine("espeak" if options.engine == "auto" else options.engine)
    return build_script(
        article,
        engine.voices(options.locale),
        locale=options.locale,
        lexicon=load_lexicon(options.lexicon),
        title=options.title,
        speaker_voices=options.speaker_voices,
        announce_quotes=options.announce_quotes or get_preset(options.preset).announce_quotes,
        show=options.show,
    )


def choose_engine(name: str, jobs: int | None = None) -> tuple[Engine, str]:
    """The engine to use and, for ``auto``, why: gTTS when its service answers, else espeak-ng."""
    if name != "auto":
        engine = get_engine(name)
        reason = "as asked"
    else:
        gtts = get_engine("gtts")
        check = getattr(gtts, "reachable", None)
        if check is not None and check():
            engine, reason = gtts, "Google's speech service answered"
        else:
            engine, reason = get_engine("espeak"), "Google's speech service did not answer, so the offline voice"
    if jobs is not None and hasattr(engine, "parallel"):
        engine.parallel = max(1, jobs)
    return engine, reason


def _equivalent_voice(voice: Voice, primary: Engine, other: Engine) -> Voice:
    """The voice in ``other`` at the same place in the casting as ``voice`` in ``primary``."""
    mine = primary.voices(voice.locale)
    theirs = other.voices(voice.locale)
    index = next((i for i, v in enumerate(mine) if v.id == voice.id), 0)
    return theirs[index % len(theirs)] if index == 0 else theirs[1 + (index - 1) % max(1, len(theirs) - 1)]


def synthesize(
    script: Script,
    engine: Engine,
    rate: float,
    progress: Progress | None = None,
    *,
    cache: ClipCache | None = None,
    fallback: Engine | None = None,
) -> ClipSet:
    """One clip per sentence of every segment. Identical (voice, sentence) pairs are spoken once,
    cached clips are reused, engines that allow it run in parallel, and clips wait on disk (in
    the cache, or a private spill folder) until the bulletin is rendered."""
    layout = [[clip_key(engine.name, engine.version, seg.voice, s.spoken, rate) for s in seg.sentences]
              for seg in script.segments]  # fmt: skip
    texts: dict[str, tuple[str, str]] = {}
    for seg, keys in zip(script.segments, layout, strict=True):
        for sent, key in zip(seg.sentences, keys, strict=True):
            texts.setdefault(key, (seg.voice, sent.spoken))
    clips = ClipSet(layout, cache)
    todo = []
    for key, (_voice, spoken) in texts.items():
        if not spoken.strip():
            clips.keep(key, AudioChunk(22050, 2, 1, b""))  # nothing to say (an emoji alone, say)
        elif cache is None or clips.known(key) is None:
            todo.append(key)
    done_count = len(texts) - len(todo)
    if progress:
        progress(done_count, len(texts))

    def work(key: str) -> AudioChunk:
        voice_id, spoken = texts[key]
        voice = script.voices[voice_id]
        try:
            return engine.synthesize(spoken, voice, rate)
        except EngineError:
            if fallback is None:
                raise
            return fallback.synthesize(spoken, _equivalent_voice(voice, engine, fallback), rate)

    def finished(key: str, chunk: AudioChunk) -> None:
        nonlocal done_count
        clips.keep(key, chunk)
        done_count += 1
        if progress:
            progress(done_count, len(texts))

    try:
        run_parallel(todo, work, finished, workers=getattr(engine, "parallel", 1))
    except BaseException:
        clips.close()
        raise
    return clips


def _check_inputs(options: Options) -> None:
    """Every file an option names is checked before any synthesis starts."""
    for label, path in (("intro", options.intro), ("outro", options.outro), ("music", options.music)):
        if path is not None:
            if not Path(path).is_file():
                raise ConfigError(f"no such {label} file: {path}")
            load_audio(Path(path), 8000)  # not audio: fail now, before any synthesis
    if options.cover is not None:
        read_cover(options.cover)


def read_cover(path: Path) -> tuple[bytes, str]:
    """Cover image bytes and MIME type; PNG and JPEG only, as podcast apps expect."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read cover {path}: {exc.strerror or exc}") from exc
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data, "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return data, "image/jpeg"
    raise ConfigError(f"cover {path} is not a PNG or JPEG image")


def make_bulletin(
    article_path: str | Path | Article,
    out: str | Path | None = None,
    options: Options | None = None,
    *,
    engine: Engine | None = None,
    progress: Progress | None = None,
) -> BulletinResult:
    """Read an article (a file, or an :class:`Article` already read) and write its bulletin and
    sidecars; returns where it went and how long it is."""
    options = options or Options()
    options.check()
    _check_inputs(options)
    article = article_path if isinstance(article_path, Article) else read_article(article_path)
    target = Path(out) if out is not None else default_output(article, options.title)
    if out is None:
        # The default folder is ours to make; a folder the user names must already exist.
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create {target.parent}: {exc.strerror or exc}") from exc
    check_writable_dir(target.parent if str(target.parent) else Path("."))
    reason = "as given"
    if engine is None:
        engine, reason = choose_engine(options.engine, options.jobs)
    script = make_script(article, options, engine)
    return render_script(script, target, options, engine, reason, progress)


def render_script(
    script: Script,
    target: Path,
    options: Options,
    engine: Engine,
    reason: str = "as given",
    progress: Progress | None = None,
) -> BulletinResult:
    """Speak a script and write the MP3 (atomically) and the sidecars the options ask for."""
    preset = get_preset(options.preset)
    rate = options.rate if options.rate is not None else preset.rate
    cache = ClipCache(options.cache_dir) if options.use_cache else None
    fallback = get_engine("espeak") if options.fallback and engine.name != "espeak" else None

    chunks = synthesize(script, engine, rate, progress, cache=cache, fallback=fallback)
    work_rate = chunks.sample_rate or 22050
    intro = load_audio(options.intro, work_rate) if options.intro else (chime(work_rate) if options.show else None)
    outro = load_audio(options.outro, work_rate) if options.outro else (chime(work_rate) if options.show else None)
    # The raw bulletin goes to a temporary file beside the output, not to memory: ffmpeg reads it
    # twice (loudness, then encoding) and a 60-minute bulletin stays within a few hundred MB.
    with _scratch(target.parent, f".{target.name}.", ".pcm") as pcm_path, contextlib.closing(chunks):
        try:
            with open(pcm_path, "wb") as fh:
                timeline = stream_render(script, chunks, work_rate, fh, head=intro, tail=outro,
                                         pause_scale=preset.pause_scale * options.pause_scale)  # fmt: skip
        except OSError as exc:  # a full disk, most often: say so, leave nothing behind
            raise OutputError(f"cannot write beside {target}: {exc.strerror or exc}") from exc
        if options.music is not None:
            mix_bed(pcm_path, Path(options.music), work_rate)
        voices = sorted({f"{s.speaker or 'présentateur'}={s.voice}" for s in script.segments})
        cover = read_cover(options.cover) if options.cover else None
        info = TagInfo(
            title=script.title,
            artist=options.author or options.show or "Bulletin",
            album=options.show or "Bulletin",
            date=script.date,
            genre="Podcast",
            comment=f"Source : {script.source}" if script.source else "Bulletin d'information",
            transcript=transcript(script),
            engine=f"{engine.name} ({engine.version})",
            voices="; ".join(voices),
            cover=cover,
        )
        wanted = parse_outputs(options.outputs)
        with atomic_path(target) as tmp:
            # Compressor, clip levels (after it), loudness and limiter, then the encode: loudness.master.
            master(pcm_path, work_rate, speech_spans(timeline), preset.target, tmp, bitrate=preset.bitrate,
                   out_rate=preset.sample_rate)  # fmt: skip
            write_tags(tmp, info, timeline.chapters(script.title))
    result = BulletinResult(f"{engine.name} ({reason})", target, timeline.duration_ms, script, timeline)
    write_sidecars(result, wanted)
    return result


@contextlib.contextmanager
def _scratch(folder: Path, prefix: str, suffix: str) -> Iterator[Path]:
    """A temporary file that is removed whatever happens (Ctrl-C included)."""
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)
    except OSError as exc:
        raise OutputError(f"cannot write in {folder}: {exc.strerror or exc}") from exc
    os.close(fd)
    try:
        yield Path(name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def transcript(script: Script) -> str:
    """The article's words, paragraph by paragraph, with speakers named before their quotes."""
    lines: list[str] = []
    block = None
    for s in script.segments:
        if s.kind in ("cue", "intro", "outro"):
            continue
        text = f"{s.speaker} : « {s.text} »" if s.kind == "quote" else s.text
        if s.kind in ("title", "heading") or s.block != block or not lines:
            lines.append(text)
        else:
            lines[-1] += ("" if text[:1] in ",;:.)" else " ") + text
        block = s.block
    return "\n\n".join(lines)
