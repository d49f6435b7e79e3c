"""The word lists under ``data/``: read once, on first use.

Every list is plain UTF-8 text: one entry a line, ``#`` starts a comment, ``[name]`` starts a
section. Lists live in files (not in code) so that a linguist can correct one without reading
Python, and so that each list's header can say where it comes from.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")


@cache
def sections(name: str) -> dict[str, tuple[str, ...]]:
    """``data/<name>`` as section → entries (entries before any header go in section ``""``)."""
    out: dict[str, list[str]] = {"": []}
    current = ""
    for raw in (DATA / name).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            out.setdefault(current, [])
            continue
        out[current].append(line)
    return {k: tuple(v) for k, v in out.items()}


def entries(name: str, section: str = "") -> tuple[str, ...]:
    """One section of ``data/<name>`` (the whole file when it has no sections)."""
    return sections(name).get(section, ())


def table(name: str, section: str = "") -> tuple[tuple[str, ...], ...]:
    """Entries split on tabs: ``pattern<TAB>spoken`` and the like."""
    return tuple(tuple(cell.strip() for cell in line.split("\t")) for line in entries(name, section))
