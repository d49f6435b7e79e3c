"""ID3v2.4 tags with mutagen: metadata, the full transcript (USLT) and chapters (CTOC + CHAP).

mutagen sorts frames by size when it saves, so CHAP frames would come out of time order
(mutagen issue #506) and ``ffmpeg -i`` lists chapters in file order. :class:`_TimeOrderedID3`
writes the CTOC and then the CHAPs by start time, after mutagen's usual frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TLAN,
    TPE1,
    TSSE,
    TXXX,
    USLT,
    CTOCFlags,
    Frame,
    PictureType,
)
from mutagen.id3._tags import save_frame

from ..errors import OutputError
from ..timeline import ChapterMark


class _TimeOrderedID3(ID3):
    """An ID3 tag whose CTOC and CHAP frames are written last, chapters in time order."""

    def _write(self, config: Any) -> bytes:
        chapters = sorted(self.getall("CHAP"), key=lambda f: (f.start_time, f.element_id))
        tocs = self.getall("CTOC")
        for frame in chapters + tocs:
            del self[frame.HashKey]
        try:
            head = super()._write(config)
        finally:
            for frame in tocs + chapters:
                self.add(frame)
        return bytes(head) + b"".join(save_frame(f, config=config) for f in tocs + chapters)


@dataclass(frozen=True)
class TagInfo:
    """What goes into the tag besides chapters."""

    title: str
    artist: str
    album: str
    date: str | None
    genre: str
    comment: str
    transcript: str
    engine: str
    voices: str
    language: str = "fra"
    cover: tuple[bytes, str] | None = None
    """Image bytes and MIME type, embedded as the front cover (APIC)."""


MAX_CHAPTERS = 255  # a CTOC counts its children in one byte


def fit_chapters(chapters: Sequence[ChapterMark]) -> list[ChapterMark]:
    """At most 255 chapters: beyond that, keep evenly spaced ones, each running to the next kept
    start, so the whole bulletin is still covered in order."""
    if len(chapters) <= MAX_CHAPTERS:
        return list(chapters)
    step = -(-len(chapters) // MAX_CHAPTERS)
    kept = list(chapters[::step])
    return [
        ChapterMark(c.title, c.start_ms, kept[i + 1].start_ms if i + 1 < len(kept) else chapters[-1].end_ms)
        for i, c in enumerate(kept)
    ]


def write_tags(path: Path, info: TagInfo, chapters: Sequence[ChapterMark]) -> None:
    """Write an ID3v2.4 tag to an existing MP3 file."""
    chapters = fit_chapters(chapters)
    tag = _TimeOrderedID3()
    tag.add(TIT2(encoding=3, text=info.title))
    tag.add(TPE1(encoding=3, text=info.artist))
    tag.add(TALB(encoding=3, text=info.album))
    if info.date:
        tag.add(TDRC(encoding=3, text=info.date))
    tag.add(TLAN(encoding=3, text=info.language))
    tag.add(TCON(encoding=3, text=info.genre))
    tag.add(COMM(encoding=3, lang=info.language, desc="", text=info.comment))
    tag.add(USLT(encoding=3, lang=info.language, desc="transcript", text=info.transcript))
    tag.add(TXXX(encoding=3, desc="engine", text=info.engine))
    tag.add(TXXX(encoding=3, desc="voices", text=info.voices))
    tag.add(TSSE(encoding=3, text="bulletin"))
    if info.cover is not None:
        tag.add(APIC(encoding=3, mime=info.cover[1], type=PictureType.COVER_FRONT, desc="cover", data=info.cover[0]))
    ids = [f"chp{i:03d}" for i in range(len(chapters))]
    if chapters:
        tag.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text="Sommaire")],
            )
        )
    for cid, ch in zip(ids, chapters, strict=True):
        sub: list[Frame] = [TIT2(encoding=3, text=ch.title)]
        tag.add(
            CHAP(
                element_id=cid,
                start_time=int(ch.start_ms),
                end_time=int(ch.end_ms),
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=sub,
            )
        )
    save_tag(tag, path)


def save_tag(tag: ID3, path: Path) -> None:
    """Save an ID3 tag; a failure is an :class:`OutputError`. mutagen wraps the OSError of a
    full or read-only disk in its own MutagenError, which is not an OSError."""
    try:
        tag.save(str(path), v2_version=4)
    except (OSError, MutagenError) as exc:
        cause = exc.args[0] if isinstance(exc, MutagenError) and exc.args else exc
        reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else cause
        raise OutputError(f"cannot write tags to {path}: {reason}") from exc
