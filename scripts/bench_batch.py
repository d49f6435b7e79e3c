#!/usr/bin/env python3
"""Batch benchmark: N articles of the seed's size on the offline engine.

Prints total time, time per article, peak memory (largest worker), and a second run's time.
Run it with two batch sizes to see that the time per article does not grow with the batch.

    python scripts/bench_batch.py [--articles 50] [--also 10]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "corpus" / "seed" / "000_75bfcc3184c6624c.txt"
NAMES = [
    "Anne Lemaire",
    "Paul Girard",
    "Sofia Haddad",
    "Marc Petit",
    "Inès Barbier",
    "Louis Ferrand",
    "Claire Dumoulin",
]


def make_articles(folder: Path, n: int) -> None:
    """Seed-sized articles, all different (so nothing is shared through the clip cache)."""
    body = SEED.read_text(encoding="utf-8").split(" ", 3)[3] if SEED.exists() else ""
    body = body or (ROOT / "bulletin" / "samples" / "exemple.txt").read_text(encoding="utf-8")
    for i in range(n):
        who = NAMES[i % len(NAMES)]
        text = body.replace("Johan Peeters", who).replace("200", str(200 + i)).replace("3.000", f"{3000 + i}")
        (folder / f"article-{i:03d}.txt").write_text(
            f"title: Dépêche numéro {i}\ndate: 2026-11-{1 + i % 28:02d}\n\nDépêche {i}. {text}",
            encoding="utf-8",
        )


def run(args: list[str]) -> tuple[float, float]:
    """Wall time and peak RSS (MB) of the largest process the command ran."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bulletin", *args], check=False, cwd=ROOT, capture_output=True)
    elapsed = time.perf_counter() - t0
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return elapsed, peak


def bench(n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as d:
        src, out, cache = Path(d) / "in", Path(d) / "out", Path(d) / "cache"
        src.mkdir()
        out.mkdir()
        make_articles(src, n)
        args = [
            "batch",
            str(src),
            "-o",
            str(out),
            "--engine",
            "espeak",
            "--cache-dir",
            str(cache),
            "-q",
        ]
        first, peak = run(args)
        second, _ = run(args)
        made = len(list(out.glob("*.mp3")))
    return {"articles": n, "made": made, "first_s": first, "per_article_s": first / n, "second_s": second,
            "second_share": second / first, "peak_rss_mb": peak, "workers": os.cpu_count() or 1}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=50)
    ap.add_argument("--also", type=int, default=10, help="a smaller batch, to compare time per article")
    args = ap.parse_args()
    print(f"{'articles':>8} {'made':>5} {'first s':>8} {'s/article':>10} {'second s':>9} {'2nd/1st':>8} {'peak MB':>8}")
    for n in (args.also, args.articles):
        r = bench(n)
        print(f"{n:>8} {r['made']:>5.0f} {r['first_s']:>8.1f} {r['per_article_s']:>10.2f} {r['second_s']:>9.2f} "
              f"{r['second_share']:>8.1%} {r['peak_rss_mb']:>8.0f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
