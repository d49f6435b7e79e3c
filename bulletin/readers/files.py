"""Files and bytes to articles: one bounded read, then the format from the suffix, the HTTP
content type or the content itself."""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import BinaryIO, Literal

from ..errors import ArticleError
from .encoding import decode_bytes
from .frontmatter import split_front_matter
from .html import parse_html
from .markdown import parse_markdown
from .model import Article
from .text import parse_text

Format = Literal["text", "markdown", "html"]

MAX_ARTICLE_BYTES = 50 * 1024 * 1024
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
TEXT_SUFFIXES = frozenset({".txt"})
_CHUNK = 1 << 20


def too_big(name: str) -> ArticleError:
    mb = MAX_ARTICLE_BYTES // 1_048_576
    return ArticleError(f"{name} holds more than {mb} MB; articles up to {mb} MB are read")


def read_bounded(stream: BinaryIO, name: str) -> bytes:
    """At most :data:`MAX_ARTICLE_BYTES` from a stream, read in chunks: one byte more is refused.
    ``st_size`` says nothing of a device, a FIFO or ``<(cmd)`` (it is 0), so only counting what
    arrives bounds the memory (``/dev/zero`` would otherwise fill it)."""
    data = bytearray()  # grows in place: never more than the limit and one chunk
    while chunk := stream.read(min(_CHUNK, MAX_ARTICLE_BYTES + 1 - len(data))):
        data += chunk
        if len(data) > MAX_ARTICLE_BYTES:
            raise too_big(name)
    return bytes(data)


def read_bytes(path: str | Path) -> bytes:
    """The bytes of an article file, read once, with a one-line error for every way it can fail."""
    p = Path(path)
    if not p.exists():
        raise ArticleError(f"no such file: {p}")
    if p.is_dir():
        raise ArticleError(f"{p} is a folder, not an article file")
    try:
        st = p.stat()
        if stat.S_ISREG(st.st_mode) and st.st_size > MAX_ARTICLE_BYTES:
            raise ArticleError(f"{p} is {st.st_size // 1_048_576} MB; articles up to 50 MB are read")
        with p.open("rb", buffering=0) as fh:  # a regular file may still grow while it is read
            return read_bounded(fh, str(p))
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
    if len(split_front_matter(text)[1]) != len(text) or re.search(r"^ {0,3}(#{1,6}\s+\S|>\s)", text, re.M):
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
