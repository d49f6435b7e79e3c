"""A DAISY 2.02 talking book: ``ncc.html`` (XHTML 1.0, headings as navigation), SMIL 1.0 files
and the MP3, for players used by blind and low-vision listeners (Victor Reader, Plextalk…).

Navigation points: the title (h1), each sub-heading (h2) and each quote (one level under the
heading it sits in), so a listener can jump story by story and quote by quote.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from .writing import clean_text, replace_folder

if TYPE_CHECKING:
    from ..result import BulletinResult

AUDIO_NAME = "bulletin.mp3"


@dataclass(frozen=True)
class NavPoint:
    level: int
    label: str
    start_ms: int
    end_ms: int
    clips: tuple[tuple[int, int], ...]


def _clock(ms: int) -> str:
    """``hh:mm:ss``, to the nearest second: DAISY 2.02 recommends whole seconds for these metadata."""
    s = (max(0, ms) + 500) // 1000
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{sec:02d}"


def book_date(date: str | None, today: dt.date | None = None) -> str:
    """``dc:date``: a full yyyy-mm-dd. The article's date when it has a day, else the day the
    book is made (a month such as "2019-12" is not a date DAISY players accept)."""
    if date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        return date
    return (today or dt.date.today()).isoformat()


def nav_points(result: BulletinResult) -> list[NavPoint]:
    """The navigation points and their audio clips. Clips are contiguous: each sentence's clip
    runs until the next sentence starts (the first from 0, the last to the end of the file), so
    a player that plays clip after clip also plays every designed pause, intro and outro."""
    placements = result.timeline.placements
    duration = result.timeline.duration_ms
    starts: list[tuple[int, str, int]] = []  # (level, label, start)
    heading_level = 1
    title = next((p for p in placements if p.segment.kind == "title"), None)
    starts.append((1, result.script.title, title.start_ms if title else 0))
    for p in placements:
        if p.segment.kind == "heading":
            heading_level = 2
            starts.append((2, p.segment.text, p.start_ms))
        elif p.segment.kind == "quote":
            label = f"{p.segment.label} : {p.segment.text}"
            starts.append((heading_level + 1, label[:120] + ("…" if len(label) > 120 else ""), p.start_ms))
    starts[0] = (1, starts[0][1], 0)
    sentence_starts = {q.start_ms for p in placements for q in p.parts if q.end_ms > q.start_ms}
    cuts = sorted(c for c in sentence_starts | {start for _, _, start in starts} if 0 <= c < duration)
    points = []
    for i, (level, label, start) in enumerate(starts):
        end = starts[i + 1][2] if i + 1 < len(starts) else duration
        bounds = [c for c in cuts if start <= c < end] + [end]
        clips = tuple((a, b) for a, b in itertools.pairwise(bounds) if b > a)
        points.append(NavPoint(level, label, start, end, clips or ((start, max(end, start + 1)),)))
    return points


def _smil(point: NavPoint, n: int, title: str, elapsed_ms: int) -> str:
    dur_ms = sum(b - a for a, b in point.clips)  # the clips are contiguous: end - start
    dur = dur_ms / 1000
    pars = "\n".join(
        f'   <par endsync="last" id="par_{n}_{k}">\n'
        f'    <text src="ncc.html#nav_{n}" id="txt_{n}_{k}"/>\n'
        f'    <audio src="{AUDIO_NAME}" clip-begin="npt={a / 1000:.3f}s" '
        f'clip-end="npt={b / 1000:.3f}s" id="aud_{n}_{k}"/>\n'
        f"   </par>"
        for k, (a, b) in enumerate(point.clips, 1)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE smil PUBLIC "-//W3C//DTD SMIL 1.0//EN" "http://www.w3.org/TR/REC-smil/SMIL10.dtd">
<smil>
 <head>
  <meta name="dc:format" content="Daisy 2.02"/>
  <meta name="dc:title" content={quoteattr(clean_text(title))}/>
  <meta name="ncc:generator" content="bulletin"/>
  <meta name="ncc:totalElapsedTime" content="{_clock(elapsed_ms)}"/>
  <meta name="ncc:timeInThisSmil" content="{_clock(dur_ms)}"/>
  <layout>
   <region id="txtView"/>
  </layout>
 </head>
 <body>
  <seq dur="{dur:.3f}s">
{pars}
  </seq>
 </body>
</smil>
"""


def _ncc(result: BulletinResult, points: list[NavPoint], files: int) -> str:
    s = result.script
    ident = f"bulletin-{uuid.uuid5(uuid.NAMESPACE_URL, s.title + (s.date or '') + (s.source or ''))}"
    meta = {
        "dc:title": s.title,
        "dc:creator": "bulletin",
        "dc:date": book_date(s.date),
        "dc:format": "Daisy 2.02",
        "dc:identifier": ident,
        "dc:language": "fr",
        "dc:publisher": "bulletin",
        "ncc:charset": "utf-8",
        "ncc:generator": "bulletin",
        "ncc:multimediaType": "audioNcc",
        "ncc:narrator": "synthèse vocale",
        "ncc:setInfo": "1 of 1",
        "ncc:totalTime": _clock(result.timeline.duration_ms),
        "ncc:tocItems": str(len(points)),
        "ncc:depth": str(max(p.level for p in points)),
        "ncc:files": str(files),
        "ncc:pageFront": "0",
        "ncc:pageNormal": "0",
        "ncc:pageSpecial": "0",
        "ncc:maxPageNormal": "0",
    }
    metas = "\n".join(f"  <meta name={quoteattr(k)} content={quoteattr(clean_text(v))} />" for k, v in meta.items())
    items = []
    for i, p in enumerate(points):
        cls = ' class="title"' if i == 0 else ""
        link = f'<a href="s{i + 1:04d}.smil#par_{i + 1}_1">{escape(clean_text(p.label))}</a>'
        items.append(f'  <h{p.level}{cls} id="nav_{i + 1}">{link}</h{p.level}>')
    body = "\n".join(items)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="fr" lang="fr">
 <head>
  <title>{escape(clean_text(s.title))}</title>
  <meta http-equiv="Content-type" content="text/html; charset=utf-8" />
{metas}
 </head>
 <body>
{body}
 </body>
</html>
"""


def write_daisy(result: BulletinResult, target: Path) -> Path:
    points = nav_points(result)

    def build(folder: Path) -> None:
        shutil.copyfile(result.path, folder / AUDIO_NAME)
        elapsed = 0  # the time before each SMIL: the sum of the earlier ones' clips
        for i, p in enumerate(points, 1):
            (folder / f"s{i:04d}.smil").write_text(_smil(p, i, result.script.title, elapsed), encoding="utf-8")
            elapsed += sum(b - a for a, b in p.clips)
        (folder / "ncc.html").write_text(_ncc(result, points, len(points) + 2), encoding="utf-8")

    return replace_folder(target, build)
