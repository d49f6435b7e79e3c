#!/usr/bin/env python3
"""How many times a batch loads a Piper model: every ONNX session any process of the batch
creates is logged (a ``sitecustomize`` hook put on the processes' path), then counted per process.

    python scripts/count_model_loads.py [--articles 20] [--workers 2] [--models 2]

The voices are tiny Piper-format models built on the spot (tests/tiny_piper.py), named like hub
voices; the articles are short ones written here. With one runtime per worker process, a batch
loads each model at most once per worker (plus once in the coordinator, which lists the voices),
however many articles it makes.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.tiny_piper import write_voice  # noqa: E402

HOOK = """
import os, onnxruntime
_init = onnxruntime.InferenceSession.__init__
def _counted(self, *args, **kwargs):
    with open(os.environ["BULLETIN_LOAD_LOG"], "a") as fh:
        fh.write(f"{os.getpid()}\\n")
    _init(self, *args, **kwargs)
onnxruntime.InferenceSession.__init__ = _counted
"""

VOICES = [("fr_FR-siwis-medium", 215.0), ("fr_FR-tom-medium", 115.0), ("fr_FR-gilles-low", 120.0),
          ("fr_FR-mls_1840-low", 205.0)]  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--models", type=int, default=2, choices=range(1, len(VOICES) + 1))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bulletin-loads-") as d:
        work = Path(d)
        for name, f0 in VOICES[: args.models]:
            write_voice(work / "voices", name, tones=[f0])
        (work / "in").mkdir()
        for i in range(args.articles):
            (work / "in" / f"{i:03d}.txt").write_text(
                f"title: Conseil communal numéro {i}\ndate: 2026-11-{i % 28 + 1:02d}\n\n"
                f"Le conseil communal a voté le budget numéro {i} jeudi soir. « Nous avons tenu nos "
                f"promesses », confie Marie Dubois. « Les travaux commencent en mars », ajoute Paul Martin.\n",
                encoding="utf-8",
            )
        (work / "hook").mkdir()
        (work / "hook" / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
        log = work / "loads.log"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(work / "hook"), str(ROOT)]),
               "BULLETIN_LOAD_LOG": str(log)}  # fmt: skip
        t0 = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "bulletin", "batch", str(work / "in"), "-o", str(work / "out"),
                            "-q", "--engine", "piper", "--voices-dir", str(work / "voices"),
                            "-w", str(args.workers), "--no-cache"],
                           capture_output=True, text=True, cwd=ROOT, env=env)  # fmt: skip
        took = time.perf_counter() - t0
        if r.returncode != 0:
            print(r.stderr, file=sys.stderr)
            return 1
        made = len(list((work / "out").glob("*.mp3")))
        per_process = collections.Counter(log.read_text().split())
    print(f"{made} bulletins from {args.articles} articles, {args.workers} workers, {args.models} models, "
          f"in {took:.1f} s")  # fmt: skip
    print(f"model loads: {sum(per_process.values())} in all; per process: {sorted(per_process.values())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
