"""A numbered folder (001_…mp3, 002_…mp3): one file per chapter, for players that only walk
through files. Cut from the bulletin without re-encoding, each with its own title tag."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mutagen.id3 import ID3, TALB, TIT2, TRCK

from ..article import slugify
from ..errors import AudioError
from ..ffmpeg import ffmpeg_exe, run_ffmpeg
from .id3 import save_tag
from .writing import replace_folder

if TYPE_CHECKING:
    from ..result import BulletinResult


def write_folder(result: BulletinResult, target: Path) -> Path:
    marks = result.timeline.chapters(result.script.title)

    def build(folder: Path) -> None:
        for i, ch in enumerate(marks, 1):
            out = folder / f"{i:03d}_{slugify(ch.title, 40)}.mp3"
            # -ss before -i seeks in the input (a jump), rather than decoding from the start to the
            # chapter: a long edition's folder is then linear in its length, not quadratic.
            cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
                   "-ss", f"{ch.start_ms / 1000:.3f}", "-i", str(result.path),
                   "-t", f"{(ch.end_ms - ch.start_ms) / 1000:.3f}", "-map", "0:a",
                   "-c:a", "copy", "-map_metadata", "-1", "-y", str(out)]  # fmt: skip
            proc = run_ffmpeg(cmd)
            if proc.returncode != 0:
                raise AudioError(f"ffmpeg could not cut chapter {i}: {proc.stderr.decode(errors='replace')[-200:]}")
            tag = ID3()
            tag.add(TIT2(encoding=3, text=ch.title))
            tag.add(TALB(encoding=3, text=result.script.title))
            tag.add(TRCK(encoding=3, text=f"{i}/{len(marks)}"))
            save_tag(tag, out)

    return replace_folder(target, build)
