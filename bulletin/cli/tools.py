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


@app.command(short_help="Engines and voices, with gender and pitch.")
@with_settings("voices")
def voices(
    locale: Annotated[
        str | None,
        typer.Option("--locale", "-l", metavar="LOCALE", help="Only this locale (fr-FR, fr-BE, fr-CH, fr-CA)."),
    ] = None,
    *,
    settings: Settings,
) -> None:
    """List engines and their voices: the first voice of each locale reads the news, the others
    speak quotes. Use a voice id with --speaker-voice."""
    from ..engines.base import available_engines, get_engine
    from ..normalize import LOCALES

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
        for loc in [locale] if locale else LOCALES:
            for i, v in enumerate(eng.voices(loc)):
                role = "anchor" if i == 0 else "quotes"
                gender = {"f": "female", "m": "male"}.get(v.gender or "", "-")
                pitch = f"{v.f0_hz:.0f} Hz" if v.f0_hz else "-"
                typer.echo(f"  {v.id:<24} {loc}  {role:<6}  {gender:<6}  {pitch:>6}  {v.label}")


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
