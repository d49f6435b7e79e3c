"""Where articles come from: files, folders, standard input, web pages and RSS/Atom feeds.

:func:`load_article` reads the one article a ``make`` is given (a path, an ``http(s)://`` URL or
``-``); :func:`collect` turns a batch's inputs into :class:`Story` objects, or a :class:`Failure`
that says why in plain words, so that one bad input never stops the others.

Every download is bounded in size and time, and every network failure is one line naming the
URL ("cannot download https://…: HTTP 404"), never a library's own text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import re
import socket
import ssl
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote, urlsplit

from .article import (
    MAX_ARTICLE_BYTES,
    Article,
    Block,
    article_from_bytes,
    date_warning,
    normalize_date,
    parse_html_fragment,
    read_article,
    read_bytes,
    without_controls,
)
from .errors import ArticleError, BulletinError

ARTICLE_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm"}
FEED_SUFFIXES = {".xml", ".rss", ".atom"}
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
MAX_DOWNLOAD = 20 * 1024 * 1024
"""Largest body a download may have, in bytes (a news page or feed is far smaller)."""
STDIN_NAME = "standard input"

_URL = re.compile(r"^https?://", re.I)
_OTHER_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


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


@dataclass(frozen=True)
class Download:
    """A body fetched over HTTP(S)."""

    url: str
    """The URL asked for (redirects are followed, but the story keeps the name it was given)."""
    data: bytes
    content_type: str
    """The ``Content-Type`` header, parameters included (``text/html; charset=utf-8``)."""


def fingerprint(article: Article) -> str:
    h = hashlib.sha256()
    for part in (article.title or "", article.date or "", article.source or ""):
        h.update(part.encode() + b"\0")
    for b in article.blocks:
        h.update(f"{b.kind}\0{b.text}\0".encode())
    return h.hexdigest()


def _story(key: str, article: Article) -> Story:
    return Story(key, article, fingerprint(article))


# --- downloads -----------------------------------------------------------------------------------


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what lies behind it (urllib wraps the socket error that says what
    really happened in a URLError's ``reason``)."""
    todo, seen = [exc], set()
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo.extend(x for x in (e.__cause__, e.__context__, getattr(e, "reason", None)) if isinstance(x, BaseException))


def network_reason(exc: BaseException, timeout: float) -> str:
    """What went wrong with a download, in words: the answer to "why no article?"."""
    chain = list(_causes(exc))

    def seen(*kinds: type[BaseException]) -> bool:
        return any(isinstance(e, kinds) for e in chain)

    if seen(socket.gaierror):
        return "name not found"
    if seen(ConnectionRefusedError):
        return "the connection was refused"
    if seen(TimeoutError):
        return f"the server did not answer (timeout after {timeout:g} s)"
    if seen(ssl.SSLCertVerificationError):
        return "its certificate was not accepted"
    if seen(ssl.SSLError):
        return "the secure connection failed"
    if seen(http.client.IncompleteRead, ConnectionResetError, http.client.RemoteDisconnected):
        return "the server closed the connection before the end"
    if seen(http.client.InvalidURL, ValueError) or "unknown url type" in str(exc):
        return "not a valid web address"
    if seen(http.client.HTTPException):
        return "the server's answer is not HTTP"
    return "the server cannot be reached"


