"""The library entry point: an article file in, a tagged MP3 bulletin out.

``make_bulletin`` = read the article + :func:`make_script` + :func:`render_script`; the engine
stack (cache, fallback) comes from a :class:`~bulletin.runtime.Runtime` unless one is given.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

from . import stopping
from .article import Article, read_article, slugify
from .atomic import atomic_path, check_writable_dir
from .cache import ClipSet
from .engines.base import AudioChunk, Engine, get_engine
from .engines.stack import engine_summary
from .errors import ConfigError, OutputError
from .loudness import DynamicsPass, master
from .mix import StreamRenderer, chime, load_audio, mix_bed, speech_spans
from .normalize import load_lexicon
from .outputs import parse_outputs, write_sidecars
from .outputs.id3 import TagInfo, write_tags
from .parallel import run_parallel
from .presets import get_preset
from .result import BulletinResult
from .scratch import current, scratch_file
from .script import Script, build_script
from .settings import Settings
from .timeline import Timeline

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while clips are synthesised."""

DEFAULT_OUT_DIR = Path("audio_out")
OUTPUT_SUFFIX = ".mp3"

# The library's name for the settings before release 2; one object either way.
Options = Settings


def default_output(article: Article, title: str | None = None, folder: Path = DEFAULT_OUT_DIR) -> Path:
    """``audio_out/<date>-<slug>.mp3``; today's date when the article has none."""
    date = slugify(article.date or dt.date.today().isoformat())  # only a date, but made safe where it enters a path
    return folder / f"{date}-{slugify(title or article.display_title)}{OUTPUT_SUFFIX}"


def make_script(article: Article, settings: Settings, engine: Engine | None = None) -> Script:
    """The script of a bulletin, without synthesising anything. The voices are those of the
    engine that would speak it (espeak-ng's for ``auto``: the check for Google is not made)."""
    settings.check()
    engine = engine or get_engine("espeak" if settings.engine == "auto" else settings.engine,
                                  settings.engine_config())  # fmt: skip
    return build_script(
        article,
        engine.voices(settings.locale),
        locale=settings.locale,
        lexicon=load_lexicon(settings.lexicon),
        title=settings.title,
        speaker_voices=settings.speaker_voices,
        announce_quotes=settings.announce_quotes or get_preset(settings.preset).announce_quotes,
        show=settings.show,
    )


def synthesize(
    script: Script,
    engine: Engine,
    rate: float,
    progress: Progress | None = None,
    spill_dir: Path | None = None,
    kept: Callable[[ClipSet, AudioChunk], None] | None = None,
) -> ClipSet:
    """One clip per sentence of every segment. Identical (voice, sentence) pairs are spoken once,
    engines that allow it run in parallel (cache hits included: the stack serves them), and clips
    wait on disk (in ``spill_dir``, else the system's temporary folder) until they are mixed.
    ``kept(clips, chunk)`` is called in this thread as each clip is kept (the renderer feeds
    the mastering pass from there while the rest is synthesised)."""
    names: dict[tuple[str, str], str] = {}
    layout = [[names.setdefault((seg.voice, s.spoken), str(len(names))) for s in seg.sentences]
              for seg in script.segments]  # fmt: skip
    clips = ClipSet(layout, spill_dir)
    todo = []
    for (voice_id, spoken), name in names.items():
        if spoken.strip():
            todo.append((voice_id, spoken, name))
        else:
            clips.keep(name, AudioChunk(22050, 2, 1, b""))  # nothing to say (an emoji alone, say)
    done_count = len(names) - len(todo)
    if progress:
        progress(done_count, len(names))

    def work(item: tuple[str, str, str]) -> AudioChunk:
        voice_id, spoken, _ = item
        return engine.synthesize(spoken, script.voices[voice_id], rate)

    def finished(item: tuple[str, str, str], chunk: AudioChunk) -> None:
        nonlocal done_count
        clips.keep(item[2], chunk)
        if kept is not None:
            kept(clips, chunk)
        # A batch job asked to stop stops here, between clips (in the job's own thread, where its
        # stop flag is bound; never inside an engine's callback, where ctypes would swallow it).
        stopping.check()
        done_count += 1
        if progress:
            progress(done_count, len(names))

    try:
        run_parallel(todo, work, finished, workers=engine.parallel)
    except BaseException:
        clips.close()
        raise
    return clips


