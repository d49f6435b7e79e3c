"""Batch inputs: article files, folders, RSS/Atom feeds (files or URLs) and web pages.

Every input becomes zero or more :class:`Story` objects, or a :class:`Failure` that says why in
plain words; one bad input never stops the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .article import Article, Block, normalize_date, parse_html, parse_html_fragment, read_article
from .errors import ArticleError, BulletinError

ARTICLE_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}
FEED_SUFFIXES = {".xml", ".rss", ".atom"}
MAX_DOWNLOAD = 20 * 1024 * 1024


@dataclass(frozen=True)
class Story:
    key: str
    """Stable identity: the file path, the URL or the feed entry's id."""
    article: Article
    fingerprint: str
    """Hash of what the article says: a change means the bulletin must be made again."""


@dataclass(frozen=True)
class Failure:
    key: str
    reason: str


def fingerprint(article: Article) -> str:
    h = hashlib.sha256()
    for part in (article.title or "", article.date or "", article.source or ""):
        h.update(part.encode() + b"\0")
    for b in article.blocks:
        h.update(f"{b.kind}\0{b.text}\0".encode())
    return h.hexdigest()


def _story(key: str, article: Article) -> Story:
    return Story(key, article, fingerprint(article))


def _looks_like_feed(head: bytes) -> bool:
    h = head[:2000].lower()
    return b"<rss" in h or (b"<feed" in h and b"atom" in h) or b"<rdf:rdf" in h


def _entry_date(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return dt.date(value.tm_year, value.tm_mon, value.tm_mday).isoformat()
    for key in ("published", "updated"):
        if entry.get(key):
            return normalize_date(str(entry[key])[:10])
    return None


def stories_from_feed(data: bytes | str, origin: str) -> tuple[list[Story], list[Failure]]:
    """One story per feed entry, from its full content when the feed carries it."""
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.entries:
        reason = str(getattr(parsed, "bozo_exception", "")) or "no entries"
        return [], [Failure(origin, f"not a readable RSS/Atom feed ({reason})")]
    stories: list[Story] = []
    failures: list[Failure] = []
    for n, entry in enumerate(parsed.entries):
        key = str(entry.get("id") or entry.get("link") or f"{origin}#{n}")
        html = ""
        if entry.get("content"):
            html = entry["content"][0].get("value", "")
        html = html or entry.get("summary", "")
        body = parse_html_fragment(html, key) if "<" in html else None
        blocks = body.blocks if body is not None else tuple(
            Block("paragraph", p.strip()) for p in re.split(r"\n\s*\n", html) if p.strip()
        )  # fmt: skip
        if not blocks:
            failures.append(Failure(key, "feed entry has no text"))
            continue
        title = str(entry.get("title") or "").strip() or None
        article = Article(title=title, date=_entry_date(entry), source=entry.get("link"), blocks=blocks)
        stories.append(_story(key, article))
    return stories, failures


def fetch(url: str, timeout: float = 15.0) -> tuple[bytes, str]:
    """Download a URL (bounded size, TLS verified); returns the body and its content type."""
    import requests

    try:
        with requests.get(url, timeout=timeout, stream=True, headers={"User-Agent": "bulletin"}) as r:
            r.raise_for_status()
            data = b""
            for chunk in r.iter_content(65536):
                data += chunk
                if len(data) > MAX_DOWNLOAD:
                    raise ArticleError(f"{url} is larger than {MAX_DOWNLOAD // 1_048_576} MB")
            return data, r.headers.get("Content-Type", "")
    except requests.exceptions.RequestException as exc:
        raise ArticleError(f"cannot download {url}: {exc}") from exc


def collect(inputs: list[str]) -> tuple[list[Story], list[Failure]]:
    """Every story the inputs hold, in order; duplicates (same key) kept once."""
    stories: list[Story] = []
    failures: list[Failure] = []

    def add(found: tuple[list[Story], list[Failure]]) -> None:
        stories.extend(found[0])
        failures.extend(found[1])

    for item in inputs:
        try:
            if re.match(r"https?://", item):
                data, ctype = fetch(item)
                if "xml" in ctype or "rss" in ctype or "atom" in ctype or _looks_like_feed(data):
                    add(stories_from_feed(data, item))
                else:
                    from .article import decode_bytes

                    art = parse_html(decode_bytes(data, item))
                    if not art.blocks:
                        raise ArticleError(f"{item} holds no article text")
                    art = Article(art.title, art.date, art.source or item, art.blocks)
                    stories.append(_story(item, art))
                continue
            path = Path(item)
            if path.is_dir():
                files = sorted(
                    p for p in path.rglob("*")
                    if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
                    and p.suffix.lower() in ARTICLE_SUFFIXES | FEED_SUFFIXES
                )  # fmt: skip
                add(collect([str(p) for p in files]))
                continue
            if path.is_file() and (path.suffix.lower() in FEED_SUFFIXES or _looks_like_feed(path.read_bytes()[:2000])):
                add(stories_from_feed(path.read_bytes(), str(path.resolve())))
                continue
            # The absolute path names a file's bulletin (and its feed GUID) whatever the working folder.
            stories.append(_story(str(path.resolve()), read_article(path)))
        except BulletinError as exc:
            failures.append(Failure(item, str(exc)))
        except OSError as exc:
            failures.append(Failure(item, f"cannot read: {exc.strerror or exc}"))
    seen: set[str] = set()
    unique = []
    for s in stories:
        if s.key not in seen:
            seen.add(s.key)
            unique.append(s)
    return unique, failures
