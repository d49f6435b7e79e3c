"""Reading an article: plain text, Markdown or HTML becomes an :class:`Article`.

The reader never drops a word: everything that is not a header line (``title:``, ``date:``,
``source:``) ends up in a block, in order. Structure is inferred the way a person reading the
file would: a short line without final punctuation is a sub-heading.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar, Literal

from .errors import ArticleError
from .french import MONTHS


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("bulletin-latin1", _latin1_fallback)

BlockKind = Literal["paragraph", "heading"]

MAX_ARTICLE_BYTES = 50 * 1024 * 1024

_HEADER = re.compile(r"^\s*(title|titre|date|source|author|auteur)\s*:\s*(.*?)\s*$", re.I)
_SEED_DATE = re.compile(r"^\s*date\s+(\d{4}(?:-\d{2}){0,2})\b\s*(.*)$", re.I | re.S)
_ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_FINAL_PUNCT = tuple('.!?…:;,»"”)]')
_OPENERS = tuple('«“„"—–-•*')
_MONTHS = {m: i for i, m in enumerate(MONTHS, start=1)}
_BINARY_MAGIC = (b"ID3", b"\xff\xfb", b"PK\x03\x04", b"%PDF", b"\x89PNG", b"\x1f\x8b", b"RIFF", b"GIF8")


@dataclass(frozen=True)
class Block:
    """One paragraph or sub-heading of the article body."""

    kind: BlockKind
    """``paragraph`` or ``heading``."""
    text: str
    """The article's own words, with line breaks folded to spaces."""


