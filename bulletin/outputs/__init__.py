"""Everything written from the one timeline: ID3 tags, captions, chapters JSON, manifest, DAISY
book and a numbered folder. Sidecars sit beside the MP3 and share its stem."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import OptionError

if TYPE_CHECKING:
    from ..result import BulletinResult

KNOWN = ("mp3", "vtt", "srt", "chapters", "json", "daisy", "folder")


def parse_outputs(spec: str) -> tuple[str, ...]:
    """``"mp3,vtt,chapters"`` → a checked tuple; ``all`` means every output."""
    items = [s.strip().lower() for s in spec.split(",") if s.strip()]
    if items == ["all"]:
        return KNOWN
    unknown = [s for s in items if s not in KNOWN]
    if unknown:
        raise OptionError(f"unknown output {unknown[0]!r}; choose from {', '.join(KNOWN)} (or all)")
    return tuple(dict.fromkeys(items))


def write_sidecars(result: BulletinResult, wanted: tuple[str, ...]) -> dict[str, Path]:
    """Write each wanted sidecar atomically; returns output name → path (the MP3 included)."""
    from . import captions, chapters, daisy, folder, manifest

    written: dict[str, Path] = {"mp3": result.path}
    stem = result.path.with_suffix("")

    def beside(suffix: str) -> Path:  # not with_suffix: "journal.v2" must keep its ".v2"
        return stem.parent / f"{stem.name}{suffix}"

    if "vtt" in wanted:
        written["vtt"] = captions.write_vtt(result, beside(".vtt"))
    if "srt" in wanted:
        written["srt"] = captions.write_srt(result, beside(".srt"))
    if "chapters" in wanted:
        written["chapters"] = chapters.write_chapters_json(result, beside(".chapters.json"))
    if "json" in wanted:
        written["json"] = manifest.write_manifest(result, beside(".json"))
    if "daisy" in wanted:
        written["daisy"] = daisy.write_daisy(result, beside(".daisy"))
    if "folder" in wanted:
        written["folder"] = folder.write_folder(result, beside(".parts"))
    return written
