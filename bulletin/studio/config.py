"""What a studio is started with: the settings every run starts from, its folders and its guard."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from ..errors import OptionError
from ..settings import Settings

MAX_UPLOAD = 5 * 1024 * 1024
"""Largest article a page may upload or paste, in bytes."""
MAX_BODY = 20 * 1024 * 1024
"""Largest request body (a script to render is larger than its article)."""
MAX_SEGMENTS = 2000
"""Most segments a script made in the studio may have: a page of 100,000 rows helps nobody
(an hour-long bulletin has about 600)."""
PREVIEW_SECONDS = 120.0
"""Longest preview, in seconds of speech (estimated before anything is synthesised)."""
JOB_TTL = 3600.0
"""Seconds a finished render's state is kept for the page to read."""
LOOPBACK_NAMES = ("localhost",)


@dataclass(frozen=True)
class StudioConfig:
    """A studio's fixed inputs."""

    settings: Settings
    """The settings every request starts from (the page chooses locale, preset and outputs)."""
    out_dir: Path
    """Where rendered bulletins go."""
    folder: Path | None = None
    """A batch folder whose bulletins and feed the page lists (``--folder``)."""
    token: str | None = None
    """When set, every call needs it (``Authorization: Bearer …`` or ``?token=…``)."""
    host: str = "127.0.0.1"
    port: int = 8765
    max_upload: int = MAX_UPLOAD
    max_segments: int = MAX_SEGMENTS
    preview_seconds: float = PREVIEW_SECONDS
    job_ttl: float = JOB_TTL

    def check(self) -> StudioConfig:
        """Refuse a host other machines can reach unless a token guards it."""
        if self.token is not None and len(self.token) < 8:
            raise OptionError("--token must be at least 8 characters long")
        if not is_loopback(self.host) and not self.token:
            raise OptionError(
                f"--host {self.host} can be reached from other machines: give --token TOKEN too "
                "(every call will need it), or keep the default --host 127.0.0.1"
            )
        if self.max_segments < 1:
            raise OptionError("--max-segments must be at least 1")
        if self.preview_seconds <= 0:
            raise OptionError("--preview-limit must be a positive number of seconds")
        if self.folder is not None and not self.folder.is_dir():
            raise OptionError(f"--folder {self.folder}: no such folder")
        return self

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or ``localhost``; any other name or address is reachable from elsewhere
    (a name is not resolved: it could point anywhere tomorrow)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
