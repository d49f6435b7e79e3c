"""The ``bulletin`` command: a thin layer over the library API, one module per family of
commands (:mod:`.make`, :mod:`.batch`, :mod:`.tools`); options come from the one settings
object (:mod:`.options`).

Every command raises :class:`~bulletin.errors.BulletinError` subclasses for bad input; ``main``
prints them on one line and exits non-zero, never with a traceback.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Annotated

import typer
from typer.exceptions import TyperException

from .. import __version__
from ..errors import BulletinError, OptionError


def _plain_arguments() -> None:
    """Show arguments the classic way (``ARTICLE``), not as Typer 0.2x does (``{ARTICLE}``
    followed by the Python type ``<str>``). Private Typer API: pyproject bounds Typer's version
    and tests/test_cli.py reads the help text, so a change in Typer shows up as a failing test."""
    from typer.core import TyperArgument

    def usage_name(self: TyperArgument) -> str:
        return str(self.display_name_raw) + ("..." if self.nargs != 1 and self.metavar is None else "")

    TyperArgument._usage_display_name = usage_name  # type: ignore[method-assign]
    TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]


_plain_arguments()

app = typer.Typer(
    name="bulletin",
    help=(
        "Turn a French news article into a spoken news bulletin: an MP3 with chapters, transcript, "
        "captions and a voice for each quoted speaker.\n\n"
        "Start with:  bulletin make ARTICLE.txt    (then 'bulletin make --help')\n\n"
        "Check who says what first:  bulletin script ARTICLE.txt"
    ),
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts show [default: …] and TOML [words] literally
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bulletin {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Turn a French news article into a spoken news bulletin."""


from . import batch, make, render, studio, tools  # noqa: E402,F401  (the commands register themselves on app)


def main() -> None:
    """Console entry point: one line per error, non-zero exit, no traceback."""

    def on_term(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # cron and timeouts send SIGTERM: clean up as for Ctrl-C

    signal.signal(signal.SIGTERM, on_term)
    code = _run()
    # Past this point the outcome is decided and said: a signal arriving while Python shuts down
    # (its handlers already reset) would otherwise end the process by that signal, not this code.
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    sys.exit(code)


def _run() -> int:
    """The command's exit code: 0, 1 for bad input, 2 for a bad option, 130 when interrupted."""
    try:
        code = app(standalone_mode=False, prog_name="bulletin")
    except OptionError as exc:  # the command line itself is wrong, as for a misspelt option
        typer.echo(f"bulletin: error: {exc}", err=True)
        return 2
    except BulletinError as exc:  # bad input: the article, a file, the network, the disk
        typer.echo(f"bulletin: error: {exc}", err=True)
        return 1
    except TyperException as exc:  # a bad option or argument (Typer's own click): one line, and where to look
        if type(exc).__name__ == "NoArgsIsHelpError":  # 'bulletin' alone: the help is the answer
            typer.echo(exc.format_message())
            return 0
        ctx = getattr(exc, "ctx", None)
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        typer.echo(f"bulletin: error: {message}{where}", err=True)
        return int(getattr(exc, "exit_code", 2))
    except (KeyboardInterrupt, typer.Abort):
        typer.echo("bulletin: interrupted; nothing more was written", err=True)
        return 130
    except Exception as exc:  # a bug, not bad input: still one line, with how to see more
        if os.environ.get("BULLETIN_DEBUG"):
            raise
        typer.echo(
            f"bulletin: internal error: {type(exc).__name__}: {exc} (set BULLETIN_DEBUG=1 for details)", err=True
        )
        return 2
    if code == 130:  # Typer turns a KeyboardInterrupt into exit code 130, silently
        typer.echo("bulletin: interrupted; nothing more was written", err=True)
    return code if isinstance(code, int) else 0
