"""A real ``bulletin studio`` process for the studio tests: started on a free port of 127.0.0.1
with the offline engine, private folders (clip cache, output, user lexicon), and always stopped."""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass(frozen=True)
class Running:
    url: str
    """The address the studio printed (``http://127.0.0.1:PORT/``, token included if any)."""
    base: str
    """The same without the token."""
    root: Path
    """Its private folder: ``out/`` (renders), ``config/`` (the user lexicon), ``cache/``."""
    process: subprocess.Popen[str]

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=60, trust_env=False)

    def wait_for_job(self, client: httpx.Client, job: str, timeout: float = 120) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state: dict[str, object] = client.get(f"/api/jobs/{job}").json()
            if state["state"] not in ("queued", "running"):
                return state
            time.sleep(0.3)
        raise AssertionError(f"render {job} still running after {timeout} s")


def studio_command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "bulletin", "studio", "--port", "0", "--engine", "espeak",
            "--cache-dir", str(root / "cache"), "--out", str(root / "out"), *args]  # fmt: skip


def studio_env(root: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "BULLETIN_STUDIO_TOKEN"}
    if extra:  # a local server stands for a remote one: no proxy between them
        env.update(extra)
        for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env.pop(k, None)
    env["XDG_CONFIG_HOME"] = str(root / "config")  # the lexicon the page adds to is this test's own
    return env


@contextlib.contextmanager
def running_studio(
    root: Path, *args: str, startup: float = 60, env: dict[str, str] | None = None, engine: str = "espeak"
) -> Iterator[Running]:
    root.mkdir(parents=True, exist_ok=True)
    command = studio_command(root, *args)
    command[command.index("--engine") + 1] = engine
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=studio_env(root, env), cwd=root)  # fmt: skip
    try:
        assert process.stdout is not None and process.stderr is not None
        ready, _, _ = select.select([process.stdout], [], [], startup)
        line = process.stdout.readline() if ready else ""
        if not line.startswith("bulletin studio: http://"):
            process.kill()
            raise AssertionError(f"the studio did not start: {line!r} {process.stderr.read()}")
        url = line.split()[-1]
        yield Running(url, url.split("?")[0].rstrip("/"), root, process)
    finally:
        stop(process)


def stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM (the studio stops gracefully), then SIGKILL if it does not; pipes closed."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()
