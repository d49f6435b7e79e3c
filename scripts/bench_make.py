#!/usr/bin/env python3
"""Benchmark `bulletin make` on the seed article against the floor, in one run.

The floor is what no bulletin tool can beat with this engine and encoder: raw espeak-ng
synthesis of the article's spoken text in one call, plus one ffmpeg encode of the result to the
same MP3 format as the bulletin (the podcast preset: mono 44.1 kHz, 96 kbit/s).

    python scripts/bench_make.py [ARTICLE] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bulletin.article import read_article  # noqa: E402
from bulletin.engines.espeak import EspeakEngine  # noqa: E402
from bulletin.ffmpeg import encode_mp3  # noqa: E402
from bulletin.normalize import normalize  # noqa: E402

SEED = ROOT.parent / "shared" / "corpus" / "seed" / "000_75bfcc3184c6624c.txt"


def floor(article: Path, out: Path) -> float:
    a = read_article(article)
    text = "\n".join(b.text for b in a.blocks)
    eng = EspeakEngine()
    voice = eng.voices("fr-BE")[0]
    eng.synthesize("échauffement", voice)  # library load is not part of the floor
    t0 = time.perf_counter()
    chunk = eng.synthesize(normalize(text, "fr-BE"), voice)
    encode_mp3(chunk.data, chunk.sample_rate, out, bitrate="96k", out_rate=44100)
    return time.perf_counter() - t0


def make(article: Path, out: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bulletin", "make", str(article), "-o", str(out), "-q", "--locale", "fr-BE"],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("article", nargs="?", type=Path, default=SEED)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        floors = [floor(args.article, Path(d) / "floor.mp3") for _ in range(args.repeat)]
        makes = [make(args.article, Path(d) / "make.mp3") for _ in range(args.repeat)]
    f, m = statistics.median(floors), statistics.median(makes)
    print(f"article: {args.article.name}")
    print(f"floor (espeak-ng one call + one ffmpeg encode): {f:.3f} s (median of {args.repeat})")
    print(f"bulletin make (whole CLI process, all stages, no cache):  {m:.3f} s (median of {args.repeat})")
    print(f"ratio: {m / f:.2f}x   (goal: at most 3x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
