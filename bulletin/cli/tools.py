"""``bulletin voices``, ``bulletin inspect`` and ``bulletin cache``: looking at what is there."""

from __future__ import annotations

import contextlib
import os
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


@app.command(short_help="Engines and voices, with gender and pitch; install Piper voices; hear samples.")
@with_settings("voices")
def voices(
    voice: Annotated[
        str | None,
        typer.Argument(metavar="[VOICE]", help="With --sample: only this voice (an id from the list).",
                       show_default=False),
    ] = None,
    locale: Annotated[
        str | None,
        typer.Option("--locale", "-l", metavar="LOCALE", help="Only this locale (fr-FR, fr-BE, fr-CH, fr-CA)."),
    ] = None,
    install: Annotated[
        str | None,
        typer.Option(
            "--install",
            metavar="NAME",
            help="Download Piper voices from their public hub into the voices folder, checked against the hub's "
            "checksums: fr for a French cast (an anchor, two women and two men), or one voice "
            "(fr_FR-siwis-medium, fr_FR-upmc-medium…).",
        ),
    ] = None,
    sample_: Annotated[
        bool,
        typer.Option("--sample", help="Write a short MP3 of each voice (or of VOICE) into the --output folder."),
    ] = False,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", metavar="DIR", help="Folder for --sample [default: voice_samples].",
                     show_default=False),
    ] = Path("voice_samples"),
    only: Annotated[
        str | None,
        typer.Option("--engine", "-e", metavar="NAME", help="Only this engine's voices (listed or sampled)."),
    ] = None,
    *,
    settings: Settings,
) -> None:
    """List engines and their voices: the first voice of each locale reads the news, the others
    speak quotes. Use a voice id with --speaker-voice or --anchor-voice.

    \b
    Natural offline voices (needs pip install "bulletin[neural]"):
      bulletin voices --install fr
      bulletin voices --sample piper:fr_FR-tom-medium
      bulletin make article.txt --engine piper
    """
    from ..engines.base import available_engines, get_engine
    from ..errors import OptionError
    from ..normalize import LOCALES

    if locale is not None and locale not in LOCALES:
        raise OptionError(f"unknown locale {locale!r}; choose one of {', '.join(LOCALES)}")
    if voice is not None and not sample_:
        raise OptionError(f"a voice ({voice}) is only given with --sample")
    engines = sorted(available_engines())
    if only is not None and only not in engines:
        raise OptionError(f"unknown engine {only!r}; available engines: {', '.join(engines)}")
    if install is not None:
        _install(install, settings)
        return
    if sample_:
        _samples(voice, locale or settings.locale, output, settings, [only] if only else engines)
        return
    for name in [only] if only else engines:
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


def _samples(voice: str | None, locale: str, folder: Path, settings: Settings, engines: list[str]) -> None:
    """``bulletin voices --sample [VOICE]``: one MP3 per voice of every engine that can speak
    here (or of VOICE's engine), each line saying which file is which voice."""
    from ..engines.base import get_engine
    from ..errors import UnknownVoiceError
    from ..voices_sample import write_samples

    if voice is not None:
        owner = voice.partition(":")[0]
        if owner not in engines:
            raise UnknownVoiceError(f"no voice {voice!r}: a voice id starts with its engine ({', '.join(engines)})")
        engines = [owner]
    wrote = 0
    for name in engines:
        eng = get_engine(name, settings.engine_config())
        if voice is None and not eng.reachable():
            typer.echo(f"{name}: skipped (cannot speak here; see 'bulletin voices')", err=True)
            continue
        for v, path in write_samples(folder, eng, locale, [voice] if voice else None):
            gender = {"f": "female", "m": "male"}.get(v.gender or "", "-")
            typer.echo(f"{path}  {v.id}  {gender}" + (f"  {v.f0_hz:.0f} Hz" if v.f0_hz else ""))
            wrote += 1
    if not wrote:
        raise UnknownVoiceError("no engine can speak here, so no sample was written")


