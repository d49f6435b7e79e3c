"""Stopping cleanly (issue 16): Ctrl-C and SIGTERM on make and batch, through the real CLI."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bulletin.ffmpeg import probe

from .conftest import ROOT, SAMPLE, hidden, recorded, run_cli
from .procs import alive, descendants
from .test_faults import RANDOM, SEED


def long_article(path: Path, repeat: int = 8) -> Path:
    body = SAMPLE.read_text(encoding="utf-8").split("\n\n", 1)[1]
    path.write_text("title: Long\ndate: 2026-11-27\n\n" + "\n\n".join(
        body.replace("18 mois", f"{18 + i} mois") for i in range(repeat)), encoding="utf-8")  # fmt: skip
    return path


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bulletin", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The long article and the duration of its complete bulletin."""
    folder = tmp_path_factory.mktemp("ref")
    article = long_article(folder / "long.txt")
    r = run_cli("make", str(article), "-o", str(folder / "ref.mp3"), "--engine", "espeak", "--no-cache", "-q")
    assert r.returncode == 0, r.stderr
    return article, int(probe(folder / "ref.mp3").duration_ms or 0)


@pytest.mark.parametrize("attempt", range(6))
def test_sigint_during_offline_make_never_leaves_a_short_bulletin(
    tmp_path: Path, reference: tuple[Path, int], attempt: int
) -> None:
    """Issue 16 problem 1: an interrupt swallowed inside espeak-ng gave exit 0 and a short file.
    Either the run stops (130, nothing at the output path) or it had finished (0, whole file)."""
    article, full_ms = reference
    out = tmp_path / "x.mp3"
    cache = tmp_path / "cache"
    proc = start("make", str(article), "-o", str(out), "--engine", "espeak", "--cache-dir", str(cache), "-q")
    moment = RANDOM.uniform(0.6, 3.0)
    time.sleep(moment)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    why = f"SIGINT after {moment:.2f} s (BULLETIN_FAULT_SEED={SEED}): {err}"
    assert "Exception ignored" not in err and "Traceback" not in err, why
    if proc.returncode == 130:
        assert not out.exists() and "interrupted" in err, why
    else:
        assert proc.returncode == 0 and abs((probe(out).duration_ms or 0) - full_ms) < 100, why
    assert not hidden(tmp_path), why
    # No interrupted clip was cached: a cached re-run gives the whole bulletin.
    r = run_cli("make", str(article), "-o", str(out), "--engine", "espeak", "--cache-dir", str(cache), "-q")
    assert r.returncode == 0 and abs((probe(out).duration_ms or 0) - full_ms) < 100, why


def batch_inputs(folder: Path, n: int) -> Path:
    folder.mkdir()
    body = SAMPLE.read_text(encoding="utf-8").split("\n\n", 1)[1]
    for i in range(n):
        (folder / f"a{i}.txt").write_text(f"title: Dépêche {i}\ndate: 2026-11-{i + 1:02d}\n\nDépêche {i}. {body}\n\n"
                                          f"{body.replace('18 mois', f'{20 + i} mois')}", "utf-8")  # fmt: skip
    return folder


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_batch_stops_within_seconds_and_keeps_what_finished(tmp_path: Path, sig: signal.Signals) -> None:
    """Issue 16 problems 2 and 3: batch went on for a minute, said nothing was written and
    recorded nothing; its workers outlived it."""
    src, out = batch_inputs(tmp_path / "in", 8), tmp_path / "out"
    args = ("batch", str(src), "-o", str(out), "--engine", "espeak", "--cache-dir", str(tmp_path / "c"), "-w", "2")
    proc = start(*args)
    deadline = time.monotonic() + 120
    while not recorded(out) and time.monotonic() < deadline:
        time.sleep(0.05)  # at least one bulletin made and recorded, others under way
    assert recorded(out), "no bulletin was made in two minutes"
    time.sleep(RANDOM.uniform(0.0, 1.5))
    below = descendants(proc.pid)
    t0 = time.monotonic()
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=30)
    stopped_after = time.monotonic() - t0
    assert stopped_after < 4.0, f"took {stopped_after:.1f} s to stop"
    assert proc.returncode == 130 and "Traceback" not in stderr, stderr
    assert "interrupted:" in stderr and "not made" in stderr
    time.sleep(0.5)
    assert not alive(below), "a worker outlived the batch"
    made = [Path(line.split(maxsplit=1)[1]) for line in stdout.splitlines() if line.startswith("made ")]
    unrecorded = [Path(line.split()[1].rstrip(":")) for line in stderr.splitlines() if "not recorded" in line]
    on_disk = sorted(out.glob("*.mp3"))
    assert sorted(made + unrecorded) == on_disk, stdout + stderr  # exactly what was written is listed
    assert len(unrecorded) <= 2  # at most one per worker can be caught after its MP3 was renamed
    for mp3 in on_disk:
        assert (probe(mp3).duration_ms or 0) > 10_000
    assert sorted(recorded(out)) == sorted(p.name for p in made)
    assert not hidden(out)
    again = run_cli(*args, "-q", timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"{8 - len(made)} made, {len(made)} unchanged, 0 failed" in again.stdout, again.stdout
