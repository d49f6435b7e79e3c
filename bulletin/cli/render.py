"""``bulletin render``: speak a script JSON, edited or not, with the same options as ``make``."""

from __future__ import annotations

from typing import Annotated

import typer

from ..settings import Settings
from . import app
from .options import OutputOpt, QuietOpt, print_files, progress_bar, say_engine, show_progress, warn, with_settings


@app.command(short_help="Script JSON (edited or not) to tagged MP3 bulletin.")
@with_settings("render")
def render(
    script: Annotated[
        str,
        typer.Argument(
            metavar="SCRIPT",
            help="A script JSON file, as 'bulletin script --format json' or 'make --save-script' write it "
            "(then edited), or - to read standard input.",
            show_default=False,
        ),
    ],
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    *,
    settings: Settings,
) -> None:
    """Render exactly the script given: its segments, speakers, voices and spoken text. A bad
    edit is refused with one line naming the segment and the field, and nothing is written.

    With --engine auto (the default) the script is spoken by the engine whose voices it names.
    A speaker's voice set in the script's "speakers" table applies to all their quotes; a
    segment's own "voice", when it differs from its "cast_voice", applies to that segment only.
    'bulletin script --schema' prints the JSON Schema.

    What shapes the script was settled when it was made: its locale, the quote cues of
    --preset accessible, the spoken opening and closing of --show. Here --show names the show
    in the tags and plays the chime; the preset sets loudness, rate and pauses.

    \b
    Example (review before it airs):
      bulletin script article.txt --format json > s.json     # or: bulletin make article.txt --save-script s.json
      (edit s.json: a speaker, a voice, a spoken text; delete or insert segments)
      bulletin render s.json -o journal.mp3
    """
    from ..render import render_file

    with progress_bar("Speaking", "clips", show_progress(quiet)) as tick:
        result = render_file(script, output, settings, progress=tick)
    say_engine(result.engine, result.reason)
    warn(result.warnings)
    print_files(result.files, result.duration_ms)