def _piper_files(settings: Settings) -> None:
    """The Piper voices in the voices folder: language, speakers, sample rate, quality, and per
    speaker its gender, where that comes from (card or measured) and its calibration F0."""
    from ..engines.piper import PiperEngine
    from ..engines.piper_voices import find_voices, voices_folder

    folder = voices_folder(settings.voices_dir)
    found, problems = find_voices(folder)
    typer.echo(f"  voices folder {folder}: {len(found)} voice{'s' if len(found) != 1 else ''}")
    engine = PiperEngine(settings.engine_config())
    for v in found:
        n = v.config.num_speakers
        typer.echo(f"  {v.name:<28} {v.config.language:<6} {n:>3} speaker{'s' if n > 1 else ' '}  "
                   f"{v.config.sample_rate:>5} Hz  {v.config.quality}".rstrip())  # fmt: skip
        with contextlib.suppress(BulletinError):  # no onnxruntime: the card's genders only
            v = engine.profiled(v)
        for sp in v.speakers:
            gender = {"f": "female", "m": "male"}.get(sp.gender or "", "-")
            f0 = f"{sp.f0_hz:.0f} Hz" if sp.f0_hz else "-"
            typer.echo(f"    {sp.name or '(one speaker)':<26} {gender:<6} {sp.gender_source or '-':<8} {f0:>6}")
    for problem in problems:
        typer.echo(f"  not a usable voice: {problem}")


def _install(name: str, settings: Settings) -> None:
    """``bulletin voices --install fr|NAME``: say what will be downloaded and how much, download
    under one progress bar, check, publish, measure, and say what was installed."""
    from ..engines.piper import PiperEngine
    from ..engines.piper_voices import install_planned, plan_install, recommended_cast, voices_folder
    from .options import show_progress

    folder = voices_folder(settings.voices_dir)
    cast = recommended_cast(name)
    planned = plan_install(cast or [name], folder)
    if cast:
        have = [p for p in planned if p.installed_in(folder)]
        for p in have:
            typer.echo(f"already installed: {p.key}")
        planned = [p for p in planned if p not in have]
    total = sum(p.size for p in planned)
    if planned:
        typer.echo(f"installing {len(planned)} voice{'s' if len(planned) > 1 else ''} "
                   f"({', '.join(p.key for p in planned)}): {total / 1_048_576:.1f} MB into {folder}")  # fmt: skip
    with contextlib.ExitStack() as stack:
        tick = None
        if show_progress(False) and planned:
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

            forced = True if os.environ.get("BULLETIN_PROGRESS") == "1" else None  # logs and tests ask for it
            bar = stack.enter_context(Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                               TransferSpeedColumn(), transient=True,
                                               console=Console(stderr=True, force_terminal=forced)))  # fmt: skip
            task = bar.add_task("voices", total=total or None)
            seen: dict[str, int] = {}

            def tick(file: str, done: int, _total: int) -> None:  # one bar for every file of every voice
                seen[file] = done
                bar.update(task, completed=sum(seen.values()), description=file)

        engine = PiperEngine(settings.engine_config())
        for p in planned:
            voice = install_planned(p, folder, progress=tick)
            with contextlib.suppress(BulletinError):  # no onnxruntime yet: measured on first use instead
                voice = engine.profiled(voice)  # measured now, while the user waits anyway
            size = voice.model.stat().st_size / 1_048_576
            n = voice.config.num_speakers
            genders = ", ".join(f"{sp.name + ' ' if sp.name else ''}{sp.gender or '?'}" for sp in voice.speakers)
            # each voice is said as soon as it is there: a cut later in the cast does not hide it
            typer.echo(f"installed {voice.name} ({voice.config.language}, {n} speaker{'s' if n > 1 else ''}, "
                       f"{voice.config.sample_rate} Hz, {size:.1f} MB, {genders}) in {folder}")  # fmt: skip


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
    from ..errors import OptionError

    if max_size is None and older_than is None:
        raise OptionError("say how to prune: --max-size SIZE, --older-than AGE, or both")
    cache = ClipCache(cache_dir)
    removed = cache.prune(
        max_bytes=parse_size(max_size) if max_size is not None else None,
        older_than=parse_age(older_than) if older_than is not None else None,
    )
    st = cache.stats()
    typer.echo(f"removed {removed} clips; {st.entries} clips, {st.bytes / 1_048_576:.1f} MB left in {cache.root}")
