"""The ``bulletin`` command: a thin layer over the library API.

Every command raises :class:`~bulletin.errors.BulletinError` subclasses for bad input; ``main``
prints them on one line and exits non-zero, never with a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .errors import BulletinError

if TYPE_CHECKING:
    from .pipeline import Options

app = typer.Typer(
    name="bulletin",
    help=(
        "Turn a French news article into a spoken news bulletin (MP3 with ID3 chapters and "
        "transcript).\n\nStart with:  bulletin make ARTICLE.txt   — see 'bulletin make --help'."
    ),
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts show [default: …] and TOML [words] literally
)

ArticleArg = Annotated[
    Path, typer.Argument(help="The article: plain text (.txt), Markdown (.md) or HTML (.html).", show_default=False)
]
LocaleOpt = Annotated[
    str | None,
    typer.Option("--locale", "-l", help="French of fr-FR, fr-BE, fr-CH or fr-CA: voices and numbers (septante…)."),
]
EngineOpt = Annotated[
    str | None,
    typer.Option(
        "--engine",
        "-e",
        help="auto (Google's voice when reachable, else offline), gtts or espeak; see 'bulletin voices'.",
    ),
]
TitleOpt = Annotated[str | None, typer.Option("--title", help="Title to announce, instead of the article's own.")]
LexiconOpt = Annotated[
    Path | None, typer.Option("--lexicon", help='Extra pronunciation lexicon (TOML: [words] Name = "spoken").')
]
SpeakerVoiceOpt = Annotated[
    list[str] | None,
    typer.Option("--speaker-voice", help='Force a voice: "Johan Peeters=espeak:fr+m3" (repeatable).'),
]
AnnounceOpt = Annotated[
    bool, typer.Option("--announce-quotes", help='Say "citation" … "fin de citation" around each quote.')
]


class ScriptFormat(str, Enum):
    json = "json"
    table = "table"


ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="Show settings (TOML) [default: ./bulletin.toml if present].")
]


def _options(
    engine: str | None,
    locale: str | None,
    title: str | None,
    lexicon: Path | None,
    speaker_voice: list[str] | None,
    announce: bool,
    rate: float | None = None,
    show: str | None = None,
    *,
    config: Path | None = None,
    preset: str | None = None,
    outputs: str | None = None,
    cover: Path | None = None,
    intro: Path | None = None,
    outro: Path | None = None,
    music: Path | None = None,
    **extra: Any,
) -> Options:
    """Options from the command line over the settings file over the defaults (config.resolve)."""
    from .casting import parse_speaker_voices
    from .config import resolve
    from .pipeline import Options

    given = dict(engine=engine, locale=locale, lexicon=lexicon, rate=rate, show=show, preset=preset,
                 outputs=outputs, cover=cover, intro=intro, outro=outro, music=music,
                 voices=parse_speaker_voices(speaker_voice) if speaker_voice else None)  # fmt: skip
    st = resolve(given, config)
    return Options(
        engine=st.engine, locale=st.locale, title=title, lexicon=st.lexicon, speaker_voices=st.voices,
        announce_quotes=announce, rate=st.rate, show=st.show, author=st.author, preset=st.preset,
        outputs=st.outputs, cover=st.cover, intro=st.intro, outro=st.outro, music=st.music, **extra,
    )  # fmt: skip


@app.command()
def make(
    article: ArticleArg,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write the MP3 [default: audio_out/<date>-<slug>.mp3]."),
    ] = None,
    engine: EngineOpt = None,
    locale: LocaleOpt = None,
    title: TitleOpt = None,
    config: ConfigOpt = None,
    fallback: Annotated[
        bool, typer.Option("--fallback", help="If the engine fails mid-bulletin, finish with the offline voice.")
    ] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, max=32, help="Parallel requests to gTTS.")] = 6,
    cache_dir: Annotated[
        Path | None, typer.Option("--cache-dir", help="Clip cache folder [default: ~/.cache/bulletin/clips].")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Neither reuse nor store clips.")] = False,
    show: Annotated[
        str | None,
        typer.Option("--show", help="Show name: ID3 album/artist, a spoken opening and closing, and a chime."),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            "--preset",
            "-p",
            help="podcast (-16 LUFS, 44.1 kHz; the default), broadcast (EBU R128 -23 LUFS), accessible.",
        ),
    ] = None,
    rate: Annotated[
        float | None, typer.Option("--rate", help="Speaking rate, 0.7 (slow) to 1.3 (fast) [default: the preset's].")
    ] = None,
    outputs: Annotated[
        str | None,
        typer.Option(
            "--outputs",
            help="Comma-separated: mp3, vtt, srt, chapters, json, daisy, folder, or all [default: mp3,vtt,chapters].",
        ),
    ] = None,
    intro: Annotated[Path | None, typer.Option("--intro", help="Jingle to play before the bulletin.")] = None,
    outro: Annotated[Path | None, typer.Option("--outro", help="Jingle to play after it.")] = None,
    music: Annotated[
        Path | None, typer.Option("--music", help="Music bed under the bulletin, ducked while anyone speaks.")
    ] = None,
    cover: Annotated[
        Path | None, typer.Option("--cover", help="Cover image (PNG or JPEG) embedded in the MP3.")
    ] = None,
    lexicon: LexiconOpt = None,
    speaker_voice: SpeakerVoiceOpt = None,
    announce_quotes: AnnounceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Make a bulletin: read ARTICLE, cast voices, speak it, write a tagged MP3.

    Example:  bulletin make article.txt --locale fr-BE -o journal.mp3
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from .pipeline import make_bulletin

    opts = _options(
        engine, locale, title, lexicon, speaker_voice, announce_quotes, rate, show,
        config=config, fallback=fallback, jobs=jobs, cache_dir=cache_dir, use_cache=not no_cache,
        preset=preset, outputs=outputs, intro=intro, outro=outro, cover=cover, music=music,
    )  # fmt: skip
    if quiet or (not sys.stderr.isatty() and os.environ.get("BULLETIN_PROGRESS") != "1"):
        result = make_bulletin(article, output, opts)
    else:
        with Progress(
            TextColumn("Synthèse"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} segments"),
            TimeRemainingColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task("synth", total=None)

            def tick(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = make_bulletin(article, output, opts, progress=tick)
    typer.echo(f"engine: {result.engine}", err=True)
    secs = result.duration_ms / 1000
    typer.echo(f"{result.path}  ({int(secs // 60)} min {secs % 60:04.1f} s)")


@app.command()
def script(
    article: ArticleArg,
    format: Annotated[
        ScriptFormat, typer.Option("--format", "-f", help="json (for tools) or table (for people).")
    ] = ScriptFormat.table,
    engine: EngineOpt = None,
    locale: LocaleOpt = None,
    title: TitleOpt = None,
    config: ConfigOpt = None,
    lexicon: LexiconOpt = None,
    speaker_voice: SpeakerVoiceOpt = None,
    announce_quotes: AnnounceOpt = False,
) -> None:
    """Show the script — segments, speakers, voices, spoken text — without synthesising.

    Check the casting before making the bulletin; the JSON shape is stable for other tools.
    """
    from .article import read_article
    from .pipeline import make_script

    opts = _options(engine, locale, title, lexicon, speaker_voice, announce_quotes, config=config)
    result = make_script(read_article(article), opts)
    if format is ScriptFormat.json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=result.title, show_lines=False)
    for col in ("#", "kind", "speaker", "voice", "text"):
        table.add_column(col, overflow="fold" if col == "text" else "ellipsis")
    for i, s in enumerate(result.segments, 1):
        text = s.text or s.spoken
        table.add_row(str(i), s.kind, s.speaker or "", s.voice, text[:70] + ("…" if len(text) > 70 else ""))
    Console(width=max(100, Console().width)).print(table)


@app.command()
def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Article files, folders, RSS/Atom feed files or URLs, web pages.", show_default=False),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the bulletins (must exist).")],
    edition: Annotated[
        str | None, typer.Option("--edition", help="'daily': one bulletin per date, a chapter per story.")
    ] = None,
    per_article: Annotated[bool, typer.Option("--per-article", help="One episode per article (the default).")] = False,
    feed: Annotated[Path | None, typer.Option("--feed", help="Also write the podcast feed (RSS) here.")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="Where the files will be served from.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Settings file [default: ./bulletin.toml].")] = None,
    show: Annotated[str | None, typer.Option("--show", help="Show name.")] = None,
    author: Annotated[str | None, typer.Option("--author", help="Author, for tags and the feed.")] = None,
    locale: Annotated[str | None, typer.Option("--locale", "-l", help="fr-FR, fr-BE, fr-CH or fr-CA.")] = None,
    engine: Annotated[str | None, typer.Option("--engine", "-e", help="auto, gtts or espeak.")] = None,
    preset: Annotated[str | None, typer.Option("--preset", "-p", help="podcast, broadcast or accessible.")] = None,
    outputs: Annotated[str | None, typer.Option("--outputs", help="As for 'make' [default: mp3,vtt,chapters].")] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", min=1, help="Processes [default: all cores].")
    ] = None,
    cache_dir: Annotated[Path | None, typer.Option("--cache-dir", help="Clip cache folder.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Make bulletins for many articles at once, incrementally: what did not change is not redone.

    Example (cron):  bulletin batch ~/articles/ https://exemple.be/rss --edition daily -o site/ --feed site/feed.xml
    """
    from .batch import run_batch
    from .config import resolve
    from .pipeline import Options

    if edition not in (None, "daily"):
        from .errors import ConfigError

        raise ConfigError(f"unknown edition {edition!r}; the only edition is 'daily'")
    if edition and per_article:
        from .errors import ConfigError

        raise ConfigError("choose --edition daily or --per-article, not both")
    settings = resolve(dict(show=show, author=author, locale=locale, engine=engine, preset=preset,
                            outputs=outputs, base_url=base_url), config)  # fmt: skip
    opts = Options(
        engine=settings.engine, locale=settings.locale, show=settings.show, author=settings.author,
        preset=settings.preset, outputs=settings.outputs, lexicon=settings.lexicon, cover=settings.cover,
        rate=settings.rate, intro=settings.intro, outro=settings.outro, music=settings.music,
        speaker_voices=settings.voices,
        cache_dir=cache_dir,
    )  # fmt: skip
    mode = "daily" if edition == "daily" else "per-article"
    if quiet or not sys.stderr.isatty():
        summary, _ = run_batch(inputs, out, opts, mode=mode, workers=workers)  # type: ignore[arg-type]
    else:
        from rich.progress import BarColumn, Progress, TextColumn

        with Progress(TextColumn("Bulletins"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      transient=True) as bar:  # fmt: skip
            task = bar.add_task("batch", total=None)
            summary, _ = run_batch(inputs, out, opts, mode=mode, workers=workers,  # type: ignore[arg-type]
                                   progress=lambda d, t: bar.update(task, completed=d, total=t))  # fmt: skip
    for name in summary.made:
        typer.echo(f"made       {out / name}")
    for key, reason in summary.failed:
        typer.echo(f"failed     {key}: {reason}", err=True)
    typer.echo(f"{len(summary.made)} made, {len(summary.unchanged)} unchanged, {len(summary.failed)} failed")
    if feed is not None:
        _write_feed(out, feed, settings)
    if not summary.ok:
        raise typer.Exit(1)


def _write_feed(folder: Path, target: Path, settings: Any) -> None:
    from .batch import feed_items
    from .outputs.feed import write_feed

    cover_name = None
    if settings.cover is not None:
        cover_name = Path(settings.cover).name
        if not (folder / cover_name).exists():
            import shutil

            shutil.copyfile(settings.cover, folder / cover_name)
    write_feed(target, feed_items(folder), title=settings.show or "Bulletin", author=settings.author or settings.show
               or "bulletin", base_url=settings.base_url or "", cover=cover_name)  # fmt: skip
    typer.echo(f"feed       {target}")


@app.command("feed")
def feed_command(
    folder: Annotated[Path, typer.Argument(help="A folder 'bulletin batch' wrote to.", show_default=False)],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="[default: FOLDER/feed.xml]")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="Where the files will be served from.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Settings file [default: ./bulletin.toml].")] = None,
    show: Annotated[str | None, typer.Option("--show", help="Show name (feed title).")] = None,
    author: Annotated[str | None, typer.Option("--author", help="Feed author.")] = None,
) -> None:
    """Write the podcast feed (RSS 2.0, iTunes, Podcasting 2.0) for the bulletins in FOLDER."""
    from .config import resolve

    if not folder.is_dir():
        from .errors import OutputError

        raise OutputError(f"no such folder: {folder}")
    settings = resolve(dict(show=show, author=author, base_url=base_url), config)
    _write_feed(folder, output or folder / "feed.xml", settings)


