"""HTML: the page's ``<article>``/``<main>``, else trafilatura's reading of it; the page's
metadata (title, date) on the side."""

from __future__ import annotations

import json
import re
from collections import deque
from html.parser import HTMLParser
from typing import Any, ClassVar

from ..errors import ArticleError
from .blocks import Draft, attach_quotes
from .dates import first_date
from .encoding import CONTROL, drop_controls
from .model import Article, without_controls


class _HTMLText(HTMLParser):
    """Headings and paragraphs of a page (of its ``<article>``/``<main>`` when ``scoped``), block
    quotes numbered, scripts and navigation left out; the page's metadata on the side."""

    _SKIP: ClassVar[frozenset[str]] = frozenset(
        {"script", "style", "nav", "footer", "aside", "form", "noscript", "template", "svg"}
    )
    _BLOCK: ClassVar[frozenset[str]] = frozenset(
        {"p", "li", "div", "section", "article", "td", "dd", "dt", "pre", "br", "figure", "figcaption"}
    )
    _META: ClassVar[frozenset[str]] = frozenset(
        {"article:published_time", "date", "dc.date", "dc.date.issued", "datepublished", "og:title", "author"}
    )

    def __init__(self, scoped: bool = False, take_title: bool = True) -> None:
        super().__init__(convert_charrefs=True)
        self.scoped = scoped
        self.take_title = take_title
        self.marked = False  # the page has an <article> or <main>
        self._inside = 0  # depth inside <article>/<main>
        self.title: str | None = None
        self.meta: dict[str, str] = {}
        self.json_ld: list[str] = []
        self.drafts: list[Draft] = []
        self._buf: list[str] = []
        self._skip = 0
        self._ld: list[str] | None = None
        self._in_title = False
        self._heading: str | None = None
        self._quote_depth = 0
        self._in_p = False
        self._inline: list[bool] = []  # for each open <blockquote>: is it inside a sentence?
        self._quotes = 0
        self._header = 0  # depth inside <header>
        self._header_times = 0  # open <time> elements of a header, read as metadata only

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:  # "<![foo]>" is not HTML: Python's parser asserts; skip it like a comment
            j = self.rawdata.find(">", i)
            return -1 if j < 0 else j + 1

    def _flush(self) -> None:
        text = " ".join("".join(self._buf).split())
        self._buf.clear()
        if not text:
            return
        if self._heading == "h1" and self.take_title and self.title is None and not self.drafts:
            self.title = text
        else:
            quote = self._quotes if self._quote_depth else None
            self.drafts.append(Draft("heading" if self._heading else "paragraph", text, quote))

    def _reading(self) -> bool:
        return not self._skip and (not self.scoped or self._inside > 0)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("article", "main"):
            self.marked = True
            self._inside += 1
        key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
        value = a.get("content") or a.get("datetime")
        if key in self._META and value:
            self.meta.setdefault(key, value)
        if tag == "time" and self._inside and a.get("datetime"):
            self.meta.setdefault("time", a["datetime"])
        if tag == "header":
            self._header += 1
        elif tag == "time" and self._header:
            # the date line of an article's header is metadata (the date above), not narration,
            # and must not become the first paragraph (a feed item's description)
            self._skip += 1
            self._header_times += 1
        if tag in self._SKIP:
            self._skip += 1
            if tag == "script" and a.get("type", "").lower() == "application/ld+json":
                self._ld = []
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = tag
        elif tag == "blockquote":
            # trafilatura writes an inline <q> as a <blockquote> inside the sentence's <p>
            self._inline.append(self._in_p and bool("".join(self._buf).strip()))
            if self._inline[-1]:
                self._buf.append(" « ")
            else:
                self._flush()
                self._quote_depth += 1
                if self._quote_depth == 1:
                    self._quotes += 1
        elif tag == "q" and self._reading():
            self._buf.append(" « ")  # an inline quotation: the marks the browser draws
        elif tag in self._BLOCK:
            self._flush()
            self._in_p = tag == "p"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("article", "main"):
            self._flush()
            self._inside = max(0, self._inside - 1)
        if tag == "header":
            self._header = max(0, self._header - 1)
        elif tag == "time" and self._header_times:
            self._header_times -= 1
            self._skip = max(0, self._skip - 1)
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
            if tag == "script" and self._ld is not None:
                self.json_ld.append("".join(self._ld))
                self._ld = None
        elif tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = None
        elif tag == "blockquote":
            if self._inline and self._inline.pop():
                self._buf.append(" » ")
            else:
                self._flush()
                self._quote_depth = max(0, self._quote_depth - 1)
        elif tag == "q" and self._reading():
            self._buf.append(" » ")
        elif tag in self._BLOCK:
            self._flush()
            self._in_p = False

    def handle_data(self, data: str) -> None:
        if self._ld is not None:
            self._ld.append(data)
        elif self._in_title and not self._skip:
            self.meta["title"] = self.meta.get("title", "") + data
        elif self._reading():
            self._buf.append(data)

    def finish(self) -> None:
        self.close()
        self._flush()

    def date(self, warnings: list[str], *more: str | None) -> str | None:
        """The publication date the page gives: first what says "published", then the article's
        first ``<time>``, then the generic date tags (a page's date can be its last change)."""
        m = self.meta
        return first_date(
            [m.get("article:published_time"), _json_ld_date(self.json_ld), m.get("datepublished"), m.get("time"),
             m.get("date"), m.get("dc.date.issued"), m.get("dc.date"), *more],
            warnings,
        )  # fmt: skip


