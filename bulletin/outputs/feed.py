"""The podcast feed: RSS 2.0 with iTunes and Podcasting 2.0 tags, built with feedgen.

feedgen covers RSS and iTunes; the Podcasting 2.0 ``podcast:transcript`` and ``podcast:chapters``
elements are added through feedgen's extension mechanism, so everything is built as XML
elements (escaped by lxml), never pasted as strings.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any
from urllib.parse import quote, urljoin

from ..errors import OutputError
from .writing import clean_text

PODCAST_NS = "https://podcastindex.org/namespace/1.0"


class _PodcastIndexFeed:
    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, rss: Any) -> Any:
        return rss

    def extend_atom(self, atom: Any) -> Any:
        return atom


class _PodcastIndexEntry:
    def __init__(self) -> None:
        self.links: list[tuple[str, dict[str, str]]] = []

    def add(self, tag: str, **attrs: str) -> None:
        self.links.append((tag, attrs))

    def extend_rss(self, item: Any) -> Any:
        from lxml import etree

        for tag, attrs in self.links:
            etree.SubElement(item, f"{{{PODCAST_NS}}}{tag}", attrs)
        return item

    def extend_atom(self, entry: Any) -> Any:
        return entry


def _url(base: str, name: str) -> str:
    """``name`` under ``base``: ``https://x/pod`` and ``https://x/pod/`` both mean the folder
    ``pod`` (urljoin alone would drop ``pod`` from the first)."""
    return urljoin(base if base.endswith("/") else base + "/", quote(name))


def _pub_date(date: str | None) -> dt.datetime:
    """An item's publication time (06:00 UTC on its date); a date that is not a real day (a
    month alone, or ``2019-13-45`` from a careless source) falls back as far as it is valid."""
    parts = [int(p) for p in (date or "").split("-") if p.isdigit()][:3]
    while parts:
        try:
            day = dt.date(*(parts + [1] * (3 - len(parts))))
        except (ValueError, TypeError):
            parts.pop()
            continue
        return dt.datetime(day.year, day.month, day.day, 6, 0, tzinfo=dt.timezone.utc)
    return dt.datetime(1970, 1, 1, 6, 0, tzinfo=dt.timezone.utc)


def _built(items: list[dict[str, Any]]) -> dt.datetime:
    """The feed's lastBuildDate: when its newest item was made, not now, so that the same items
    give the same bytes and an unchanged feed is not rewritten."""
    made = []
    for item in items:
        with contextlib.suppress(TypeError, ValueError):
            made.append(dt.datetime.fromisoformat(str(item.get("made"))))
    stamps = [m if m.tzinfo else m.replace(tzinfo=dt.timezone.utc) for m in made]
    return max(stamps, default=dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc))


def build_feed(items: list[dict[str, Any]], **kw: Any) -> bytes:
    """RSS 2.0 bytes for the given made items (newest first); a value feedgen or lxml refuses is
    an :class:`OutputError` that says which."""
    try:
        return _build(items, **kw)
    except ValueError as exc:
        raise OutputError(f"cannot build the feed: {exc}") from exc


def _build(items: list[dict[str, Any]], *, title: str, author: str, base_url: str,
           cover: str | None = None, description: str | None = None) -> bytes:  # fmt: skip
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("podcastindex", _PodcastIndexFeed, _PodcastIndexEntry)
    fg.title(clean_text(title) or "Bulletin")
    fg.link(href=base_url, rel="alternate")
    fg.lastBuildDate(_built(items))
    fg.description(clean_text(description or f"{title} : bulletins d'information"))
    fg.language("fr")
    fg.author({"name": clean_text(author) or "bulletin"})
    fg.generator("bulletin")
    fg.podcast.itunes_author(clean_text(author) or "bulletin")
    fg.podcast.itunes_category("News")
    fg.podcast.itunes_explicit("no")
    if cover:
        fg.image(url=_url(base_url, cover), title=clean_text(title) or "Bulletin", link=base_url)
        fg.podcast.itunes_image(_url(base_url, cover))
    for item in reversed(items):  # feedgen prepends; give it oldest first
        fe = fg.add_entry()
        fe.guid(item["guid"], permalink=False)
        fe.title(clean_text(item.get("title") or item["name"]))
        fe.description(clean_text(item.get("summary") or item.get("title") or item["name"]))
        fe.pubDate(_pub_date(item.get("date")))
        fe.enclosure(_url(base_url, item["name"]), str(item.get("bytes", 0)), "audio/mpeg")
        seconds = int(item.get("duration_ms", 0) // 1000)
        fe.podcast.itunes_duration(f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}")
        stem = item["name"][: -len(".mp3")]
        files = item.get("files", {})
        if f"{stem}.vtt" in files:
            fe.podcastindex.add("transcript", url=_url(base_url, f"{stem}.vtt"), type="text/vtt", language="fr")
        if f"{stem}.chapters.json" in files:
            fe.podcastindex.add("chapters", url=_url(base_url, f"{stem}.chapters.json"),
                                type="application/json+chapters")  # fmt: skip
    data: bytes = fg.rss_str(pretty=True)
    return data