@dataclass(frozen=True)
class Article:
    """An article as read from its file, before any speech processing."""

    title: str | None
    """The article's title if it has one (header line, Markdown ``#``, HTML ``<title>``/``<h1>``)."""
    date: str | None
    """ISO date: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    source: str | None
    """Where the article comes from (a URL or a name), if given."""
    blocks: tuple[Block, ...]
    """The body, in order."""

    @property
    def display_title(self) -> str:
        """A title for tags and file names: the real one, else the start of the first sentence."""
        if self.title:
            return self.title
        for block in self.blocks:
            first = re.split(r"(?<=[.!?…])\s", block.text, maxsplit=1)[0]
            words = first.split()
            return " ".join(words[:10]).rstrip(".,;:!?…") + ("…" if len(words) > 10 else "")
        return "Bulletin"


def decode_bytes(data: bytes, name: str = "the article") -> str:
    """Decode an article's bytes: UTF-8 (with or without BOM, or UTF-16 with BOM), else cp1252.

    Raises :class:`ArticleError` for data that is not text at all.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ArticleError(f"{name} looks like UTF-16 but cannot be decoded") from exc
    if data.startswith(_BINARY_MAGIC) or b"\x00" in data[:65536]:
        raise ArticleError(f"{name} is a binary file, not a text article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Windows editors still save French as cp1252; the five bytes it leaves undefined are
        # read as latin-1 so that no byte is lost.
        text = data.decode("cp1252", errors="bulletin-latin1")
    controls = sum(1 for c in text[:65536] if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f")
    if controls > max(2, len(text[:65536]) // 100):
        raise ArticleError(f"{name} is a binary file, not a text article")
    return text


def read_article(path: str | Path) -> Article:
    """Read an article file. The format comes from the suffix, or from the content for HTML."""
    p = Path(path)
    if not p.exists():
        raise ArticleError(f"no such file: {p}")
    if p.is_dir():
        raise ArticleError(f"{p} is a folder, not an article file")
    try:
        size = p.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            raise ArticleError(f"{p} is {size // 1_048_576} MB; articles up to 50 MB are read")
        data = p.read_bytes()
    except OSError as exc:
        raise ArticleError(f"cannot read {p}: {exc.strerror or exc}") from exc
    text = decode_bytes(data, str(p))
    suffix = p.suffix.lower()
    if suffix in (".html", ".htm", ".xhtml") or (
        suffix not in (".txt", ".md", ".markdown") and re.match(r"\s*<(!doctype|html)", text, re.I)
    ):
        article = parse_html(text)
    elif suffix in (".md", ".markdown"):
        article = parse_markdown(text)
    else:
        article = parse_text(text)
    if not article.blocks:
        raise ArticleError(f"{p} holds no text to read")
    return article


def normalize_date(value: str) -> str | None:
    """``2016-03-22``, ``2019-12``, ``22/03/2016`` or ``22 mars 2016`` → ISO; None if unreadable."""
    v = value.strip()
    if _ISO_DATE.match(v):
        return v
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})[T ]", v)
    if m:
        return "-".join(m.groups())
    m = re.match(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$", v)
    if m:
        return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"
    m = re.match(r"^(?:\w+\s+)?(\d{1,2})(?:er)?\s+(\w+)\s+(\d{4})$", v.lower())
    if m and m[2] in _MONTHS:
        return f"{m[3]}-{_MONTHS[m[2]]:02d}-{int(m[1]):02d}"
    return None


def is_heading_line(line: str) -> bool:
    """A short line without final punctuation reads as a sub-heading."""
    s = line.strip()
    if not s or len(s) > 120 or len(s.split()) > 18:
        return False
    if s.endswith(_FINAL_PUNCT) or s.startswith(_OPENERS):
        return False
    return any(c.isalpha() for c in s)


def _paragraphs(text: str) -> list[list[str]]:
    chunks: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip():
            chunks[-1].append(line.strip())
        elif chunks[-1]:
            chunks.append([])
    return [c for c in chunks if c]


def _blocks_from_lines(chunks: list[list[str]]) -> list[Block]:
    blocks: list[Block] = []
    for lines in chunks:
        # A heading typed directly above its paragraph, without a blank line between them.
        # (a hard-wrapped paragraph goes on in lower case; a new paragraph starts a sentence)
        if (
            len(lines) > 1
            and is_heading_line(lines[0])
            and not is_heading_line(lines[1])
            and not lines[1][:1].islower()
        ):
            blocks.append(Block("heading", lines[0]))
            lines = lines[1:]
        joined = " ".join(lines)
        kind: BlockKind = "heading" if len(lines) == 1 and is_heading_line(joined) else "paragraph"
        blocks.append(Block(kind, joined))
    return blocks


def parse_text(text: str) -> Article:
    """Plain text: optional header lines, then paragraphs separated by blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = text.split("\n")
    headers: dict[str, str] = {}
    i = 0
    while i < len(lines):
        m = _HEADER.match(lines[i])
        if not m:
            break
        key = {"titre": "title", "auteur": "author"}.get(m[1].lower(), m[1].lower())
        headers[key] = m[2]
        i += 1
    body = "\n".join(lines[i:])
    date = normalize_date(headers["date"]) if headers.get("date") else None
    m = _SEED_DATE.match(body)
    if m and not date:
        date, body = m[1], m[2]
    elif m:
        body = m[2]
    blocks = _blocks_from_lines(_paragraphs(body))
    title = headers.get("title") or None
    if date is None and headers.get("date"):
        # An unreadable date is still the author's words: keep them in the body.
        blocks.insert(0, Block("paragraph", headers["date"]))
    if title is None and len(blocks) > 1 and blocks[0].kind == "heading":
        title = blocks[0].text
        blocks = blocks[1:]
    return Article(title=title, date=date, source=headers.get("source") or None, blocks=tuple(blocks))


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPH = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


def _md_inline(s: str) -> str:
    s = _MD_LINK.sub(r"\1", s)
    return _MD_EMPH.sub(r"\2", s)


def parse_markdown(text: str) -> Article:
    """Markdown: ``#`` title, ``##``… sub-headings, front matter or header lines for metadata."""
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    headers: dict[str, str] = {}
    fm = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    if fm:
        for line in fm[1].splitlines():
            m = _HEADER.match(line)
            if m:
                headers[m[1].lower()] = m[2].strip("\"'")
        text = text[fm.end() :]
    title = headers.get("title") or headers.get("titre")
    blocks: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(Block("paragraph", _md_inline(" ".join(para))))
            para.clear()

    for raw in text.split("\n"):
        line = raw.strip()
        h = re.match(r"^(#{1,6})\s+(.*?)\s*#*$", line)
        if h:
            flush()
            if h[1] == "#" and title is None and not blocks:
                title = _md_inline(h[2])
            else:
                blocks.append(Block("heading", _md_inline(h[2])))
        elif not line or re.match(r"^(-{3,}|\*{3,})$", line):
            flush()
        else:
            m = _HEADER.match(line)
            if m and not blocks and not para and m[1].lower() not in headers:
                headers[m[1].lower()] = m[2]
                continue
            para.append(re.sub(r"^(>\s*|[-*+]\s+|\d+[.)]\s+)", "", line))
    flush()
    date = normalize_date(headers["date"]) if headers.get("date") else None
    return Article(title=title, date=date, source=headers.get("source"), blocks=tuple(blocks))


class _HTMLText(HTMLParser):
    _SKIP: ClassVar[frozenset[str]] = frozenset(
        {"script", "style", "nav", "footer", "aside", "form", "noscript", "template", "svg"}
    )
    _BLOCK: ClassVar[frozenset[str]] = frozenset(
        {"p", "li", "blockquote", "div", "section", "article", "td", "dd", "dt", "pre", "br"}
    )

    def __init__(self, scoped: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.scoped = scoped
        self._inside = 0  # depth inside <article>/<main>
        self.title: str | None = None
        self.meta: dict[str, str] = {}
        self.blocks: list[Block] = []
        self._buf: list[str] = []
        self._skip = 0
        self._in_title = False
        self._heading: str | None = None

    def _flush(self) -> None:
        text = " ".join("".join(self._buf).split())
        self._buf.clear()
        if not text:
            return
        if self._heading == "h1" and self.title is None and not self.blocks:
            self.title = text
        elif self._heading:
            self.blocks.append(Block("heading", text))
        else:
            self.blocks.append(Block("paragraph", text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("article", "main"):
            self._inside += 1
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "meta":
            a = {k: v or "" for k, v in attrs}
            key = (a.get("property") or a.get("name") or "").lower()
            if key in ("article:published_time", "date", "dc.date", "og:title", "author"):
                self.meta[key] = a.get("content", "")
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = tag
        elif tag in self._BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("article", "main"):
            self._flush()
            self._inside = max(0, self._inside - 1)
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = None
        elif tag in self._BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._skip or (self.scoped and not self._inside and not self._in_title):
            return
        if self._in_title:
            self.meta["title"] = self.meta.get("title", "") + data
        else:
            self._buf.append(data)


def parse_html(text: str) -> Article:
    """HTML: a page that marks its article (``<article>``/``<main>``) is read from that element,
    headings kept; any other page goes through trafilatura, which finds the main text, title and
    date among menus and footers; the page's own paragraphs when trafilatura finds nothing."""
    if re.search(r"<(article|main)[\s>]", text, re.I):
        return _parse_html_plain(text, scoped=True)
    try:
        import trafilatura

        extracted = trafilatura.extract(text, output_format="markdown", include_formatting=True, favor_recall=True)
        meta = trafilatura.extract_metadata(text)
    except Exception:  # trafilatura missing or failing on odd markup: the plain reader still works
        extracted, meta = None, None
    if extracted and extracted.strip():
        article = parse_markdown(extracted)
        title = article.title or (meta.title if meta is not None else None)
        date = article.date or (normalize_date(meta.date) if meta is not None and meta.date else None)
        return Article(title=title, date=date, source=meta.url if meta is not None else None, blocks=article.blocks)
    return _parse_html_plain(text)


def _parse_html_plain(text: str, scoped: bool = False) -> Article:
    """HTML: headings and paragraphs of the page (of its ``<article>``/``<main>`` when ``scoped``),
    scripts and navigation left out."""
    parser = _HTMLText(scoped)
    parser.feed(text)
    parser.close()
    parser._flush()
    title = parser.title or parser.meta.get("og:title") or (parser.meta.get("title") or "").strip()
    date_raw = parser.meta.get("article:published_time") or parser.meta.get("date") or ""
    return Article(
        title=title or None,
        date=normalize_date(date_raw) if date_raw else None,
        source=None,
        blocks=tuple(parser.blocks),
    )


def slugify(text: str, max_length: int = 60) -> str:
    """A file-name-safe slug: ASCII letters and digits joined by dashes, never empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:max_length].rstrip("-")
    return slug or "bulletin"
