"""The style promises (ruff and mypy clean) are checked with the tests, so CI keeps them."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT


@pytest.mark.parametrize(
    "cmd",
    [[sys.executable, "-m", "ruff", "check", "."], [sys.executable, "-m", "mypy", "bulletin"]],
    ids=["ruff", "mypy"],
)
def test_clean(cmd: list[str]) -> None:
    tool = cmd[2]
    if (
        shutil.which(tool) is None
        and subprocess.run([sys.executable, "-m", tool, "--version"], capture_output=True).returncode != 0
    ):
        pytest.skip(f"{tool} is not installed (pip install -e '.[test]')")
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
