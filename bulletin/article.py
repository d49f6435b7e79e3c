"""Reading an article: plain text, Markdown or HTML becomes an :class:`Article`.

The reader never drops a word: everything that is not metadata (header lines such as ``title:``,
a front matter block, HTML ``<meta>``) ends up in a block, in order. Structure is inferred the way
a person reading the file would: a short line without final punctuation is a sub-heading, and a
block quote signed ``— Name`` is that person's words.

Metadata is checked as it is read: an impossible date becomes no date and a line in
:attr:`Article.warnings`, never an exception later in the feed or the tags.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email.utils
import json
import re
import sys
import unicodedata
from collections import Counter, deque
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar, Literal

from .errors import ArticleError
from .french import MONTHS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("bulletin-latin1", _latin1_fallback)

BlockKind = Literal["paragraph", "heading"]
Format = Literal["text", "markdown", "html"]

MAX_ARTICLE_BYTES = 50 * 1024 * 1024
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
TEXT_SUFFIXES = frozenset({".txt"})

_HEADER = re.compile(r"^\s*(title|titre|date|source|author|auteur)\s*:\s*(.*?)\s*$", re.I)
_HEADER_KEYS = {"titre": "title", "auteur": "author", "link": "source", "lien": "source"}
_SEED_DATE = re.compile(r"^\s*date\s+(\d{4}(?:-\d{2}){0,2})\b\s*(.*)$", re.I | re.S)
_FINAL_PUNCT = tuple('.!?…:;,»"”)]')
_OPENERS = tuple('«“„"—–-•*')
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
    """The article's title if it has one (header line, front matter, Markdown ``#``, HTML)."""
    date: str | None
    """A real calendar date in ISO form: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    source: str | None
    """Where the article comes from (a URL or a name), if given."""
    blocks: tuple[Block, ...]
    """The body, in order."""
    warnings: tuple[str, ...] = ()
    """What the reader noticed and worked around (a dropped control character, an impossible
    date), one plain English line each, for the user to see."""

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


# --- bytes to text -------------------------------------------------------------------------------

# Unicode's control characters (category Cc) but tab, line feed, vertical tab, form feed and
# carriage return, which are layout.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")  # a terminal colour code: ESC [ 31 m
_C0_NAMES = (
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR", "SO", "SI",
    "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US",
)  # fmt: skip


def _control_name(c: str) -> str:
    return _C0_NAMES[ord(c)] if ord(c) < 32 else "DEL" if c == "\x7f" else f"U+{ord(c):04X}"


def decode_bytes(data: bytes, name: str = "the article", charset: str | None = None) -> str:
    """Decode an article's bytes: UTF-8 (with or without BOM, or UTF-16 with BOM), else the
    ``charset`` the server announced, else cp1252. Control characters are left in (the parsers
    drop them, with a warning).

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
        text = ""
        if charset:
            try:
                text = data.decode(charset)
            except (LookupError, UnicodeDecodeError):
                text = ""
        # Windows editors still save French as cp1252; the five bytes it leaves undefined are
        # read as latin-1 so that no byte is lost.
        text = text or data.decode("cp1252", errors="bulletin-latin1")
    # A scraper leaves a stray ESC or BEL in a text (they are dropped later); a binary file that
    # has no NUL byte still decodes to text that is thick with control characters.
    sample = text[:65536]
    controls = len(_CONTROL.findall(sample))
    if controls > max(8, len(sample) // 20):
        raise ArticleError(f"{name} is a binary file, not a text article")
    return text


def drop_controls(text: str) -> tuple[str, tuple[str, ...]]:
    """Remove control characters (terminal colour codes whole); return the text and a warning
    that names what was dropped, if anything was."""
    if not _CONTROL.search(text):
        return text, ()
    dropped: Counter[str] = Counter()
    text, colours = _ANSI.subn("", text)
    dropped["\x1b"] += colours
    dropped.update(_CONTROL.findall(text))
    total = sum(dropped.values())
    named = ", ".join(_control_name(c) + (f" ×{n}" if n > 1 else "") for c, n in dropped.most_common())
    plural = "s" if total > 1 else ""
    return _CONTROL.sub("", text), (f"dropped {total} control character{plural} from the text ({named})",)


# --- files, streams and formats ------------------------------------------------------------------


def read_bytes(path: str | Path) -> bytes:
    """The bytes of an article file, read once, with a one-line error for every way it can fail."""
    p = Path(path)
    if not p.exists():
        raise ArticleError(f"no such file: {p}")
    if p.is_dir():
        raise ArticleError(f"{p} is a folder, not an article file")
    try:
        size = p.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            raise ArticleError(f"{p} is {size // 1_048_576} MB; articles up to 50 MB are read")
        return p.read_bytes()
    except OSError as exc:
        raise ArticleError(f"cannot read {p}: {exc.strerror or exc}") from exc


def read_article(path: str | Path) -> Article:
    """Read an article file. The format comes from the suffix, else from the content."""
    p = Path(path)
    return article_from_bytes(read_bytes(p), str(p), suffix=p.suffix)


def sniff_format(text: str) -> Format:
    """HTML if it starts like HTML, Markdown if it has ``#`` headings, front matter or ``>`` block
    quotes, else plain text."""
    head = text.lstrip("\ufeff \t\r\n")[:4096]
    if re.match(r"<(!doctype\s+html|html|head|body|article|main|section|div|p|h[1-6]|meta|title|!--)\b", head, re.I):
        return "html"
    if head.startswith("<?xml") and re.search(r"<html\b", head, re.I):
        return "html"
    text = text.lstrip("\ufeff")
    if len(_split_front_matter(text)[1]) != len(text) or re.search(r"^ {0,3}(#{1,6}\s+\S|>\s)", text, re.M):
        return "markdown"
    return "text"


def format_for(suffix: str = "", content_type: str = "", text: str = "") -> Format:
    """The format of an article: from its file suffix, else its HTTP content type, else its text."""
    suffix = suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in TEXT_SUFFIXES:
        return "text"
    ctype = content_type.split(";")[0].strip().lower()
    if ctype in ("text/html", "application/xhtml+xml"):
        return "html"
    if ctype in ("text/markdown", "text/x-markdown"):
        return "markdown"
    return sniff_format(text)


def article_from_bytes(data: bytes, name: str, *, suffix: str = "", content_type: str = "") -> Article:
    """Read an article from its bytes (a file, standard input or a download); ``name`` is what
    error messages call it. The format comes from ``suffix``, else ``content_type``, else the
    content."""
    m = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.I)
    text = decode_bytes(data, name, m[1] if m else None)
    fmt = format_for(suffix, content_type, text)
    if fmt == "html":
        article = parse_html(text, name)
    elif fmt == "markdown":
        article = parse_markdown(text)
    else:
        article = parse_text(text)
    if not article.blocks:
        raise ArticleError(f"{name} holds no text to read")
    return article


