#!/usr/bin/env python3
"""Quote detection and normalisation time against article size (10 KB, 100 KB, 1 MB).

Builds the script (reading, quotes, casting, normalisation; no synthesis) of articles made by
repeating the sample article, and prints the time per kilobyte and per word, which must stay
flat; the script stage is promised at no more than 30 µs per word at 1 MB.

    python scripts/bench_scaling.py
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bulletin.article import parse_text  # noqa: E402
from bulletin.engines.espeak import EspeakEngine  # noqa: E402
from bulletin.script import build_script  # noqa: E402


def main() -> int:
    body = (ROOT / "bulletin" / "samples" / "exemple.txt").read_text(encoding="utf-8").split("\n\n", 1)[1]
    voices = EspeakEngine().voices("fr-FR")
    print(f"{'size':>8} {'words':>8} {'quotes':>7} {'seconds':>8} {'ms per KB':>10} {'µs per word':>12}")
    for size in (10_000, 100_000, 1_000_000):
        text = (body + "\n\n") * (size // len(body.encode()) + 1)
        text = text[:size].rsplit("\n\n", 1)[0]
        t0 = time.perf_counter()
        script = build_script(parse_text(text), voices)
        dt = time.perf_counter() - t0
        n = sum(1 for s in script.segments if s.kind == "quote")
        words = len(re.findall(r"\w+", text))
        kb = len(text.encode()) / 1000
        print(f"{kb:>6.0f}KB {words:>8} {n:>7} {dt:>8.2f} {dt * 1000 / kb:>10.2f} {dt * 1e6 / words:>12.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
