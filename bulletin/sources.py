"""Where articles come from: files, folders, standard input, web pages and RSS/Atom feeds.

:func:`load_article` reads the one article a ``make`` is given (a path, an ``http(s)://`` URL or
``-``); :func:`collect` turns a batch's inputs into :class:`Story` objects, or a :class:`Failure`
that says why in plain words, so that one bad input never stops the others. The readers
themselves live in :mod:`bulletin.readers`; a batch downloads through a polite
:class:`~bulletin.readers.http.Fetcher` (robots.txt, a pause per host, conditional GET).

Every download is bounded in size and time, and every network failure is one line naming the
URL ("cannot download https://…: HTTP 404"), never a library's own text.
"""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from .errors import ArticleError, BulletinError
from .readers.feed import FEED_TYPES, is_feed, stories_from_feed
from .readers.feed import looks_like_feed as _looks_like_feed
from .readers.files import article_from_bytes, read_article, read_bounded, read_bytes
from .readers.http import MAX_DOWNLOAD, Download, Fetcher, fetch, network_reason
from .readers.model import Article, Failure, Story, fingerprint
from .readers.model import story as _story

__all__ = [
    "ARTICLE_SUFFIXES", "FEED_SUFFIXES", "FEED_TYPES", "MAX_DOWNLOAD", "STDIN_NAME", "Download", "Failure",
    "Fetcher", "Story", "collect", "fetch", "fingerprint", "load_article", "network_reason", "stories_from_feed",
]  # fmt: skip

ARTICLE_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}
FEED_SUFFIXES = {".xml", ".rss", ".atom"}
STDIN_NAME = "standard input"

_URL = re.compile(r"^https?://", re.I)
_OTHER_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def _article_from_download(download: Download) -> Article:
    suffix = Path(urlsplit(download.url).path).suffix
    article = article_from_bytes(download.data, download.url, suffix=suffix, content_type=download.content_type)
    return article if article.source else replace(article, source=download.url)


# --- one article: make and script ----------------------------------------------------------------


def _read_stream(stream: BinaryIO, name: str) -> bytes:
    if stream.isatty():
        raise ArticleError(f"{name} is a terminal: pipe an article in (bulletin make - < article.txt)")
    return read_bounded(stream, name)


def load_article(spec: str | Path, *, stdin: BinaryIO | None = None, timeout: float = 15.0) -> Article:
    """The one article ``spec`` names: a file path, an ``http(s)://`` URL (a web page, read like
    a batch reads it) or ``-`` for standard input (``stdin``, default ``sys.stdin``), whose format
    is recognised from its content. Errors are one-line :class:`ArticleError` naming the input."""
    if isinstance(spec, Path):
        return read_article(spec)
    if spec == "-":
        stream = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
        if stream is None:
            raise ArticleError(f"there is no {STDIN_NAME} to read an article from")
        try:
            data = _read_stream(stream, STDIN_NAME)
        except OSError as exc:
            raise ArticleError(f"cannot read {STDIN_NAME}: {exc.strerror or exc}") from exc
        if _looks_like_feed(data):
            raise ArticleError(f"{STDIN_NAME} holds an RSS/Atom feed, not an article: bulletin batch reads feeds")
        return article_from_bytes(data, STDIN_NAME)
    if _URL.match(spec):
        download = fetch(spec, timeout)
        if is_feed(download):
            raise ArticleError(f"{spec} is an RSS/Atom feed, not an article: bulletin batch reads feeds")
        return _article_from_download(download)
    if _OTHER_SCHEME.match(spec):
        raise ArticleError(f"cannot read {spec}: only http:// and https:// addresses are downloaded")
    return read_article(spec)


# --- a batch's inputs ----------------------------------------------------------------------------


def _from_url(url: str, timeout: float, fetcher: Fetcher | None) -> tuple[list[Story], list[Failure]]:
    download = fetcher.get(url) if fetcher is not None else fetch(url, timeout)
    if is_feed(download):
        return stories_from_feed(download.data, url, fetcher)
    return [_story(url, _article_from_download(download))], []


def _from_file(path: Path, fetcher: Fetcher | None) -> tuple[list[Story], list[Failure]]:
    data = read_bytes(path)  # read once: sniffed for a feed, then parsed from the same bytes
    key = str(path.resolve())  # the absolute path names a file's bulletin (and its feed GUID)
    if path.suffix.lower() in FEED_SUFFIXES or _looks_like_feed(data):
        return stories_from_feed(data, key, fetcher)
    return [_story(key, article_from_bytes(data, str(path), suffix=path.suffix))], []


def collect(
    inputs: list[str], *, timeout: float = 15.0, fetcher: Fetcher | None = None
) -> tuple[list[Story], list[Failure]]:
    """Every story the inputs hold, in order; duplicates (same key) kept once. ``timeout`` is
    the network timeout of each download. With a ``fetcher``, downloads are polite and
    conditional, and feed items that are only teasers are completed from their pages."""
    stories: list[Story] = []
    failures: list[Failure] = []

    def add(found: tuple[list[Story], list[Failure]]) -> None:
        stories.extend(found[0])
        failures.extend(found[1])

    for item in inputs:
        try:
            if _URL.match(item):
                add(_from_url(item, timeout, fetcher))
                continue
            if _OTHER_SCHEME.match(item):
                raise ArticleError(f"cannot read {item}: only http:// and https:// addresses are downloaded")
            path = Path(item)
            if path.is_dir():
                files = sorted(
                    p for p in path.rglob("*")
                    if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
                    and p.suffix.lower() in ARTICLE_SUFFIXES | FEED_SUFFIXES
                )  # fmt: skip
                add(collect([str(p) for p in files], timeout=timeout, fetcher=fetcher))
                continue
            add(_from_file(path, fetcher))
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
