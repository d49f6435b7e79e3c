#!/usr/bin/env python3
"""Interrupt experiments (issue 16): timed SIGINTs on ``bulletin make`` and SIGINT/SIGTERM on a
batch, with what each left behind. Not a test: it takes minutes and prints a table.

    python scripts/interrupt_trials.py [--make 40] [--batch 8] [--seed N]

For ``make``: each trial sends SIGINT after a random 0.9-4 s to ``make long.txt --no-cache`` and
records the exit code, whether the output exists, its duration against a complete run, and
whether stderr holds a traceback or a swallowed-interrupt message. For ``batch``: SIGINT and
SIGTERM on a batch of N articles once the first is recorded; time to stop, what the summary
listed, what is on disk and in the state file, and whether any worker outlived it.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "bulletin" / "samples" / "exemple.txt"
sys.path.insert(0, str(ROOT))

from bulletin.ffmpeg import probe  # noqa: E402
from tests.procs import alive, descendants  # noqa: E402


def bulletin(*args: str, **kw: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bulletin", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)  # type: ignore[call-overload]  # fmt: skip


def long_article(path: Path, repeat: int = 20) -> Path:
    body = SAMPLE.read_text(encoding="utf-8").split("\n\n", 1)[1]
    path.write_text("title: Long\ndate: 2026-11-27\n\n" + "\n\n".join(
        body.replace("18 mois", f"{18 + i} mois") for i in range(repeat)), encoding="utf-8")  # fmt: skip
    return path


def make_trials(n: int, rng: random.Random, work: Path) -> None:
    article = long_article(work / "long.txt")
    ref = work / "ref.mp3"
    bulletin("make", str(article), "-o", str(ref), "--engine", "espeak", "--no-cache", "-q").communicate()
    full = probe(ref).duration_ms or 0
    print(f"make: complete bulletin {full / 1000:.1f} s")
    outcomes: dict[str, int] = {}
    for i in range(n):
        out = work / f"x{i}.mp3"
        proc = bulletin("make", str(article), "-o", str(out), "--engine", "espeak", "--no-cache", "-q")
        moment = rng.uniform(0.9, 4.0)
        time.sleep(moment)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate()
        bad = "Traceback" in err or "Exception ignored" in err
        if proc.returncode == 130 and not out.exists():
            kind = "stopped, nothing written"
        elif proc.returncode == 0 and abs((probe(out).duration_ms or 0) - full) < 100:
            kind = "had finished, whole bulletin"
        else:
            kind = f"WRONG: exit {proc.returncode}, output {'present' if out.exists() else 'absent'}"
        if bad:
            kind += " + traceback"
        outcomes[kind] = outcomes.get(kind, 0) + 1
        print(f"  {i + 1:2d}. SIGINT at {moment:.2f} s: {kind}")
    print("make:", ", ".join(f"{v} × {k}" for k, v in outcomes.items()))


def batch_trial(sig: signal.Signals, n: int, work: Path) -> None:
    src, out = work / f"in-{sig.name}", work / f"out-{sig.name}"
    src.mkdir()
    body = SAMPLE.read_text(encoding="utf-8").split("\n\n", 1)[1]
    for i in range(n):
        (src / f"a{i}.txt").write_text(f"title: Dépêche {i}\ndate: 2026-11-{i + 1:02d}\n\n{body}\n\n{body}", "utf-8")
    proc = bulletin("batch", str(src), "-o", str(out), "--engine", "espeak", "--cache-dir", str(work / "c"), "-w", "2")
    while not (out / ".bulletin-state.json").exists():
        time.sleep(0.05)
    below = descendants(proc.pid)
    t0 = time.monotonic()
    proc.send_signal(sig)
    stdout, stderr = proc.communicate()
    took = time.monotonic() - t0
    time.sleep(0.5)
    listed = [line for line in stdout.splitlines() if line.startswith("made ")]
    state = json.loads((out / ".bulletin-state.json").read_text(encoding="utf-8"))["outputs"]
    on_disk = sorted(p.name for p in out.glob("*.mp3"))
    print(f"batch {sig.name}: stopped in {took:.2f} s, exit {proc.returncode}; summary lists {len(listed)} made; "
          f"{len(on_disk)} MP3 on disk, {len(state)} in the state file; workers left: {len(alive(below))}; "
          f"last line: {stderr.strip().splitlines()[-2] if len(stderr.strip().splitlines()) > 1 else stderr.strip()}")
    again = subprocess.run([sys.executable, "-m", "bulletin", "batch", str(src), "-o", str(out), "--engine", "espeak",
                            "--cache-dir", str(work / "c"), "-q"], capture_output=True, text=True,
                           cwd=ROOT)  # fmt: skip
    print(f"  next run: {again.stdout.strip().splitlines()[-1]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--make", type=int, default=40, help="timed SIGINTs on make")
    ap.add_argument("--batch", type=int, default=8, help="articles in the batch trials")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    print(f"seed {seed}")
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        if args.make:
            make_trials(args.make, random.Random(seed), work)
        if args.batch:
            for sig in (signal.SIGINT, signal.SIGTERM):
                batch_trial(sig, args.batch, work)


if __name__ == "__main__":
    main()
