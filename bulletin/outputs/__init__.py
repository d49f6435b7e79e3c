"""Everything written from the one timeline: ID3 tags, captions, chapters JSON, manifest, DAISY
book and a numbered folder. Sidecars sit beside the MP3 and share its stem."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..pipeline import BulletinResult

KNOWN = ("mp3", "vtt", "srt", "chapters", "json", "daisy", "folder")


def parse_outputs(spec: str) -> tuple[str, ...]:
    """``"mp3,vtt,chapters"`` → a checked tuple; ``all`` means every output."""
    items = [s.strip().lower() for s in spec.split(",") if s.strip()]
    if items == ["all"]:
        return KNOWN
    unknown = [s for s in items if s not in KNOWN]
    if unknown:
        raise ConfigError(f"unknown output {unknown[0]!r}; choose from {', '.join(KNOWN)} (or all)")
    return tuple(dict.fromkeys(items))


def write_sidecars(result: BulletinResult, wanted: tuple[str, ...]) -> dict[str, str]:
    """Write each wanted sidecar atomically; returns output name → path."""
    from . import captions, chapters, daisy, folder, manifest

    written: dict[str, str] = {"mp3": str(result.path)}
    stem = result.path.with_suffix("")
    if "vtt" in wanted:
        written["vtt"] = str(captions.write_vtt(result, stem.with_suffix(".vtt")))
    if "srt" in wanted:
        written["srt"] = str(captions.write_srt(result, stem.with_suffix(".srt")))
    if "chapters" in wanted:
        written["chapters"] = str(chapters.write_chapters_json(result, stem.with_suffix(".chapters.json")))
    if "json" in wanted:
        written["json"] = str(manifest.write_manifest(result, stem.with_suffix(".json")))
    if "daisy" in wanted:
        written["daisy"] = str(daisy.write_daisy(result, stem.parent / f"{stem.name}.daisy"))
    if "folder" in wanted:
        written["folder"] = str(folder.write_folder(result, stem.parent / f"{stem.name}.parts"))
    return written
