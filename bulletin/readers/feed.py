"""RSS/Atom feeds: one story per item, whole articles even when the feed carries teasers.

Most news feeds give a title, a line of teaser and a link. An item's own text is a **teaser**
when it is missing, when it ends like one ("Lire la suite", "[…]", "…") or when it is shorter
than :data:`TEASER_WORDS` words (a news brief is longer; a teaser line rarely reaches it). The
page the item links to is then fetched (politely: :class:`~bulletin.readers.http.Fetcher`) and
read the way ``bulletin make URL`` reads a page, keeping the feed's title, date and author.

When the page is clearly not the story (its title shares too few words with the item's, or it
holds fewer words than the teaser: a paywall, a consent wall, an error page served as 200) the
feed's own text is read instead, with a warning. A page that cannot be fetched (HTTP error,
timeout, robots.txt) makes its item fail; the other items go on.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import ArticleError
from .dates import date_warning, normalize_date
from .files import article_from_bytes
from .html import parse_html_fragment
from .http import Download, Fetcher
from .model import Article, Block, Failure, Story, story, without_controls

TEASER_WORDS = 60
"""An item text of fewer words is a teaser. A teaser is a sentence or two; the shortest of the
83 whole news articles in the project's corpus (``../shared/corpus``) has 120 words, twice the
threshold, so a short whole brief is still read from the feed."""
_READ_MORE = re.compile(
    r"(?:\s*(?:lire|voir|découvrir|continuer)\s+(?:la\s+)?(?:suite|l['’]article|la\s+lecture)"
    r"|\s*read\s+more|\s*continue\s+reading)\s*[.…»›>\s]*$",
    re.I,
)
_ELLIPSIS = re.compile(r"(?:\[\s*(?:…|\.\.\.)\s*\]|\(\s*(?:…|\.\.\.)\s*\)|…|\.\.\.)\s*$")
_TITLE_SHARE = 0.6
"""At least this share of the item title's words must be in the page's title (sites add their
own name to a page title, and may shorten it: the threshold allows both)."""


def looks_like_feed(head: bytes) -> bool:
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


def _words(blocks: tuple[Block, ...]) -> int:
    return sum(len(b.text.split()) for b in blocks)


def is_teaser(blocks: tuple[Block, ...]) -> bool:
    """Whether an item's text only announces the story (see the module's docstring)."""
    if not blocks:
        return True
    last = blocks[-1].text.rstrip()
    return _words(blocks) < TEASER_WORDS or bool(_READ_MORE.search(last) or _ELLIPSIS.search(last))


def _without_read_more(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    """The teaser without its link label ("Lire la suite"): words of the page's menu, not of the story."""
    if not blocks:
        return blocks
    last = _READ_MORE.sub("", blocks[-1].text).rstrip()
    return (*blocks[:-1], Block(blocks[-1].kind, last)) if last else blocks[:-1]


def _title_words(title: str) -> set[str]:
    ascii_text = unicodedata.normalize("NFKD", title.casefold()).encode("ascii", "ignore").decode()
    return {w for w in re.findall(r"[a-z0-9]+", ascii_text) if len(w) > 2 or w.isdigit()}


def same_story(item_title: str | None, page_title: str | None) -> bool:
    """Whether a page's title is the item's (give or take the site's name added to it)."""
    if not item_title or not page_title:
        return True  # nothing to compare: the length check alone decides
    item, page = _title_words(item_title), _title_words(page_title)
    if not item:
        return True
    return len(item & page) / len(item) >= _TITLE_SHARE


def _complete(link: str, item: Article, fetcher: Fetcher) -> Article:
    """The item's story read from its page; the item itself (with a warning) when the page is
    not the story. Raises :class:`ArticleError` when the page cannot be had."""
    download = fetcher.get(link)
    suffix = Path(urlsplit(link).path).suffix
    try:
        page = article_from_bytes(download.data, link, suffix=suffix, content_type=download.content_type)
    except ArticleError:
        page = None  # an empty or unreadable page is not the story either
    teaser_words = _words(item.blocks)
    reason = None
    if page is None:
        reason = "it holds no text"
    elif not same_story(item.title, page.title):
        reason = f"its title is {page.title!r}"
    elif _words(page.blocks) <= teaser_words:
        reason = f"it holds fewer words ({_words(page.blocks)}) than the feed's teaser ({teaser_words})"
    if reason is not None or page is None:
        own = _without_read_more(item.blocks)
        if not own:
            raise ArticleError(f"the page {link} is not the story ({reason}) and the feed item has no text")
        note = f"the page {link} is not the story ({reason}): read the feed's text instead"
        return replace(item, blocks=own, warnings=(*item.warnings, note))
    return replace(
        page,
        title=item.title or page.title,
        date=item.date or page.date,
        source=link,
        author=item.author or page.author,
        warnings=(*item.warnings, *page.warnings),
    )


def stories_from_feed(
    data: bytes | str, origin: str, fetcher: Fetcher | None = None
) -> tuple[list[Story], list[Failure]]:
    """One story per feed entry: its full content when the feed carries it; else, with a
    ``fetcher``, the page it links to (without one, the teaser is what there is)."""
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
        warnings = list(body.warnings) if body is not None else []
        title = str(entry.get("title") or "").strip() or None
        date = _entry_date(entry, warnings)
        source = entry.get("link")
        link = str(source or "").strip() or None
        if link and not re.match(r"https?://", link, re.I):
            link = None  # feedparser makes a link of a bare <guid> ("flux-1"): no page to fetch
        author = str(entry.get("author") or "").strip() or None
        article = without_controls(Article(title, date, source, blocks, tuple(warnings), author))
        if is_teaser(article.blocks) and link and fetcher is not None:
            try:
                article = without_controls(_complete(link, article, fetcher))
            except ArticleError as exc:
                failures.append(Failure(key, str(exc)))
                continue
        if not article.blocks:
            failures.append(Failure(key, "feed entry has no text" + ("" if link else " and no link")))
            continue
        stories.append(story(key, article))
    return stories, failures


def is_feed(download: Download) -> bool:
    ctype = download.content_type.split(";")[0].strip().lower()
    return ctype in FEED_TYPES or looks_like_feed(download.data)


FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
