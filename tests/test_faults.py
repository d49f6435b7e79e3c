"""Fault injection through the CLI: kill -9 at random moments, two batches at once, a full disk."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bulletin.batch import load_state
from bulletin.cache import ClipCache
from bulletin.ffmpeg import probe

from .conftest import ROOT, SAMPLE, hidden, recorded, run_cli
from .procs import alive, cmdline, descendants, parent_of

# Kill moments are random on every run; the seed is printed in pytest's header and in every
# failure message, and BULLETIN_FAULT_SEED=N replays a run.
SEED = int(os.environ.get("BULLETIN_FAULT_SEED") or random.SystemRandom().randrange(1 << 32))
RANDOM = random.Random(SEED)


def popen(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bulletin", *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_cache_sound(cache: Path) -> int:
    """Every entry on disk passes its checksum (a damaged one would be dropped and re-made)."""
    store = ClipCache(cache)
    entries = list(cache.glob("*/*.clip"))
    for entry in entries:
        assert store.get(entry.stem) is not None, entry
    return len(entries)


def long_article(folder: Path, variant: int) -> Path:
    path = folder / f"long{variant}.txt"
    body = SAMPLE.read_text(encoding="utf-8").split("\n\n", 1)[1]
    path.write_text(f"title: Long {variant}\ndate: 2026-11-27\n\n" + "\n\n".join(
        body.replace("18 mois", f"{18 + i + variant} mois") for i in range(6)), encoding="utf-8")  # fmt: skip
    return path


@pytest.mark.parametrize("attempt", range(4))
def test_kill_9_during_make(tmp_path: Path, attempt: int) -> None:
    out = tmp_path / "out.mp3"
    cache = tmp_path / "cache"
    first = run_cli("make", str(long_article(tmp_path, 0)), "-o", str(out), "--engine", "espeak",
                    "--cache-dir", str(cache), "-q")  # fmt: skip
    assert first.returncode == 0, first.stderr
    previous = sha(out)
    proc = popen("make", str(long_article(tmp_path, 1)), "-o", str(out), "--engine", "espeak",
                 "--cache-dir", str(cache), "-q")  # fmt: skip
    moment = RANDOM.uniform(0.2, 3.0)
    time.sleep(moment)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    why = f"killed after {moment:.2f} s (BULLETIN_FAULT_SEED={SEED})"
    assert out.exists(), why
    now = sha(out)
    if now != previous:  # the run had finished: then the new file is whole
        assert probe(out).duration_ms, why
    assert_cache_sound(cache)
    again = run_cli("make", str(long_article(tmp_path, 1)), "-o", str(out), "--engine", "espeak",
                    "--cache-dir", str(cache), "-q")  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert (probe(out).duration_ms or 0) > 60_000


def corpus(folder: Path, n: int) -> Path:
    folder.mkdir()
    body = SAMPLE.read_text(encoding="utf-8").split("\n\n", 1)[1]
    for i in range(n):
        (folder / f"a{i}.txt").write_text(f"title: Article {i}\ndate: 2026-11-{i + 1:02d}\n\n{i} : {body}", "utf-8")
    return folder


def check_batch_folder(out: Path, n: int) -> None:
    outputs = recorded(out)
    assert len(outputs) == n
    for name, entry in outputs.items():
        assert sha(out / name) == entry["files"][name]["sha256"]
        assert (probe(out / name).duration_ms or 0) > 10_000


@pytest.mark.parametrize("attempt", range(2))
def test_kill_9_during_batch(tmp_path: Path, attempt: int) -> None:
    src, out, cache = corpus(tmp_path / "in", 5), tmp_path / "out", tmp_path / "cache"
    out.mkdir()
    args = ("batch", str(src), "-o", str(out), "--engine", "espeak", "--cache-dir", str(cache), "-q", "-w", "2")
    proc = popen(*args)
    moment = RANDOM.uniform(0.5, 4.0)
    why = f"killed after {moment:.2f} s (BULLETIN_FAULT_SEED={SEED})"
    time.sleep(moment)
    below = descendants(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # Workers notice their coordinator is gone, stop their job and exit: none outlives it.
    deadline = time.monotonic() + 5
    while alive(below) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(below), f"workers {alive(below)} outlived the coordinator; {why}"
    load_state(out)  # never half-written: a damaged state raises (OutputError), it never reads as empty
    assert not [p for p in out.glob("*.mp3") if not probe(p).duration_ms], why
    assert not hidden(out), why
    assert_cache_sound(cache)
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    check_batch_folder(out, 5)


def test_two_batches_at_once(tmp_path: Path) -> None:
    src, out, cache = corpus(tmp_path / "in", 4), tmp_path / "out", tmp_path / "cache"
    out.mkdir()
    args = ("batch", str(src), "-o", str(out), "--engine", "espeak", "--cache-dir", str(cache), "-q", "-w", "1")
    a, b = popen(*args), popen(*args)
    assert a.wait(timeout=300) == 0 and b.wait(timeout=300) == 0
    check_batch_folder(out, 4)
    assert not hidden(out)


@pytest.fixture
def tiny_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    mnt = tmp_path / "disk"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=False)


def test_full_disk_clear_error_no_corrupt_file(tiny_disk: Path, tmp_path: Path) -> None:
    out = tiny_disk / "out.mp3"
    r = run_cli("make", str(SAMPLE), "-o", str(out), "--engine", "espeak", "--cache-dir", str(tmp_path / "c"))
    assert r.returncode == 1
    assert len(r.stderr.strip().splitlines()) == 1 and "No space left on device" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert list(tiny_disk.iterdir()) == []


def test_a_worker_killed_mid_batch_costs_a_retry_not_the_batch(tmp_path: Path) -> None:
    """A worker process that dies (out of memory, kill -9) breaks Python's process pool and every
    job it held; those jobs are made again in a fresh pool and the batch ends whole."""
    src, out, cache = corpus(tmp_path / "in", 5), tmp_path / "out", tmp_path / "cache"
    args = ("batch", str(src), "-o", str(out), "--engine", "espeak", "--cache-dir", str(cache), "-q", "-w", "2")
    proc = popen(*args)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while time.monotonic() < deadline and len(workers) < 2:
        # the pool's workers are the forkserver's children (their own children are ffmpeg)
        servers = [p for p in descendants(proc.pid) if b"forkserver" in cmdline(p)]
        workers = {p for s in servers for p in descendants(s) if parent_of(p) == s}
        time.sleep(0.05)
    moment = RANDOM.uniform(0.2, 1.5)
    time.sleep(moment)
    victim = min(alive(workers))
    os.kill(victim, signal.SIGKILL)
    err = proc.communicate(timeout=300)[1].decode()
    assert proc.returncode == 0, f"{err} (worker killed after {moment:.2f} s, BULLETIN_FAULT_SEED={SEED})"
    check_batch_folder(out, 5)
    assert not hidden(out)