def check_inputs(settings: Settings) -> None:
    """Every file an option names is checked before any synthesis starts."""
    for label, path in (("intro", settings.intro), ("outro", settings.outro), ("music", settings.music)):
        if path is not None:
            if not Path(path).is_file():
                raise ConfigError(f"no such {label} file: {path}")
            load_audio(Path(path), 8000)  # not audio: fail now, before any synthesis
    if settings.cover is not None:
        read_cover(settings.cover)


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


def check_output(target: Path) -> None:
    """An output path bulletin can honour: an MP3 name (MP3 data under ``.wav`` would mislead)."""
    if target.suffix.lower() != OUTPUT_SUFFIX:
        raise OutputError(f"bulletin writes MP3: name the output {target.with_suffix(OUTPUT_SUFFIX).name!r}, "
                          f"not {target.name!r}")  # fmt: skip
    if target.is_dir():
        raise OutputError(f"{target} is a folder; name the MP3 file to write")


def prepare_target(out: str | Path | None, default: Path) -> Path:
    """Where a bulletin goes, checked before any synthesis: ``out``, else ``default``. A missing
    folder is created, as batch, the studio and the default ``audio_out/`` do."""
    target = Path(out) if out is not None else default
    check_output(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise OutputError(f"cannot create the folder {target.parent}: it is a file, not a folder") from exc
    except OSError as exc:
        raise OutputError(f"cannot create {target.parent}: {exc.strerror or exc}") from exc
    check_writable_dir(target.parent if str(target.parent) else Path("."))
    return target


def make_bulletin(
    article_path: str | Path | Article,
    out: str | Path | None = None,
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    reason: str = "as given",
    progress: Progress | None = None,
) -> BulletinResult:
    """Read an article (a file, or an :class:`Article` already read) and write its bulletin and
    sidecars; returns where they went and how long the bulletin is. Without ``engine``, a
    runtime is made for this one bulletin (a process making several keeps one: ``Runtime.make``)."""
    settings = (settings or Settings()).check()
    if engine is None:
        from .runtime import Runtime

        with Runtime.from_settings(settings) as runtime:
            return runtime.make(article_path, out, settings, progress=progress)
    check_inputs(settings)
    article = article_path if isinstance(article_path, Article) else read_article(article_path)
    target = prepare_target(out, default_output(article, settings.title))
    script = make_script(article, settings, engine)
    return render_script(script, target, settings, engine, reason, progress)


def render_script(
    script: Script,
    target: Path,
    settings: Settings,
    engine: Engine,
    reason: str = "as given",
    progress: Progress | None = None,
) -> BulletinResult:
    """Speak a script and write the MP3 (atomically) and the sidecars the settings ask for."""
    check_output(target)
    preset = get_preset(settings.preset)
    rate = settings.rate if settings.rate is not None else preset.rate
    wanted = parse_outputs(settings.outputs)

    # Every temporary of this render lives in the process's scratch folder beside the output.
    with current().use(target.parent) as folder:
        return _render(script, target, settings, engine, reason, progress, rate, wanted, preset, folder)


def _render(
    script: Script,
    target: Path,
    settings: Settings,
    engine: Engine,
    reason: str,
    progress: Progress | None,
    rate: float,
    wanted: Any,
    preset: Any,
    folder: Path,
) -> BulletinResult:
    pause_scale = preset.pause_scale * settings.pause_scale
    # The raw bulletin never sits in memory whole: it goes, segment by segment as its clips are
    # synthesised, straight into mastering's first ffmpeg run (on the other core meanwhile), or,
    # under a music bed, to a temporary file beside the output that the bed is mixed into first.
    with contextlib.ExitStack() as stack:
        pcm_path = stack.enter_context(scratch_file(target.parent, f"{target.name}.", ".pcm"))
        feed = _Feed(script, settings, preset, pcm_path, pause_scale, stack)
        try:
            chunks = stack.enter_context(contextlib.closing(
                synthesize(script, engine, rate, progress, spill_dir=folder, kept=feed.kept)))  # fmt: skip
            timeline = feed.finish(chunks)
        except OSError as exc:  # a full disk, most often: say so, leave nothing behind
            raise OutputError(f"cannot write beside {target}: {exc.strerror or exc}") from exc
        spoken_by = engine_summary(engine.name, chunks.engines)
        work_rate = feed.rate
        if settings.music is not None:
            mix_bed(pcm_path, Path(settings.music), work_rate)
        voices = sorted({f"{s.label}={s.voice}" for s in script.segments})
        cover = read_cover(settings.cover) if settings.cover else None
        info = TagInfo(
            title=script.title,
            artist=settings.author or settings.show or "Bulletin",
            album=settings.show or "Bulletin",
            date=script.date,
            genre="Podcast",
            comment=f"Source : {script.source}" if script.source else "Bulletin d'information",
            transcript=transcript(script),
            engine=f"{spoken_by} ({engine.version})",
            voices="; ".join(voices),
            cover=cover,
        )
        with atomic_path(target) as tmp:
            # Compressor, clip levels (after it), loudness and limiter, then the encode: loudness.master.
            master(pcm_path, work_rate, speech_spans(timeline), preset.target, tmp, bitrate=preset.bitrate,
                   out_rate=preset.sample_rate, streamed=feed.dynamics)  # fmt: skip
            write_tags(tmp, info, timeline.chapters(script.title))
    result = BulletinResult(spoken_by, target, timeline.duration_ms, script, timeline, reason=reason,
                            warnings=script.warnings)  # fmt: skip
    files = write_sidecars(result, wanted)
    return replace(result, files=files)


MIN_WORK_RATE = 22050
"""The rate a bulletin is mixed at, at least: a voice at 16 kHz among 22.05 kHz ones is
brought up, never the others down."""


class _Feed:
    """Renders segments, in order, as soon as all their clips are kept, into the mastering pass.

    The rate is set by the first clip that holds sound (or 22.05 kHz), at least
    :data:`MIN_WORK_RATE`; a clip at another rate (a fallback engine's) is resampled to it.
    """

    def __init__(self, script: Script, settings: Settings, preset: Any, pcm_path: Path, pause_scale: float,
                 stack: contextlib.ExitStack) -> None:  # fmt: skip
        self.script, self.settings, self.preset, self.pcm_path = script, settings, preset, pcm_path
        self.pause_scale, self.stack = pause_scale, stack
        self.rate = 0
        self.renderer: StreamRenderer | None = None
        self.dynamics: DynamicsPass | None = None

    def _start(self, rate: int) -> StreamRenderer:
        settings, preset = self.settings, self.preset
        self.rate = rate = max(rate, MIN_WORK_RATE)
        intro = load_audio(settings.intro, rate) if settings.intro else (chime(rate) if settings.show else None)
        self.outro = load_audio(settings.outro, rate) if settings.outro else (chime(rate) if settings.show else None)
        out: BinaryIO
        if settings.music is None:
            self.dynamics = self.stack.enter_context(DynamicsPass(self.pcm_path, rate, preset.target,
                                                                  preset.sample_rate))  # fmt: skip
            out = self.dynamics  # type: ignore[assignment]
        else:
            out = self.stack.enter_context(open(self.pcm_path, "wb"))  # noqa: SIM115 - the render's stack closes it
        self.renderer = StreamRenderer(self.script, rate, out, pause_scale=self.pause_scale, head=intro)
        return self.renderer

    def kept(self, clips: ClipSet, chunk: AudioChunk) -> None:
        if self.renderer is None and not chunk.data:
            return  # wait for a clip with sound to set the rate
        renderer = self.renderer or self._start(chunk.sample_rate)
        while renderer.fed < len(clips) and clips.ready(renderer.fed):
            renderer.feed(clips[renderer.fed])

    def finish(self, clips: ClipSet) -> Timeline:
        renderer = self.renderer or self._start(clips.sample_rate or MIN_WORK_RATE)
        while renderer.fed < len(clips):
            renderer.feed(clips[renderer.fed])
        timeline = renderer.finish(self.outro)
        if self.dynamics is None:
            renderer.out.close()  # the raw file, for the music bed
        return timeline


def transcript(script: Script) -> str:
    """The article's words, paragraph by paragraph, with speakers named before their quotes."""
    lines: list[str] = []
    block = None
    for s in script.segments:
        if s.kind in ("cue", "intro", "outro"):
            continue
        text = (f"{s.speaker} : « {s.text} »" if s.speaker else f"« {s.text} »") if s.kind == "quote" else s.text
        if s.kind in ("title", "heading") or s.block != block or not lines:
            lines.append(text)
        else:
            lines[-1] += ("" if text[:1] in ",;:.)" else " ") + text
        block = s.block
    return "\n\n".join(lines)
