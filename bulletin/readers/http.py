"""Downloads: bounded in size and time, every failure one line naming the URL, and polite.

:func:`fetch` is one plain download (``bulletin make URL``). A batch downloads feeds and the
pages their items link to through a :class:`Fetcher`, which behaves like a well-mannered
crawler:

- a User-Agent that names bulletin and where to read about it (:func:`user_agent`);
- robots.txt obeyed (``urllib.robotparser``), its ``Crawl-delay`` included;
- at most one request per ``delay`` seconds to one host;
- conditional GET (``If-None-Match`` / ``If-Modified-Since``) through a small HTTP cache, so
  that a re-run downloads nothing that has not changed (the server answers 304).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import socket
import ssl
import tempfile
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from urllib.parse import quote, urlsplit

from ..errors import ArticleError

MAX_DOWNLOAD = 20 * 1024 * 1024
"""Largest body a download may have, in bytes (a news page or feed is far smaller)."""
PROJECT_URL = "https://pypi.org/project/bulletin/"
"""Where a site's administrator reads what bulletin is (named in the User-Agent)."""
ROBOTS_AGENT = "bulletin"
"""The name robots.txt rules address (``User-agent: bulletin``)."""


def user_agent() -> str:
    """``bulletin/0.1.0 (+URL)``: who is asking, and where to read about it."""
    from .. import __version__  # bulletin/__init__ imports the readers: read it when first asked

    return f"bulletin/{__version__} (+{PROJECT_URL})"


@dataclass(frozen=True)
class Download:
    """A body fetched over HTTP(S)."""

    url: str
    """The URL asked for (redirects are followed, but the story keeps the name it was given)."""
    data: bytes
    content_type: str
    """The ``Content-Type`` header, parameters included (``text/html; charset=utf-8``)."""
    cached: bool = False
    """True when the server answered 304 Not Modified and the body came from the HTTP cache."""


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


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: Message
    body: bytes


def _get(url: str, timeout: float, max_bytes: int | None, max_seconds: float, headers: dict[str, str]) -> _Answer:
    """One GET: 200 (the body) or 304 (no body); anything else is an :class:`ArticleError`."""
    limit = MAX_DOWNLOAD if max_bytes is None else max_bytes
    too_big = f"cannot download {url}: it is larger than {limit / 1_048_576:g} MB"
    start = time.monotonic()
    # A pasted address can hold spaces or accents: quote what HTTP cannot carry, keep the rest.
    safe_url = quote(url, safe="%/:=&?~#+!$,;'@()*[]")
    try:
        request = urllib.request.Request(safe_url, headers={"User-Agent": user_agent(), **headers})
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
            return _Answer(response.status, response.headers, bytes(body))
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 304:  # urllib treats "not modified" as an error; for a conditional GET it is the answer
            return _Answer(304, exc.headers, b"")
        if 300 <= exc.code < 400:  # urllib gives up on a redirect loop with a three-line message
            raise ArticleError(f"cannot download {url}: too many redirects") from exc
        reason = " ".join(str(exc.reason or "").split())[:80]
        raise ArticleError(f"cannot download {url}: HTTP {exc.code}{' ' + reason if reason else ''}") from exc
    except (OSError, ValueError, http.client.HTTPException) as exc:  # URLError is an OSError
        raise ArticleError(f"cannot download {url}: {network_reason(exc, timeout)}") from exc


def fetch(url: str, timeout: float = 15.0, *, max_bytes: int | None = None, max_seconds: float = 120.0) -> Download:
    """Download a URL: ``timeout`` seconds at most to connect and between two reads,
    ``max_seconds`` for the whole body (a server that trickles a byte now and then never hits
    the timeout), ``max_bytes`` (default :data:`MAX_DOWNLOAD`) at most. Every failure is an
    :class:`ArticleError` of one line that names the URL."""
    answer = _get(url, timeout, max_bytes, max_seconds, {})
    return Download(url, answer.body, answer.headers.get("Content-Type", ""))


# --- the polite fetcher of a batch ---------------------------------------------------------------


