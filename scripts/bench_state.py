#!/usr/bin/env python3
"""Benchmark the batch state: time to record one output, as the state grows to N outputs.

Each record is what the coordinator writes when a bulletin is made (one entry the size of a
real one: key, fingerprint, title, a 300-character summary, three files with their checksums),
through the same StateStore the batch uses, in a fresh folder. The time per record is printed
in buckets of N/10 records: flat when recording is O(1). ``--json`` runs release 2's JSON state
(the whole file read and rewritten for each record) on the same entries, for comparison.

    python scripts/bench_state.py [--outputs 5000] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bulletin.batch.state import StateStore  # noqa: E402


def entry(n: int) -> dict[str, Any]:
    stem = f"2026-11-{n % 28 + 1:02d}-bulletin-numero-{n}"
    files = {f"{stem}{s}": {"sha256": f"{n:064x}", "size": 1_000_000 + n, "mtime_ns": 1_700_000_000_000_000_000 + n}
             for s in (".mp3", ".vtt", ".chapters.json")}  # fmt: skip
    return {
        "key": f"https://exemple.be/articles/{n}", "fingerprint": f"{n:064x}", "title": f"Bulletin numéro {n}",
        "summary": "Le conseil communal s'est réuni hier soir. " * 7, "date": f"2026-11-{n % 28 + 1:02d}",
        "duration_ms": 61_000 + n, "bytes": 1_000_000 + n, "guid": f"{n:032x}", "files": files,
        "engine": "espeak", "made": "2026-11-27T06:00:00+00:00",
    }  # fmt: skip


def json_record(folder: Path, name: str, value: dict[str, Any]) -> None:
    """Release 2's record(): load the whole state, add one entry, write the whole state."""
    path = folder / ".bulletin-state.json"
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        state = {"version": 1, "outputs": {}}
    state["outputs"][name] = value
    tmp = path.with_suffix(".part")
    tmp.write_text(json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def run(n: int, use_json: bool) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory(prefix="bench-state-") as d:
        folder = Path(d)
        if use_json:
            for i in range(n):
                t = time.perf_counter()
                json_record(folder, f"b{i}.mp3", entry(i))
                times.append(time.perf_counter() - t)
            return times
        with StateStore(folder) as store:
            for i in range(n):
                t = time.perf_counter()
                store.record(f"b{i}.mp3", entry(i), {"show": "Le journal"})
                times.append(time.perf_counter() - t)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outputs", type=int, default=5000)
    parser.add_argument("--json", action="store_true", help="also run release 2's JSON state")
    args = parser.parse_args()
    for label, use_json in [("sqlite", False), *([("json", True)] if args.json else [])]:
        times = run(args.outputs, use_json)
        size = max(1, args.outputs // 10)
        print(f"{label}: {args.outputs} records, {sum(times):.2f} s in all")
        print("  records        mean ms   median ms   p95 ms")
        for start in range(0, len(times), size):
            bucket = sorted(times[start : start + size])
            p95 = bucket[min(len(bucket) - 1, int(len(bucket) * 0.95))]
            print(f"  {start + 1:>5}-{start + len(bucket):<5}  {statistics.fmean(bucket) * 1000:8.3f}"
                  f"  {statistics.median(bucket) * 1000:10.3f}  {p95 * 1000:7.3f}")  # fmt: skip
        first, last = times[:size], times[-size:]
        print(f"  last bucket / first bucket (mean): {statistics.fmean(last) / statistics.fmean(first):.2f}")


if __name__ == "__main__":
    main()
