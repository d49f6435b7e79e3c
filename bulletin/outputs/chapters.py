"""Podcasting 2.0 chapters JSON (``application/json+chapters``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from .writing import write_text

if TYPE_CHECKING:
    from ..result import BulletinResult


def chapters_document(result: BulletinResult) -> dict[str, object]:
    marks = result.timeline.chapters(result.script.title)
    return {
        "version": "1.2.0",
        "title": result.script.title,
        "chapters": [
            {"startTime": round(c.start_ms / 1000, 3), "endTime": round(c.end_ms / 1000, 3), "title": c.title}
            for c in marks
        ],
    }


def write_chapters_json(result: BulletinResult, path: Path) -> Path:
    return write_text(path, json.dumps(chapters_document(result), ensure_ascii=False, indent=1))
