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
    # While the command loads, a signal only records itself: an exception raised at an arbitrary
    # point of an import can land in a callback that Python reports and swallows ("Exception
    # ignored"), and the run would go on as if nothing had been asked.
    asked: list[int] = []

    def record(signum: int, _frame: object) -> None:
        asked.append(signum)

    previous = {s: signal.signal(s, record) for s in (signal.SIGINT, signal.SIGTERM)
                if signal.getsignal(s) is not signal.SIG_IGN}  # fmt: skip
    from .cli import main

    if asked:
        sys.stderr.write("bulletin: interrupted; nothing more was written\n")
        sys.stderr.flush()
        os._exit(130)  # nothing has been written yet, so nothing to clean up
    for signum, handler in previous.items():
        signal.signal(signum, handler)
    main()


# Guarded: worker processes (multiprocessing's forkserver and spawn) import the main module.
if __name__ == "__main__":
    run()
