from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# No test may reach the internet: `--engine auto`'s quick check and any gTTS request go to a
# closed local port unless a test points them at its own server. Clips are cached per run.
os.environ["BULLETIN_GTTS_ENDPOINT"] = "http://127.0.0.1:9"
for _proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
    os.environ.pop(_proxy, None)
# The user's clip cache, voices and lexicon are never touched or used: private folders for this
# run (a French Piper voice installed on a developer's machine would change what 'auto' picks),
# removed when the run ends.
_PRIVATE = {name: tempfile.mkdtemp(prefix=f"bulletin-test-{name.lower()}-")
            for name in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME")}  # fmt: skip
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