# --- dates ---------------------------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(MONTHS, start=1)}
_MONTHS.update({unicodedata.normalize("NFKD", m).encode("ascii", "ignore").decode(): i for m, i in _MONTHS.items()})
_DATE_SHAPED = re.compile(r"^\s*(\d{1,4}[-/.]\d{1,2}(?:[-/.]\d{1,4})?|\d{4}|(?:\w+\s+)?\d{1,2}(?:er)?\s+\w+\s+\d{4})\b")


def _iso(year: int, month: int | None = None, day: int | None = None) -> str | None:
    """The ISO form of a date that exists in the calendar, else None."""
    try:
        if day is not None and month is not None:
            return dt.date(year, month, day).isoformat()
        if month is not None:
            return dt.date(year, month, 1).isoformat()[:7]
        return dt.date(year, 1, 1).isoformat()[:4]
    except ValueError:
        return None


def normalize_date(value: str) -> str | None:
    """``2016-03-22``, ``2016-03-22T10:00+01:00``, ``2019-12``, ``22/03/2016``, ``22 mars 2016``,
    ``Tue, 22 Mar 2016 10:00:00 GMT`` → ISO; None if unreadable or not a real date
    (``2019-13-45``)."""
    v = value.strip()
    m = re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:$|[T ]\d)", v)
    if m:
        return _iso(int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None)
    m = re.match(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$", v)
    if m:
        return _iso(int(m[1]), int(m[2]), int(m[3]))
    m = re.match(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$", v)
    if m:
        return _iso(int(m[3]), int(m[2]), int(m[1]))
    m = re.match(r"^(?:\w+\.?,?\s+)?(\d{1,2})(?:er)?\s+(\w+)\.?\s+(\d{4})$", v.lower())
    if m and m[2] in _MONTHS:
        return _iso(int(m[3]), _MONTHS[m[2]], int(m[1]))
    if re.match(r"^[A-Za-z]{3},?\s+\d{1,2}\s+[A-Za-z]{3}\s+\d{4}", v):  # RFC 2822, as in e-mail and RSS
        try:
            return email.utils.parsedate_to_datetime(v).date().isoformat()
        except (TypeError, ValueError, IndexError):
            return None
    return None


def date_warning(value: str) -> str:
    """Why a date was not used, in a line a user understands."""
    shown = value.strip()
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    if _DATE_SHAPED.match(value):
        return f"ignored the date {shown!r}: there is no such day in the calendar"
    return f"ignored the date {shown!r}: it is not a date bulletin can read"


def _first_date(candidates: list[str | None], warnings: list[str]) -> str | None:
    """The first candidate that is a real date; the unusable ones before it are reported."""
    for value in candidates:
        if value and value.strip():
            iso = normalize_date(value)
            if iso:
                return iso
            warnings.append(date_warning(value))
    return None


# --- metadata blocks -----------------------------------------------------------------------------

_FRONT_YAML = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FRONT_TOML = re.compile(r"\A\+\+\+[ \t]*\n(.*?\n)?\+\+\+[ \t]*(?:\n|\Z)", re.S)
_YAML_LINE = re.compile(r"^(\s*|\s*#.*|[\w.-]+\s*:(\s.*)?|\s+\S.*|-\s.*|-)$")
_YAML_KEY = re.compile(r"^([\w.-]+)\s*:\s*(.*)$")
_META_KEYS = {"title": "title", "titre": "title", "date": "date", "published": "date", "author": "author",
              "auteur": "author", "source": "source", "link": "source", "lien": "source"}  # fmt: skip


def _yaml_scalar(value: str) -> str:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] == '"':
        return v[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if len(v) >= 2 and v[0] == v[-1] == "'":
        return v[1:-1].replace("''", "'")
    return re.sub(r"\s+#.*$", "", v)  # "date: 2025-01-01  # comment"


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """A YAML (``---``) or TOML (``+++``) block at the very top: its title, date, author and
    source (or link), and the text after it. Only the top-level keys are read: a news front
    matter needs no more, and it keeps the reader free of a YAML dependency."""
    m = _FRONT_YAML.match(text)
    if m:
        lines = (m[1] or "").splitlines()
        if not lines or not all(_YAML_LINE.match(line) for line in lines):
            return {}, text  # a rule line above ordinary text, not front matter
        values: dict[str, str] = {}
        key: str | None = None
        for line in lines:
            km = _YAML_KEY.match(line)
            if km and not line[:1].isspace():
                key = km[1].lower()
                values[key] = km[2].strip()
            elif key and line[:1].isspace() and line.strip() and not line.strip().startswith("#"):
                # a folded (">") or literal ("|") value, or a plain value continued on the next line
                head = "" if re.fullmatch(r"[|>][-+0-9]*", values[key]) else values[key]
                values[key] = f"{head} {line.strip()}".strip()
            elif not line[:1].isspace():
                key = None
        found: dict[str, str] = {}
        for k, v in values.items():  # the first of "date" and "published" (or "source" and "link") wins
            if k in _META_KEYS and _yaml_scalar(v):
                found.setdefault(_META_KEYS[k], _yaml_scalar(v))
        return found, text[m.end() :]
    m = _FRONT_TOML.match(text)
    if m:
        try:
            data = tomllib.loads(m[1] or "")
        except tomllib.TOMLDecodeError:
            return {}, text
        found = {}
        for k, v in data.items():
            if k.lower() in _META_KEYS and isinstance(v, (str, dt.date, dt.datetime)) and str(v).strip():
                found.setdefault(_META_KEYS[k.lower()], v.isoformat() if isinstance(v, dt.date) else v.strip())
        return found, text[m.end() :]
    return {}, text


# --- block quotes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Draft:
    """A block as first read, with the block quote it belongs to (numbered), if any."""

    kind: BlockKind
    text: str
    quote: int | None = None


_ATTRIBUTION = re.compile(r"^(?:—|–|―|--)\s*(?P<who>\S.*)$", re.S)


def attribution_line(text: str) -> str | None:
    """``— Paul Durand, maire de Namur`` (em or en dash, ``--``, ``―``) → the line with an em
    dash; None if the line does not read as a signature (a question, a sentence, a long text)."""
    m = _ATTRIBUTION.match(text.strip())
    if not m:
        return None
    who = " ".join(m["who"].split())
    words = who.split()
    if not (who[0].isalpha() and who[0].isupper()) or len(words) > 25 or len(who.split(",")[0].split()) > 6:
        return None
    if re.search(r"[?!«»“”]|[a-zà-ÿ]{2}[.…]\s", who):  # an interview turn, not a signature
        return None
    return f"— {who}"


def _quoted(paragraphs: list[str]) -> list[str]:
    """A block quote's paragraphs in French marks: « opens each paragraph, » closes the last.
    A quote that already opens with a mark is left as its author wrote it."""
    if paragraphs[0].lstrip().startswith(("«", "“", "„", '"')):
        return paragraphs
    out = [f"« {p}" for p in paragraphs]
    out[-1] += " »"
    return out


def _attach_quotes(drafts: list[_Draft]) -> list[Block]:
    """A block quote signed by a ``— Name`` line (its own last line, or the paragraph after it)
    becomes « … » followed by that line, the form the quote detector gives to the named person.
    An unsigned block quote stays as it was written."""
    blocks: list[Block] = []
    i = 0
    while i < len(drafts):
        d = drafts[i]
        if d.quote is None:
            blocks.append(Block(d.kind, d.text))
            i += 1
            continue
        j = i
        while j < len(drafts) and drafts[j].quote == d.quote:
            j += 1
        group = drafts[i:j]
        signature = attribution_line(group[-1].text) if len(group) > 1 else None
        if signature:
            group = group[:-1]
        elif j < len(drafts) and drafts[j].quote is None and drafts[j].kind == "paragraph":
            signature = attribution_line(drafts[j].text)
            j += 1 if signature else 0
        if signature and all(g.kind == "paragraph" for g in group):
            blocks.extend(Block("paragraph", p) for p in _quoted([g.text for g in group]))
            blocks.append(Block("paragraph", signature))
        else:
            blocks.extend(Block(g.kind, g.text) for g in drafts[i:j])
        i = j
    return blocks


# --- plain text ----------------------------------------------------------------------------------


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


def _unix_lines(text: str) -> str:
    """One kind of line break; a form feed or vertical tab (a page or line break) is one too."""
    return re.sub(r"\r\n?|[\f\v]", "\n", text).lstrip("\ufeff")


def parse_text(text: str) -> Article:
    """Plain text: optional front matter or header lines, then paragraphs separated by blank lines."""
    text, dropped = drop_controls(text)
    warnings = list(dropped)
    text = _unix_lines(text)
    headers, text = _split_front_matter(text)
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _HEADER.match(lines[i])
        if not m:
            break
        key = m[1].lower()
        headers[_HEADER_KEYS.get(key, key)] = m[2]
        i += 1
    body = "\n".join(lines[i:])
    date = _first_date([headers.get("date")], warnings)
    m = _SEED_DATE.match(body)
    if m:
        body = m[2]
        date = date or _first_date([m[1]], warnings)
    blocks = _blocks_from_lines(_paragraphs(body))
    title = headers.get("title") or None
    raw_date = headers.get("date", "")
    if date is None and raw_date and not _DATE_SHAPED.match(raw_date):
        # Unreadable words ("date: la semaine dernière") are still the author's: keep them.
        blocks.insert(0, Block("paragraph", raw_date))
    if title is None and len(blocks) > 1 and blocks[0].kind == "heading":
        title = blocks[0].text
        blocks = blocks[1:]
    return Article(title, date, headers.get("source") or None, tuple(blocks), tuple(warnings))


# --- Markdown ------------------------------------------------------------------------------------

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPH = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_MD_QUOTE = re.compile(r"^(?:>[ \t]?)+")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
_MD_RULE = re.compile(r"^(-{3,}|\*{3,}|_{3,})$")
_MD_ITEM = re.compile(r"^([-*+]\s+|\d+[.)]\s+)")


def _md_inline(s: str) -> str:
    s = _MD_LINK.sub(r"\1", s)
    return _MD_EMPH.sub(r"\2", s)


def parse_markdown(text: str) -> Article:
    """Markdown: front matter or header lines for metadata, ``#`` title, ``##``… sub-headings,
    ``>`` block quotes (signed by a ``— Name`` line: that person's quote)."""
    text, dropped = drop_controls(text)
    warnings = list(dropped)
    text = _unix_lines(text)
    headers, text = _split_front_matter(text)
    h1_title: str | None = None
    drafts: list[_Draft] = []
    para: list[str] = []
    quote: int | None = None  # the block quote being read
    quotes = 0

    def flush() -> None:
        if para:
            drafts.append(_Draft("paragraph", _md_inline(" ".join(para)), quote))
            para.clear()

    def signature_in(line: str) -> str | None:
        return attribution_line(_md_inline(line)) if line.startswith(("—", "–", "―", "--")) else None

    for raw in text.split("\n"):
        line = raw.strip()
        q = _MD_QUOTE.match(line)
        if q:
            if quote is None:
                flush()
                quotes += 1
                quote = quotes
            line = line[q.end() :].strip()
            if not line:
                flush()
                continue
            signature = signature_in(line)
            if signature:  # "> — Paul Durand" closing the quote
                flush()
                drafts.append(_Draft("paragraph", signature, quote))
                continue
        elif quote is not None:
            if line and not signature_in(line) and not _MD_HEADING.match(line):
                para.append(line)  # a lazy continuation line belongs to the quote
                continue
            flush()
            quote = None
        h = _MD_HEADING.match(line)
        if h:
            flush()
            if h[1] == "#" and h1_title is None and "title" not in headers and not drafts:
                h1_title = _md_inline(h[2])
            elif not (h[1] == "#" and not drafts and _md_inline(h[2]) == headers.get("title")):
                drafts.append(_Draft("heading", _md_inline(h[2]), quote))
        elif not line or _MD_RULE.match(line):
            flush()
        else:
            m = _HEADER.match(line)
            if m and quote is None and not drafts and not para and h1_title is None:
                key = _HEADER_KEYS.get(m[1].lower(), m[1].lower())
                if key not in headers:
                    headers[key] = m[2]
                    continue
            signature = signature_in(line)
            if signature and not para and drafts and drafts[-1].quote is not None:
                drafts.append(_Draft("paragraph", signature))  # the signature is a paragraph of its own
                continue
            para.append(_MD_ITEM.sub("", line))
    flush()
    date = _first_date([headers.get("date")], warnings)
    title = headers.get("title") or h1_title
    return Article(title, date, headers.get("source") or None, tuple(_attach_quotes(drafts)), tuple(warnings))


# --- HTML ----------------------------------------------------------------------------------------


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
        self.drafts: list[_Draft] = []
        self._buf: list[str] = []
        self._skip = 0
        self._ld: list[str] | None = None
        self._in_title = False
        self._heading: str | None = None
        self._quote_depth = 0
        self._in_p = False
        self._inline: list[bool] = []  # for each open <blockquote>: is it inside a sentence?
        self._quotes = 0

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
            self.drafts.append(_Draft("heading" if self._heading else "paragraph", text, quote))

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
        return _first_date(
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
    return " ".join(_CONTROL.sub("", str(element.text_content())).split()).lstrip("—–―- ").strip()


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
        blocks = tuple(_attach_quotes(page.drafts))
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
                               tuple(_attach_quotes(body.drafts)), tuple(warnings)))  # fmt: skip
    return without_controls(
        Article(
            title=body.title or (meta.title if meta is not None else None) or title,
            date=page.date(warnings, meta.date if meta is not None else None),
            source=meta.url if meta is not None else None,
            blocks=tuple(_attach_quotes(body.drafts)),
            warnings=tuple(warnings),
        )
    )


def parse_html_fragment(html: str, name: str = "the entry") -> Article:
    """A piece of HTML (a feed entry's content): all its paragraphs, no trafilatura."""
    html, dropped = drop_controls(html)
    html = lift_signatures(f"<html><body>{html}</body></html>")
    body = _scan(html, name, scoped=False, take_title=False)
    return without_controls(Article(None, None, None, tuple(_attach_quotes(body.drafts)), dropped))


def without_controls(article: Article) -> Article:
    """The article with any control character left in its title or blocks dropped, and said: a
    feed's title or text (feedparser hands them over as they were) can hold one."""
    parts = [article.title or "", *(b.text for b in article.blocks)]
    if not any(_CONTROL.search(part) for part in parts):
        return article
    _, note = drop_controls("\n".join(parts))
    cleaned = [" ".join(drop_controls(part)[0].split()) for part in parts]
    blocks = tuple(Block(b.kind, t) for b, t in zip(article.blocks, cleaned[1:], strict=True) if t)
    return replace(article, title=cleaned[0] or None, blocks=blocks, warnings=(*article.warnings, *note))


def slugify(text: str, max_length: int = 60) -> str:
    """A file-name-safe slug: ASCII letters and digits joined by dashes, never empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:  # cut at a word boundary, unless the first word alone is too long
        cut = slug.rfind("-", 0, max_length + 1)
        slug = slug[: cut if cut > 0 else max_length]
    return slug.rstrip("-") or "bulletin"
