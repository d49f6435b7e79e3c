"""``bulletin voices``, ``bulletin inspect`` and ``bulletin cache``: looking at what is there."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import BulletinError
from ..settings import Settings
from . import app
from .options import with_settings


@app.command(short_help="Tags, chapters, duration and loudness of any MP3.")
def inspect(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Any MP3 file.", show_default=False)],
) -> None:
    """Print the tags, chapters, duration and loudness of any MP3, ours or not."""
    from ..inspect import inspect_file

    typer.echo(inspect_file(file))


@app.command(short_help="Engines and voices, with gender and pitch; install a Piper voice.")
@with_settings("voices")
def voices(
    locale: Annotated[
        str | None,
        typer.Option("--locale", "-l", metavar="LOCALE", help="Only this locale (fr-FR, fr-BE, fr-CH, fr-CA)."),
    ] = None,
    install: Annotated[
        str | None,
        typer.Option(
            "--install",
            metavar="NAME",
            help="Download a Piper voice (fr_FR-siwis-medium, fr_FR-upmc-medium…) from its public hub into the "
            "voices folder, checked against the hub's checksums.",
        ),
    ] = None,
    *,
    settings: Settings,
) -> None:
    """List engines and their voices: the first voice of each locale reads the news, the others
    speak quotes. Use a voice id with --speaker-voice.

    \b
    Natural offline voices (needs pip install "bulletin[neural]"):
      bulletin voices --install fr_FR-siwis-medium
      bulletin make article.txt --engine piper
    """
    from ..engines.base import available_engines, get_engine
    from ..normalize import LOCALES

    if install is not None:
        _install(install, settings)
        return
    if locale is not None and locale not in LOCALES:
        from ..errors import ConfigError

        raise ConfigError(f"unknown locale {locale!r}; choose one of {', '.join(LOCALES)}")
    for name in sorted(available_engines()):
        try:
            eng = get_engine(name, settings.engine_config())
        except BulletinError as exc:
            typer.echo(f"{name}: unavailable ({exc})")
            continue
        typer.echo(f"{name}:")
        if name == "piper":
            _piper_files(settings)
        try:
            for loc in [locale] if locale else LOCALES:
                for i, v in enumerate(eng.voices(loc)):
                    role = "anchor" if i == 0 else "quotes"
                    gender = {"f": "female", "m": "male"}.get(v.gender or "", "-")
                    pitch = f"{v.f0_hz:.0f} Hz" if v.f0_hz else "-"
                    typer.echo(f"  {v.id:<24} {loc}  {role:<6}  {gender:<6}  {pitch:>6}  {v.label}")
        except BulletinError as exc:  # an engine that cannot speak here says why, the others still list
            typer.echo(f"  unavailable: {exc}")


def _piper_files(settings: Settings) -> None:
    """The Piper voices in the voices folder: language, speakers, sample rate, quality."""
    from ..engines.piper_voices import find_voices, voices_folder

    folder = voices_folder(settings.voices_dir)
    found, problems = find_voices(folder)
    typer.echo(f"  voices folder {folder}: {len(found)} voice{'s' if len(found) != 1 else ''}")
    for v in found:
        n = v.config.num_speakers
        typer.echo(f"  {v.name:<28} {v.config.language:<6} {n:>3} speaker{'s' if n > 1 else ' '}  "
                   f"{v.config.sample_rate:>5} Hz  {v.config.quality}".rstrip())  # fmt: skip
    for problem in problems:
        typer.echo(f"  not a usable voice: {problem}")


def _install(name: str, settings: Settings) -> None:
    """``bulletin voices --install NAME``: download, check, publish, and say what was installed."""
    from ..engines.piper_voices import install_voice, voices_folder
    from .options import show_progress

    folder = voices_folder(settings.voices_dir)
    if not show_progress(False):
        voice = install_voice(name, folder)
    else:
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                      transient=True, console=Console(stderr=True)) as bar:  # fmt: skip
            tasks: dict[str, object] = {}

            def tick(file: str, done: int, total: int) -> None:
                if file not in tasks:
                    tasks[file] = bar.add_task(file, total=total or None)
                bar.update(tasks[file], completed=done)  # type: ignore[arg-type]

            voice = install_voice(name, folder, progress=tick)
    size = voice.model.stat().st_size / 1_048_576
    n = voice.config.num_speakers
    typer.echo(f"installed {voice.name} ({voice.config.language}, {n} speaker{'s' if n > 1 else ''}, "
               f"{voice.config.sample_rate} Hz, {size:.1f} MB) in {folder}")  # fmt: skip


cache_app = typer.Typer(help="The clip cache: what it holds, trimming and emptying it.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
CacheDirOpt = Annotated[
    Path | None, typer.Option("--cache-dir", metavar="DIR", help="Cache folder [default: ~/.cache/bulletin/clips].")
]


@cache_app.command("info")
def cache_info(cache_dir: CacheDirOpt = None) -> None:
    """Where the clip cache is, how many clips it holds and their size."""
    from ..cache import ClipCache

    st = ClipCache(cache_dir).stats()
    typer.echo(f"{st.path}: {st.entries} clips, {st.bytes / 1_048_576:.1f} MB")


@cache_app.command("clear")
def cache_clear(cache_dir: CacheDirOpt = None) -> None:
    """Delete every cached clip (they are made again when needed); nothing else in the folder."""
    from ..cache import ClipCache

    cache = ClipCache(cache_dir)
    typer.echo(f"removed {cache.clear()} clips from {cache.root}")


@cache_app.command("prune")
def cache_prune(
    cache_dir: CacheDirOpt = None,
    max_size: Annotated[
        str | None,
        typer.Option("--max-size", metavar="SIZE", help="Keep at most this much (500M, 2G), oldest use first."),
    ] = None,
    older_than: Annotated[
        str | None,
        typer.Option("--older-than", metavar="AGE", help="Remove clips unused for this long (30d, 12h, 2w)."),
    ] = None,
) -> None:
    """Trim the clip cache by size, age or both.

    \b
    Example:
      bulletin cache prune --max-size 2G --older-than 30d
    """
    from ..cache import ClipCache, parse_age, parse_size
    from ..errors import ConfigError

    if max_size is None and older_than is None:
        raise ConfigError("say how to prune: --max-size SIZE, --older-than AGE, or both")
    cache = ClipCache(cache_dir)
    removed = cache.prune(
        max_bytes=parse_size(max_size) if max_size is not None else None,
        older_than=parse_age(older_than) if older_than is not None else None,
    )
    st = cache.stats()
    typer.echo(f"removed {removed} clips; {st.entries} clips, {st.bytes / 1_048_576:.1f} MB left in {cache.root}")
