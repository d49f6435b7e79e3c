from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# No test may reach the internet: `--engine auto`'s quick check and any gTTS request go to a
# closed local port unless a test points them at its own server. Clips are cached per run.
os.environ["BULLETIN_GTTS_ENDPOINT"] = "http://127.0.0.1:9"
os.environ["BULLETIN_EDGE_ENDPOINT"] = "http://127.0.0.1:9"  # 'bulletin voices' lists the edge engine too
for _proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
    os.environ.pop(_proxy, None)
# The user's clip cache, voices and lexicon are never touched or used: private folders for this
# run (a French Piper voice installed on a developer's machine would change what 'auto' picks),
# removed when the run ends. Made in the pytest process's own hook, not when this module is
# imported: worker processes (a batch's, a Dask worker) that unpickle a test's function import
# it too, and made folders there that nothing removed.
_PRIVATE: dict[str, str] = {}


def pytest_configure() -> None:
    if not _PRIVATE:
        _PRIVATE.update({name: tempfile.mkdtemp(prefix=f"bulletin-test-{name.lower()}-")
                         for name in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME")})  # fmt: skip
        os.environ.update(_PRIVATE)


def pytest_sessionfinish() -> None:
    for folder in _PRIVATE.values():
        shutil.rmtree(folder, ignore_errors=True)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "corpus" / "seed" / "000_75bfcc3184c6624c.txt"
SAMPLE = ROOT / "bulletin" / "samples" / "exemple.txt"


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BULLETIN_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "bulletin", *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, env=env
    )


@pytest.fixture
def seed_path() -> Path:
    if not SEED.exists():
        pytest.skip("../shared/corpus is not beside the repository")
    return SEED


def pytest_report_header() -> str:
    from .test_faults import SEED

    return f"fault injection: BULLETIN_FAULT_SEED={SEED}"


def speech_onsets(mp3: Path, rate: int = 8000) -> list[float]:
    """Times (ms) where sound starts after at least 120 ms of silence, in a decoded MP3: what
    every caption, chapter and DAISY time is checked against."""
    import audioop

    from bulletin.ffmpeg import decode_to_pcm

    pcm = decode_to_pcm(mp3, rate)
    win = rate // 100 * 2  # 10 ms of 16-bit samples
    loud = [audioop.rms(pcm[i : i + win], 2) > 150 for i in range(0, len(pcm) - win, win)]
    found, quiet = [], 12
    for i, on in enumerate(loud):
        if on and quiet >= 12:
            found.append(i * 10.0)
        quiet = 0 if on else quiet + 1
    return found


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    """A folder served over HTTP on 127.0.0.1 (a free port) for as long as the block runs."""
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# What a batch keeps in its folder on purpose: its state (JSON or SQLite with its WAL files and
# backups), its lock, the shared rate limiter and the per-output locks.
_BATCH_FILES = (".bulletin-state", ".bulletin.lock", ".bulletin-rate", ".bulletin-jobs")


def hidden(folder: Path) -> list[str]:
    """Hidden entries of a folder that a finished or interrupted run must not leave beside its
    outputs: temporaries (``.part``, ``.pcm``) and scratch folders (``.bulletin-scratch-*``)."""
    names = (p.name for p in Path(folder).iterdir())
    return sorted(n for n in names if n.startswith(".") and not n.startswith(_BATCH_FILES))


def recorded(folder: Path) -> dict[str, dict[str, object]]:
    """What a batch has recorded in its state so far (the SQLite store, read while it may be
    written: WAL lets a reader in); nothing while there is no state yet."""
    from bulletin.batch import load_state
    from bulletin.errors import OutputError

    try:
        outputs: dict[str, dict[str, object]] = load_state(Path(folder))["outputs"]
    except OutputError:
        return {}
    return outputs
