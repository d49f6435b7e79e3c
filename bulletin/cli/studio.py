"""``bulletin studio``: the local review page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..settings import Settings
from . import app
from .options import with_settings


@app.command(short_help="A local web page to review, correct, hear and render a bulletin.")
@with_settings("studio")
def studio(
    host: Annotated[
        str,
        typer.Option("--host", metavar="HOST", help="Address to listen on; any but loopback needs --token."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="PORT", help="Port (0: any free port).")] = 8765,
    open_page: Annotated[bool, typer.Option("--open", help="Open the page in the web browser.")] = False,
    folder: Annotated[
        Path | None,
        typer.Option("--folder", metavar="DIR", help="A batch folder whose bulletins and feed the page lists."),
    ] = None,
    out: Annotated[
        Path,
        typer.Option("--out", metavar="DIR", help="Where rendered bulletins go (created when missing)."),
    ] = Path("audio_out"),
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            metavar="TOKEN",
            envvar="BULLETIN_STUDIO_TOKEN",
            help="Every call needs this token (required with a --host other than loopback); "
            "also read from BULLETIN_STUDIO_TOKEN.",
        ),
    ] = None,
    max_segments: Annotated[
        int,
        typer.Option("--max-segments", metavar="N", min=1, help="Refuse articles whose script has more segments."),
    ] = 2000,
    preview_limit: Annotated[
        float,
        typer.Option("--preview-limit", metavar="SECONDS", min=1.0, help="Longest preview, in seconds of speech."),
    ] = 120.0,
    *,
    settings: Settings,
) -> None:
    """Start the studio: paste, upload or fetch an article, review who says what (speaker,
    voice, rule and confidence), correct it, add pronunciations, hear any segment, render the
    bulletin and download it with its sidecars. Ctrl-C stops it.

    It listens on 127.0.0.1 only, unless --host says otherwise with a --token. The page is a
    client of a JSON API other tools can use too (POST /api/script, /api/preview, /api/sample,
    /api/timeline, /api/render, /api/lexicon; GET /api/jobs/ID, /api/voices, /api/library).
    Ctrl-C stops a running render between two clips and says what it dropped.

    \b
    Examples:
      bulletin studio --open
      bulletin studio --folder site/ --engine espeak
      bulletin studio --host 0.0.0.0 --token "$(openssl rand -hex 16)"
    """
    from ..studio.config import StudioConfig
    from ..studio.server import serve

    config = StudioConfig(settings=settings, out_dir=out, folder=folder, token=token or None, host=host, port=port,
                          max_segments=max_segments, preview_seconds=preview_limit)  # fmt: skip
    serve(config, open_browser=open_page, say=lambda line: typer.echo(line))