def _json_ld_date(blobs: list[str]) -> str | None:
    """``datePublished`` of the page's JSON-LD (schema.org), the nearest to the top first."""
    for blob in blobs:
        try:
            data = json.loads(blob)
        except (ValueError, RecursionError):  # broken or hostile JSON is only a missing date
            continue
        todo: deque[Any] = deque([data])
        for _ in range(10_000):
            if not todo:
                break
            node = todo.popleft()
            if isinstance(node, dict):
                value = node.get("datePublished")
                if isinstance(value, str) and value.strip():
                    return value
                todo.extend(node.values())
            elif isinstance(node, list):
                todo.extend(node)
    return None


def _scan(html: str, name: str, scoped: bool, take_title: bool = True) -> _HTMLText:
    parser = _HTMLText(scoped, take_title)
    try:
        parser.feed(html)
        parser.finish()
    except (AssertionError, ValueError, RecursionError) as exc:  # the standard parser on markup it refuses
        raise ArticleError(f"cannot read the HTML of {name}: {_one_line(exc)}") from exc
    return parser


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:119] + "…"


def _text_of(element: Any) -> str:
    # libxml2 turns "&#27;" into the control character that Python's own parser drops
    return " ".join(CONTROL.sub("", str(element.text_content())).split()).lstrip("—–―- ").strip()


def _signature_of(quote: Any) -> Any | None:
    """The element of a ``<blockquote>`` that names its speaker: a ``<footer>``, a final
    ``<cite>``, or a final paragraph that opens with a ``<cite>``."""
    footer = next(quote.iter("footer"), None)
    if footer is not None:
        return footer
    children = [c for c in quote if isinstance(c.tag, str)]
    if not children or (children[-1].tail or "").strip():
        return None  # words after the last element: it does not close the quote
    if len(children) == 1 and not (quote.text or "").strip():
        return None  # nothing else in the quote: that element is the quote
    last = children[-1]
    if last.tag == "cite":
        return last
    inner = [c for c in last if isinstance(c.tag, str)]
    if last.tag in ("p", "div") and inner and inner[0].tag == "cite" and not (last.text or "").strip(" —–―-\n\t"):
        return last
    return None


