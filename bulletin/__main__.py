"""``python -m bulletin`` and the ``bulletin`` command.

:func:`run` is the console entry point: it loads the command line (most of the library) inside
a guard, so an interrupt while the modules load ends with the same one line and exit code 130
as an interrupt later on, never with a traceback.
"""

from __future__ import annotations

import os
import signal
import sys


def run() -> None:
    def on_term(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # cron and timeouts send SIGTERM: clean up as for Ctrl-C

    signal.signal(signal.SIGTERM, on_term)
    try:
        from .cli import main
    except KeyboardInterrupt:
        sys.stderr.write("bulletin: interrupted; nothing more was written\n")
        sys.stderr.flush()
        # Nothing has been written yet, so nothing to clean up; and an interrupt that lands inside
        # an import marks the interpreter to re-raise SIGINT at exit whatever exit code is asked.
        os._exit(130)
    main()


# Guarded: worker processes (multiprocessing's forkserver and spawn) import the main module.
if __name__ == "__main__":
    run()