@app.command()
def inspect(file: Annotated[Path, typer.Argument(help="Any MP3 file.", show_default=False)]) -> None:
    """Print the tags, chapters, duration and loudness of any MP3, ours or not."""
    from .inspect import inspect_file

    typer.echo(inspect_file(file))


cache_app = typer.Typer(help="The clip cache: what it holds, and emptying it.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
CacheDirOpt = Annotated[
    Path | None, typer.Option("--cache-dir", help="Cache folder [default: ~/.cache/bulletin/clips].")
]


@cache_app.command("info")
def cache_info(cache_dir: CacheDirOpt = None) -> None:
    """Where the clip cache is, how many clips it holds and their size."""
    from .cache import ClipCache

    st = ClipCache(cache_dir).stats()
    typer.echo(f"{st.path}: {st.entries} clips, {st.bytes / 1_048_576:.1f} MB")


@cache_app.command("clear")
def cache_clear(cache_dir: CacheDirOpt = None) -> None:
    """Delete every cached clip (they are made again when needed)."""
    from .cache import ClipCache

    cache = ClipCache(cache_dir)
    typer.echo(f"removed {cache.clear()} clips from {cache.root}")


@app.command()
def voices(locale: Annotated[str | None, typer.Option("--locale", "-l", help="Only this locale.")] = None) -> None:
    """List engines and their voices (the first of each locale reads the news)."""
    from .engines.base import available_engines, get_engine
    from .normalize import LOCALES

    for name in sorted(available_engines()):
        try:
            eng = get_engine(name)
        except BulletinError as exc:
            typer.echo(f"{name}: unavailable ({exc})")
            continue
        typer.echo(f"{name}:")
        for loc in [locale] if locale else LOCALES:
            for i, v in enumerate(eng.voices(loc)):
                role = "anchor" if i == 0 else "quotes"
                gender = {"f": "female", "m": "male"}.get(v.gender or "", "")
                typer.echo(f"  {v.id:<22} {loc}  {role:<6} {gender:<6} {v.label}")


@app.command()
def say(
    text: Annotated[str, typer.Argument(help="French text to normalise.", show_default=False)],
    locale: LocaleOpt = "fr-FR",
    lexicon: LexiconOpt = None,
) -> None:
    """Print how TEXT will be spoken (numbers, dates, abbreviations, lexicon) — nothing is synthesised."""
    from .normalize import LOCALES, load_lexicon, normalize

    if locale not in LOCALES:
        from .errors import ConfigError

        raise ConfigError(f"unknown locale {locale!r}; choose one of {', '.join(LOCALES)}")
    typer.echo(normalize(text, locale, load_lexicon(lexicon)))


def main() -> None:
    """Console entry point: one line per error, non-zero exit, no traceback."""
    import signal

    def on_term(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # cron and timeouts send SIGTERM: clean up as for Ctrl-C

    signal.signal(signal.SIGTERM, on_term)
    try:
        app()
    except BulletinError as exc:
        typer.echo(f"bulletin: error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("bulletin: interrupted", err=True)
        sys.exit(130)
    except SystemExit as exc:
        if exc.code == 130:  # Typer turns Ctrl-C into a silent exit 130
            typer.echo("bulletin: interrupted; nothing was written", err=True)
        raise
    except Exception as exc:  # a bug, not bad input: still one line, with how to see more
        if os.environ.get("BULLETIN_DEBUG"):
            raise
        typer.echo(
            f"bulletin: internal error: {type(exc).__name__}: {exc} (set BULLETIN_DEBUG=1 for details)", err=True
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