class HttpCache:
    """Validators and bodies of earlier answers, one pair of files per URL (``<sha256>.json``
    and ``<sha256>.body``), each written whole (a temporary renamed into place), so that an
    interrupted run leaves the previous entry or the new one, never half of one."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.root / f"{key}.json", self.root / f"{key}.body"

    def _failure_path(self, url: str) -> Path:
        return self.root / f"{hashlib.sha256(url.encode('utf-8')).hexdigest()}.fail"

    def failure(self, url: str, within: float) -> tuple[str, float] | None:
        """Why the last request for ``url`` failed and when (epoch seconds), if it failed less than
        ``within`` seconds ago."""
        try:
            meta = json.loads(self._failure_path(url).read_text(encoding="utf-8"))
            reason, at = str(meta["reason"]), float(meta["at"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if meta.get("url") != url or not 0 <= time.time() - at < within:
            return None
        return reason, at

    def put_failure(self, url: str, reason: str) -> None:
        with contextlib.suppress(OSError):
            self.root.mkdir(parents=True, exist_ok=True)
            record = {"url": url, "reason": reason, "at": time.time()}
            _write_whole(self._failure_path(url), json.dumps(record).encode("utf-8"))

    def clear_failure(self, url: str) -> None:
        with contextlib.suppress(OSError):
            self._failure_path(url).unlink()

    def get(self, url: str) -> tuple[dict[str, str], bytes] | None:
        meta_path, body_path = self._paths(url)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None  # no entry, or a damaged one: the page is simply downloaded again
        if (
            not isinstance(meta, dict)
            or meta.get("url") != url
            or meta.get("sha256") != hashlib.sha256(body).hexdigest()
        ):
            return None
        return {str(k): str(v) for k, v in meta.items()}, body

    def touch(self, url: str) -> None:
        """Mark an entry as still in use (the server said it has not changed)."""
        for path in self._paths(url):
            with contextlib.suppress(OSError):
                os.utime(path)

    def prune(self, older_than: float = 30 * 86400) -> int:
        """Remove entries no run has used for ``older_than`` seconds (articles leave the feed;
        their pages need not be kept). Returns how many files went."""
        removed = 0
        limit = time.time() - older_than
        with contextlib.suppress(OSError), os.scandir(self.root) as entries:
            for entry in entries:
                if not entry.name.endswith((".json", ".body", ".fail", ".part")):
                    continue
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_mtime < limit:
                        os.unlink(entry.path)
                        removed += 1
        return removed

    def put(self, url: str, headers: Message, body: bytes) -> None:
        etag, modified = headers.get("ETag"), headers.get("Last-Modified")
        if not etag and not modified:
            return  # nothing to ask "has it changed?" with: not worth keeping
        meta = {"url": url, "content_type": headers.get("Content-Type", ""), "sha256": hashlib.sha256(body).hexdigest()}
        if etag:
            meta["etag"] = etag
        if modified:
            meta["last_modified"] = modified
        meta_path, body_path = self._paths(url)
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs a download
            self.root.mkdir(parents=True, exist_ok=True)
            _write_whole(body_path, body)
            _write_whole(meta_path, json.dumps(meta).encode("utf-8"))


def _write_whole(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@dataclass
class FetchStats:
    """What a fetcher did, for the batch summary and for tests."""

    downloaded: int = 0
    not_modified: int = 0
    remembered_failures: int = 0
    """Failures answered from the cache (within :data:`RETRY_FAILED_S`), with no request."""
    refused_by_robots: list[str] = field(default_factory=list)


RETRY_FAILED_S = 600.0
"""A URL whose download failed is not asked again for this long (10 minutes): a re-run right after
a batch (a cron job every five minutes, a newsroom re-running by hand) does not knock again on a
page that was missing, refused or too slow, and a failure reported once is reported again from
the cache, so the summary stays true. Later runs ask again: most failures pass."""


class Fetcher:
    """Polite downloads for a batch: robots.txt, one request per ``delay`` seconds and host,
    conditional GET through ``cache`` (no cache: every body is downloaded), failures remembered
    for :data:`RETRY_FAILED_S`. Not thread-safe: the coordinator fetches its inputs one at a
    time."""

    def __init__(self, cache: HttpCache | None = None, *, delay: float = 1.0, timeout: float = 15.0,
                 max_bytes: int | None = None, max_seconds: float = 120.0) -> None:  # fmt: skip
        self.cache = cache
        self.delay = delay
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds
        self.stats = FetchStats()
        self._last: dict[str, float] = {}  # host -> monotonic time of its last request
        self._robots: dict[str, tuple[urllib.robotparser.RobotFileParser | None, float]] = {}

    def _wait_turn(self, host: str, delay: float) -> None:
        last = self._last.get(host)
        if last is not None:
            pause = last + delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self._last[host] = time.monotonic()

    def _conditional_get(self, url: str, delay: float) -> Download:
        if self.cache is None:
            return self._request(url, delay, None)
        failed = self.cache.failure(url, RETRY_FAILED_S)
        if failed is not None:
            self.stats.remembered_failures += 1
            again = time.strftime("%H:%M", time.localtime(failed[1] + RETRY_FAILED_S))
            raise ArticleError(f"{failed[0]} (the last attempt; not asked again before {again})")
        try:
            download = self._request(url, delay, self.cache)
        except ArticleError as exc:
            self.cache.put_failure(url, str(exc))
            raise
        self.cache.clear_failure(url)
        return download

    def _request(self, url: str, delay: float, cache: HttpCache | None) -> Download:
        host = urlsplit(url).netloc.lower()
        cached = cache.get(url) if cache is not None else None
        headers: dict[str, str] = {}
        if cached is not None:
            meta = cached[0]
            if "etag" in meta:
                headers["If-None-Match"] = meta["etag"]
            if "last_modified" in meta:
                headers["If-Modified-Since"] = meta["last_modified"]
        self._wait_turn(host, delay)
        answer = _get(url, self.timeout, self.max_bytes, self.max_seconds, headers)
        if answer.status == 304 and cached is not None:
            self.stats.not_modified += 1
            if cache is not None:
                cache.touch(url)
            return Download(url, cached[1], cached[0].get("content_type", ""), cached=True)
        if answer.status == 304:  # never asked for: a confused server
            raise ArticleError(f"cannot download {url}: HTTP 304 for a request that was not conditional")
        self.stats.downloaded += 1
        if cache is not None:
            cache.put(url, answer.headers, answer.body)
        return Download(url, answer.body, answer.headers.get("Content-Type", ""))

    def _rules(self, url: str) -> tuple[urllib.robotparser.RobotFileParser | None, float]:
        """The robots.txt rules of the URL's site (None: everything allowed) and its delay."""
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}".lower()
        if site not in self._robots:
            robots_url = f"{site}/robots.txt"
            parser: urllib.robotparser.RobotFileParser | None = urllib.robotparser.RobotFileParser(robots_url)
            try:
                text = self._conditional_get(robots_url, self.delay).data.decode("utf-8", errors="replace")
                assert parser is not None
                parser.parse(text.splitlines())
            except ArticleError as exc:
                # As urllib.robotparser reads it: no robots.txt (404, 410…) allows everything;
                # 401 and 403 forbid everything; a site that cannot answer is not crawled.
                message = str(exc)
                if any(f"HTTP {code}" in message for code in (401, 403)) or "HTTP 5" in message:
                    parser = urllib.robotparser.RobotFileParser(robots_url)
                    parser.parse(["User-agent: *", "Disallow: /"])
                elif "HTTP 4" in message:
                    parser = None
                else:
                    raise
            crawl_delay = parser.crawl_delay(ROBOTS_AGENT) if parser is not None else None
            self._robots[site] = (parser, max(self.delay, float(crawl_delay or 0)))
        return self._robots[site]

    def get(self, url: str) -> Download:
        """The body at ``url``, from the cache when the server says it has not changed. A URL
        robots.txt disallows is an :class:`ArticleError` (nothing is requested)."""
        if not url.lower().startswith(("http://", "https://")):
            raise ArticleError(f"cannot read {url}: only http:// and https:// addresses are downloaded")
        rules, delay = self._rules(url)
        if rules is not None and not rules.can_fetch(ROBOTS_AGENT, url):
            self.stats.refused_by_robots.append(url)
            raise ArticleError(f"not downloaded: {url} is disallowed by the site's robots.txt")
        return self._conditional_get(url, delay)
