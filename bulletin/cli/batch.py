"""``bulletin batch`` and ``bulletin feed``: many articles, unattended, and their podcast feed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..settings import Settings
from . import app
from .options import QuietOpt, progress_bar, say_engine, show_progress, warn, with_settings


@app.command(short_help="Many articles, files or feeds to bulletins; incremental, cron-safe.")
@with_settings("batch")
def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT...",
            help="Article files, folders, RSS/Atom feeds (files or URLs), web pages.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="DIR", help="Folder for the bulletins (created when missing).")
    ],
    feed: Annotated[
        Path | None, typer.Option("--feed", metavar="FILE", help="Also write the podcast feed (RSS) here.")
    ] = None,
    quiet: QuietOpt = False,
    *,
    settings: Settings,
) -> None:
    """Make bulletins for many articles at once, incrementally: what did not change is not redone.

    Safe from cron: re-runs rewrite nothing, Ctrl-C or SIGTERM stops within seconds keeping
    what is finished, and the exit code is non-zero when anything failed.

    \b
    Example (cron):
      bulletin batch ~/articles/ https://exemple.be/rss --edition daily -o site/ --feed site/feed.xml
    """
    from ..batch import run_batch

    if settings.cluster:
        from ..cluster import Cluster

        # Connected before anything is written: an unreachable scheduler leaves no trace.
        with Cluster(settings.cluster) as cluster, progress_bar("Bulletins", "made", show_progress(quiet)) as tick:
            summary = run_batch(inputs, out, settings, progress=tick, runner=cluster)
    else:
        with progress_bar("Bulletins", "made", show_progress(quiet)) as tick:
            summary = run_batch(inputs, out, settings, progress=tick)
    if summary.engine:
        say_engine(summary.engine, summary.reason)
    warn(summary.warnings)
    for line in summary.lines():
        typer.echo(line, err=line.startswith(("failed", "interrupted")))
    if feed is not None and not summary.interrupted:
        _publish(out, feed, settings)
    if summary.interrupted:
        raise typer.Exit(130)
    if not summary.ok:
        raise typer.Exit(1)


def _publish(folder: Path, target: Path, settings: Settings) -> None:
    from ..batch import publish_feed

    warnings: list[str] = []
    changed = publish_feed(folder, target, settings, warnings)
    warn(warnings)
    typer.echo(f"feed       {target}" + ("" if changed else " (unchanged)"))


@app.command("feed", short_help="The podcast feed (RSS, iTunes, Podcasting 2.0) of a batch folder.")
@with_settings("feed")
def feed_command(
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="A folder 'bulletin batch' wrote to.", show_default=False)
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Where to write the feed [default: DIR/feed.xml]."),
    ] = None,
    *,
    settings: Settings,
) -> None:
    """Write the podcast feed (RSS 2.0, iTunes, Podcasting 2.0) for the bulletins in DIR.

    The show name, author, cover and base URL the batch recorded are reused; options override them.
    """
    _publish(folder, output or folder / "feed.xml", settings)