def _opener() -> urllib.request.OpenerDirector:
    """HTTP and HTTPS only (a redirect to ftp:// or file:// goes nowhere), proxies from the
    environment, certificates checked."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(context=ssl.create_default_context()),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def fetch(url: str, timeout: float = 15.0, *, max_bytes: int | None = None, max_seconds: float = 120.0) -> Download:
    """Download a URL: ``timeout`` seconds at most to connect and between two reads,
    ``max_seconds`` for the whole body (a server that trickles a byte now and then never hits
    the timeout), ``max_bytes`` (default :data:`MAX_DOWNLOAD`) at most. Every failure is an
    :class:`ArticleError` of one line that names the URL."""
    limit = MAX_DOWNLOAD if max_bytes is None else max_bytes
    too_big = f"cannot download {url}: it is larger than {limit / 1_048_576:g} MB"
    start = time.monotonic()
    # A pasted address can hold spaces or accents: quote what HTTP cannot carry, keep the rest.
    safe_url = quote(url, safe="%/:=&?~#+!$,;'@()*[]")
    try:
        request = urllib.request.Request(safe_url, headers={"User-Agent": "bulletin"})
        with _opener().open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > limit:
                raise ArticleError(too_big)
            body = bytearray()  # grows in place: joining chunks with + would copy the body each time
            while chunk := response.read1(65536):  # what has arrived, not a full 64 KiB block
                body += chunk
                if len(body) > limit:
                    raise ArticleError(too_big)
                if time.monotonic() - start > max_seconds:
                    raise ArticleError(f"cannot download {url}: the server is too slow (over {max_seconds:g} s)")
            return Download(url, bytes(body), response.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as exc:
        exc.close()
        if 300 <= exc.code < 400:  # urllib gives up on a redirect loop with a three-line message
            raise ArticleError(f"cannot download {url}: too many redirects") from exc
        reason = " ".join(str(exc.reason or "").split())[:80]
        raise ArticleError(f"cannot download {url}: HTTP {exc.code}{' ' + reason if reason else ''}") from exc
    except (OSError, ValueError, http.client.HTTPException) as exc:  # URLError is an OSError
        raise ArticleError(f"cannot download {url}: {network_reason(exc, timeout)}") from exc


def _is_feed(download: Download) -> bool:
    ctype = download.content_type.split(";")[0].strip().lower()
    return ctype in FEED_TYPES or _looks_like_feed(download.data)


def _article_from_download(download: Download) -> Article:
    suffix = Path(urlsplit(download.url).path).suffix
    article = article_from_bytes(download.data, download.url, suffix=suffix, content_type=download.content_type)
    return article if article.source else replace(article, source=download.url)


# --- one article: make and script ----------------------------------------------------------------


def _read_stream(stream: BinaryIO, name: str) -> bytes:
    if stream.isatty():
        raise ArticleError(f"{name} is a terminal: pipe an article in (bulletin make - < article.txt)")
    data = bytearray()
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            return bytes(data)
        data += chunk
        if len(data) > MAX_ARTICLE_BYTES:
            mb = MAX_ARTICLE_BYTES // 1_048_576
            raise ArticleError(f"{name} holds more than {mb} MB; articles up to {mb} MB are read")


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
        if _is_feed(download):
            raise ArticleError(f"{spec} is an RSS/Atom feed, not an article: bulletin batch reads feeds")
        return _article_from_download(download)
    if _OTHER_SCHEME.match(spec):
        raise ArticleError(f"cannot read {spec}: only http:// and https:// addresses are downloaded")
    return read_article(spec)


# --- feeds ---------------------------------------------------------------------------------------


def _looks_like_feed(head: bytes) -> bool:
    h = head[:2000].lower()
    return b"<rss" in h or (b"<feed" in h and b"atom" in h) or b"<rdf:rdf" in h


def _entry_date(entry: Any, warnings: list[str]) -> str | None:
    """The entry's date, checked: feedparser reads many formats but rolls an impossible date
    over (2019-13-45 becomes 2020-01-01), so its reading is kept only when the year and the day
    it found are written in the entry."""
    for key in ("published", "updated"):
        raw = str(entry.get(key) or "").strip()
        if not raw:
            continue
        iso = normalize_date(raw)
        if iso:
            return iso
        parsed = entry.get(f"{key}_parsed")
        try:
            day = dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday) if parsed else None
        except (AttributeError, ValueError):
            day = None
        if day and str(day.year) in raw and re.search(rf"(?<!\d)0?{day.day}(?!\d)", raw):
            return day.isoformat()
        warnings.append(date_warning(raw))
        return None
    return None


def stories_from_feed(data: bytes | str, origin: str) -> tuple[list[Story], list[Failure]]:
    """One story per feed entry, from its full content when the feed carries it."""
    import feedparser

    # feedparser takes a str for a URL or a file name to open: it only ever gets the bytes here.
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        parsed = feedparser.parse(raw)
    except Exception as exc:  # feedparser is lenient, but a hostile feed must fail alone
        return [], [Failure(origin, f"not a readable RSS/Atom feed ({type(exc).__name__})")]
    if not parsed.entries:
        reason = " ".join(str(getattr(parsed, "bozo_exception", "")).split()) or "no entries"
        return [], [Failure(origin, f"not a readable RSS/Atom feed ({reason})")]
    stories: list[Story] = []
    failures: list[Failure] = []
    for n, entry in enumerate(parsed.entries):
        key = str(entry.get("id") or entry.get("link") or f"{origin}#{n}")
        html = ""
        if entry.get("content"):
            html = entry["content"][0].get("value", "")
        html = html or entry.get("summary", "")
        try:
            body = parse_html_fragment(html, key) if "<" in html else None
        except ArticleError as exc:
            failures.append(Failure(key, str(exc)))
            continue
        blocks = body.blocks if body is not None else tuple(
            Block("paragraph", p.strip()) for p in re.split(r"\n\s*\n", html) if p.strip()
        )  # fmt: skip
        if not blocks:
            failures.append(Failure(key, "feed entry has no text"))
            continue
        warnings = list(body.warnings) if body is not None else []
        title = str(entry.get("title") or "").strip() or None
        date = _entry_date(entry, warnings)
        article = without_controls(Article(title, date, entry.get("link"), blocks, tuple(warnings)))
        stories.append(_story(key, article))
    return stories, failures


# --- a batch's inputs ----------------------------------------------------------------------------


def _from_url(url: str, timeout: float) -> tuple[list[Story], list[Failure]]:
    download = fetch(url, timeout)
    if _is_feed(download):
        return stories_from_feed(download.data, url)
    return [_story(url, _article_from_download(download))], []


def _from_file(path: Path) -> tuple[list[Story], list[Failure]]:
    data = read_bytes(path)  # read once: sniffed for a feed, then parsed from the same bytes
    key = str(path.resolve())  # the absolute path names a file's bulletin (and its feed GUID)
    if path.suffix.lower() in FEED_SUFFIXES or _looks_like_feed(data):
        return stories_from_feed(data, key)
    return [_story(key, article_from_bytes(data, str(path), suffix=path.suffix))], []


def collect(inputs: list[str], *, timeout: float = 15.0) -> tuple[list[Story], list[Failure]]:
    """Every story the inputs hold, in order; duplicates (same key) kept once. ``timeout`` is
    the network timeout of each download."""
    stories: list[Story] = []
    failures: list[Failure] = []

    def add(found: tuple[list[Story], list[Failure]]) -> None:
        stories.extend(found[0])
        failures.extend(found[1])

    for item in inputs:
        try:
            if _URL.match(item):
                add(_from_url(item, timeout))
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
                add(collect([str(p) for p in files], timeout=timeout))
                continue
            add(_from_file(path))
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
