"""Command-line options built from :class:`~bulletin.settings.Settings`, plus what every
command shares (the article argument, progress, printing what was written).

Each setting declares its flag, help and commands once (in :mod:`bulletin.settings`);
:func:`with_settings` adds those options to a command and hands it one resolved ``Settings``.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import Field
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ..settings import declared, default_of, parse_pairs, resolve

F = TypeVar("F", bound=Callable[..., Any])

ArticleArg = Annotated[
    str,
    typer.Argument(
        metavar="ARTICLE",
        help="The article: a text (.txt), Markdown (.md) or HTML file, a web page's URL, or - to read standard input.",
        show_default=False,
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", metavar="FILE", help="Where to write the MP3 [default: audio_out/<date>-<slug>.mp3]."
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", metavar="FILE", help="Show settings (TOML) [default: ./bulletin.toml when present]."),
]


def _annotation(f: Field[Any]) -> Any:
    """The Typer annotation of one setting."""
    meta = f.metadata
    flags: tuple[str, ...] = meta["flags"]
    common: dict[str, Any] = {"help": meta["help"], "show_default": False}
    if meta["kind"] == "flag":
        long = flags[0]
        return Annotated[bool | None, typer.Option(f"{long}/--no-{long[2:]}", *flags[1:], **common)]
    common["metavar"] = meta["metavar"]
    default = default_of(f)
    if meta["kind"] == "pairs" or isinstance(default, list):
        return Annotated[list[str] | None, typer.Option(*flags, **common)]
    annotation = str(f.type)
    if "Path" in annotation:
        return Annotated[Path | None, typer.Option(*flags, **common)]
    if annotation.startswith("float"):
        return Annotated[float | None, typer.Option(*flags, **common)]
    if annotation.startswith("int"):
        return Annotated[int | None, typer.Option(*flags, **common)]
    return Annotated[str | None, typer.Option(*flags, **common)]


def _given(f: Field[Any], value: Any) -> Any:
    """A command-line value as the setting's type; None means "not given"."""
    if value is None or value == []:
        return None
    if f.metadata["kind"] == "pairs":
        return parse_pairs(value, f.metadata["flags"][0])
    return value


def with_settings(command: str) -> Callable[[F], F]:
    """Add to a command every setting that lists ``command``, and ``--config``. The command
    receives ``settings`` (resolved once: command line > settings file > defaults) instead."""

    def decorate(func: F) -> F:
        own = [p for name, p in inspect.signature(func, eval_str=True).parameters.items() if name != "settings"]
        chosen = [f for f in declared() if command in f.metadata["commands"]]
        extra = [inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=_annotation(f))
                 for f in chosen]  # fmt: skip
        config = inspect.Parameter("config", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=ConfigOpt)

        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            given = {f.name: _given(f, kwargs.pop(f.name)) for f in chosen}
            settings = resolve(given, kwargs.pop("config"))
            return func(**kwargs, settings=settings)

        del wrapper.__wrapped__  # Typer must read the signature below, not the wrapped function's
        params = [*own, *extra, config]
        wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}  # evaluated: no name to look up
        return wrapper  # type: ignore[return-value]

    return decorate


def show_progress(quiet: bool) -> bool:
    """A progress bar only for a person at a terminal (cron and pipes get clean output)."""
    return not quiet and (sys.stderr.isatty() or os.environ.get("BULLETIN_PROGRESS") == "1")


@contextmanager
def progress_bar(label: str, unit: str, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A bar on stderr that shows real totals (``12/40 clips``) once they are known."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TimeRemainingColumn(),
        transient=True,
        # BULLETIN_PROGRESS=1 asks for the bar where stderr is not a terminal (logs, tests).
        console=Console(stderr=True, force_terminal=True if os.environ.get("BULLETIN_PROGRESS") == "1" else None),
    ) as bar:
        task = bar.add_task(label, total=None, count="starting…")

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, count=f"{done}/{total} {unit}")

        yield tick


def say_engine(engine: str, reason: str) -> None:
    """The one line per run that says which engine spoke and why."""
    typer.echo(f"engine: {engine}" + (f" ({reason})" if reason and reason != "as given" else ""), err=True)


def warn(lines: tuple[str, ...] | list[str]) -> None:
    for line in lines:
        typer.echo(f"warning: {line}", err=True)


def print_files(files: dict[str, Path], duration_ms: int | None = None) -> None:
    """Every file written, the MP3 first (with its duration), one per line on stdout."""
    for name, path in files.items():
        if name == "mp3" and duration_ms is not None:
            secs = duration_ms / 1000
            typer.echo(f"{path}  ({int(secs // 60)} min {secs % 60:04.1f} s)")
        else:
            typer.echo(str(path))
