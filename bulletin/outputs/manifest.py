"""A JSON manifest of the timeline: every segment and sentence with its times, voice and words."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from .writing import write_text

if TYPE_CHECKING:
    from ..result import BulletinResult


def manifest_document(result: BulletinResult) -> dict[str, object]:
    s = result.script
    return {
        "title": s.title,
        "date": s.date,
        "source": s.source,
        "locale": s.locale,
        "engine": result.engine,
        "audio": result.path.name,
        "duration_ms": result.timeline.duration_ms,
        "segments": [
            {
                "start_ms": p.start_ms,
                "end_ms": p.end_ms,
                "kind": p.segment.kind,
                "speaker": p.segment.speaker,
                "voice": p.segment.voice,
                "text": p.segment.text,
                "spoken": p.segment.spoken,
                "sentences": [
                    {"start_ms": q.start_ms, "end_ms": q.end_ms, "text": q.text, "spoken": q.spoken} for q in p.parts
                ],
            }
            for p in result.timeline.placements
        ],
    }


def write_manifest(result: BulletinResult, path: Path) -> Path:
    return write_text(path, json.dumps(manifest_document(result), ensure_ascii=False, indent=1))