def lift_signatures(html: str) -> str:
    """A ``<blockquote>`` signed in a ``<footer>``, a final ``<cite>`` or its ``<figure>``'s
    ``<figcaption>``: the name is moved after the quote as ``<p>— Name</p>``, the one form the
    readers attach to a quote (and trafilatura would drop footers and figures whole). The page
    is returned unchanged when it has no such quote."""
    if not re.search(r"<blockquote\b", html, re.I) or not re.search(r"<(footer|cite|figcaption|figure)\b", html, re.I):
        return html
    from lxml import etree
    from lxml import html as lhtml

    try:
        root = lhtml.document_fromstring(html.encode("utf-8"), lhtml.HTMLParser(encoding="utf-8", huge_tree=True))
        return str(lhtml.tostring(root, encoding="unicode")) if _lift(root) else html
    except (etree.LxmlError, ValueError):  # what lxml cannot handle, the readers still take as it is
        return html


def _lift(root: Any) -> bool:
    from lxml import html as lhtml

    changed = False
    for quote in list(root.iter("blockquote")):
        figure = quote.getparent()
        signature = _signature_of(quote)
        if signature is None and figure is not None and figure.tag == "figure":
            signature = next((c for c in figure if c.tag == "figcaption"), None)
        if figure is not None and figure.tag == "figure":
            figure.tag = "div"  # trafilatura drops a figure whole, quote included; it reads a div
            changed = True
        who = _text_of(signature) if signature is not None else ""
        if signature is None or not who or len(who) > 150:
            continue
        signature.drop_tree()
        line = lhtml.Element("p")
        line.text = f"— {who}"
        quote.addnext(line)
        changed = True
    return changed


def parse_html(text: str, name: str = "the page") -> Article:
    """HTML: a page that marks its article (``<article>``/``<main>``) is read from that element,
    headings kept; any other page goes through trafilatura, which finds the main text, title and
    date among menus and footers; the page's own paragraphs when trafilatura finds nothing.
    Library errors on hostile markup become :class:`ArticleError`, naming the page."""
    text, dropped = drop_controls(text)
    warnings = list(dropped)
    text = lift_signatures(text)
    page = _scan(text, name, scoped=True)
    title = page.title or page.meta.get("og:title") or (page.meta.get("title") or "").strip() or None
    if page.marked and page.drafts:
        blocks = tuple(attach_quotes(page.drafts))
        return without_controls(Article(title, page.date(warnings), None, blocks, tuple(warnings)))
    try:
        import trafilatura

        extracted = trafilatura.extract(
            text, output_format="html", include_formatting=True, include_comments=False, favor_recall=True
        )
        meta = trafilatura.extract_metadata(text)
    except Exception as exc:  # trafilatura and lxml raise many types on hostile markup
        raise ArticleError(f"cannot read the HTML of {name}: {_one_line(exc)}") from exc
    body = _scan(extracted, name, scoped=False) if extracted and extracted.strip() else None
    if body is None or not body.drafts:
        body = _scan(text, name, scoped=False)
        return without_controls(Article(body.title or title, page.date(warnings), None,
                               tuple(attach_quotes(body.drafts)), tuple(warnings)))  # fmt: skip
    return without_controls(
        Article(
            title=body.title or (meta.title if meta is not None else None) or title,
            date=page.date(warnings, meta.date if meta is not None else None),
            source=meta.url if meta is not None else None,
            blocks=tuple(attach_quotes(body.drafts)),
            warnings=tuple(warnings),
        )
    )


def parse_html_fragment(html: str, name: str = "the entry") -> Article:
    """A piece of HTML (a feed entry's content): all its paragraphs, no trafilatura."""
    html, dropped = drop_controls(html)
    html = lift_signatures(f"<html><body>{html}</body></html>")
    body = _scan(html, name, scoped=False, take_title=False)
    return without_controls(Article(None, None, None, tuple(attach_quotes(body.drafts)), dropped))
