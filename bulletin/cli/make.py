"""``bulletin make``, ``bulletin script`` and ``bulletin say``: one article, from text to sound."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..article import Article
from ..settings import Settings
from . import app
from .options import (
    ArticleArg,
    OutputOpt,
    QuietOpt,
    print_files,
    progress_bar,
    say_engine,
    show_progress,
    warn,
    with_settings,
)


def read_input(spec: str) -> Article:
    """The article named on the command line (a file, a URL, or ``-`` for standard input), with
    what the reader worked around said on stderr."""
    import sys

    from ..sources import load_article

    article = load_article(spec, stdin=sys.stdin.buffer if spec == "-" else None)
    warn([f"{spec}: {w}" for w in article.warnings])
    return article


@app.command(short_help="Article to tagged MP3 bulletin, with captions and chapters.")
@with_settings("make")
def make(
    article: ArticleArg,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    save_script: Annotated[
        Path | None,
        typer.Option(
            "--save-script",
            metavar="FILE",
            help="Also write the script it spoke (JSON), to edit and speak again with 'bulletin render FILE'.",
        ),
    ] = None,
    *,
    settings: Settings,
) -> None:
    """Make a bulletin: read ARTICLE, cast a voice for each speaker, speak it, write a tagged MP3
    and its sidecars (captions, chapters…). Prints every file it wrote.

    \b
    Examples:
      bulletin make article.txt
      bulletin make article.md -o journal.mp3 --locale fr-BE --show "Le Journal"
      bulletin make https://exemple.be/article.html --preset accessible --outputs all
      cat article.txt | bulletin make - -o journal.mp3
      bulletin make article.txt --save-script s.json   (edit s.json, then: bulletin render s.json)
    """
    from ..pipeline import make_bulletin

    if save_script is not None:
        _check_script_target(save_script)  # before the work, not after it
    source = read_input(article)
    with progress_bar("Speaking", "clips", show_progress(quiet)) as tick:
        result = make_bulletin(source, output, settings, progress=tick)
    files = dict(result.files)
    if save_script is not None:
        files["script"] = _save_script(result.script.to_json(), save_script)
    say_engine(result.engine, result.reason)
    warn(result.warnings)
    print_files(files, result.duration_ms)


def _check_script_target(target: Path) -> None:
    from ..errors import OutputError

    if target.is_dir():
        raise OutputError(f"{target} is a folder; name the script file to write")
    if not (target.parent if str(target.parent) else Path(".")).is_dir():
        raise OutputError(f"no such folder: {target.parent}")


def _save_script(doc: dict[str, object], target: Path) -> Path:
    """The script, written atomically (an existing file is replaced whole or not at all)."""
    from ..outputs.writing import write_text

    _check_script_target(target)
    return write_text(target, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")


def _print_schema(value: bool) -> None:
    if value:
        from ..render import schema

        typer.echo(json.dumps(schema(), ensure_ascii=False, indent=1))
        raise typer.Exit()


class ScriptFormat(str, Enum):
    table = "table"
    json = "json"


@app.command(short_help="Who says what, in which voice (table or JSON), before synthesis.")
@with_settings("script")
def script(
    article: ArticleArg,
    format: Annotated[
        ScriptFormat,
        typer.Option("--format", "-f", help="table (for people) or json (for tools and 'bulletin render')."),
    ] = ScriptFormat.table,
    spoken: Annotated[
        bool, typer.Option("--spoken", help="Show the spoken form (numbers in words…) instead of the article's text.")
    ] = False,
    schema: Annotated[
        bool,
        typer.Option(
            "--schema",
            callback=_print_schema,
            is_eager=True,
            help="Print the JSON Schema of the script JSON (what 'bulletin render' accepts) and exit.",
        ),
    ] = False,
    *,
    settings: Settings,
) -> None:
    """Show who says what, in which voice, without synthesising anything.

    Check the casting before making the bulletin. The JSON shape is stable for other tools.
    """
    from ..pipeline import make_script

    result = make_script(read_input(article), settings)
    warn(result.warnings)
    if format is ScriptFormat.json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=result.title, show_lines=False)
    for col in ("#", "kind", "speaker", "rule", "voice", "spoken" if spoken else "text"):
        table.add_column(col, overflow="fold")
    for i, s in enumerate(result.segments, 1):
        text = s.spoken if spoken or not s.text else s.text
        rule = f"{s.attribution.rule} {s.attribution.confidence:.2f}" if s.attribution else ""
        rule += " (guess: check)" if s.attribution is not None and s.attribution.low else ""
        speaker = s.speaker or ("(unknown)" if s.kind == "quote" else "")
        table.add_row(str(i), s.kind, speaker, rule, s.voice, text)
    Console(width=max(100, Console().width)).print(table)


@app.command(short_help="How a text will be spoken (numbers, dates, lexicon).")
@with_settings("say")
def say(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="French text to normalise.", show_default=False)],
    *,
    settings: Settings,
) -> None:
    """Print how TEXT will be spoken (numbers, dates, abbreviations, lexicon); nothing is synthesised.

    \b
    Example:
      bulletin say "Le 1er janvier 2020 à 9 h 11, 71 % des 3.000 votants" --locale fr-CH
    """
    from ..normalize import load_lexicon, normalize

    typer.echo(normalize(text, settings.locale, load_lexicon(settings.lexicon)))
